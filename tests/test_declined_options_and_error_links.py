"""A declined or lapsed option never runs, so the extent checks leave it out; and every error
in an error summary links to a field (issue 25)."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import roles, services
from contracts.models import Contract, ExtensionOption
from tests.factories import make_contract, make_user
from tests.test_saves_that_change_nothing import contract_form

pytestmark = pytest.mark.django_db

Status = ExtensionOption.Status


def test_lowering_the_maximum_extent_below_a_declined_options_end_is_allowed():
    # Milton Keynes: to 29 February 2032, option 1 to 28 February 2033, option 2 (declined) to 2034.
    contract = make_contract(option_months=(12, 12), option_statuses=(Status.AVAILABLE, Status.DECLINED))

    contract.max_extent_date = date(2033, 2, 28)
    services.contract_save(contract=contract, officer=None, reason="Cabinet: no second extension")

    assert Contract.objects.get(pk=contract.pk).max_extent_date == date(2033, 2, 28)


def test_a_lapsed_option_does_not_count_either():
    contract = make_contract(
        option_months=(12, 12), option_statuses=(Status.DECLINED, Status.LAPSED), max_extent_date=None
    )

    contract.max_extent_date = date(2032, 2, 29)
    services.contract_save(contract=contract, officer=None, reason="No extensions")

    assert Contract.objects.get(pk=contract.pk).max_extent_date == date(2032, 2, 29)


def test_the_maximum_extent_not_written_down_ends_with_the_last_option_that_can_still_run():
    contract = make_contract(option_months=(12, 12), option_statuses=(Status.AVAILABLE, Status.DECLINED))

    assert contract.effective_max_extent_date == date(2033, 2, 28)


def test_an_open_option_past_the_new_maximum_extent_is_still_refused_beside_the_field(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract(option_months=(12, 12), max_extent_date=date(2034, 2, 28))
    form = contract_form(
        contract,
        max_extent_date_day="28",
        max_extent_date_month="2",
        max_extent_date_year="2033",
        change_reason="Maximum extent corrected",
    )

    page = client.post(reverse("contracts:edit", args=[contract.pk]), form).content.decode()

    message = "Option 2 would run to 28 February 2034, after the maximum extent date of 28 February 2033"
    assert f'<a href="#id_max_extent_date_day">{message}</a>' in page
    assert 'id="id_max_extent_date-error"' in page


def test_an_error_about_the_whole_form_links_to_its_first_field(client):
    from django import forms
    from django.template.loader import render_to_string

    class Whole(forms.Form):
        name = forms.CharField()

        def clean(self):
            raise forms.ValidationError("Something about everything")

    form = Whole({"name": "x"})
    form.is_valid()

    html = render_to_string("includes/error_summary.html", {"form": form})

    assert re.search(r'<a href="#id_name">Something about everything</a>', html)


# --- every extent check, and what follows from it, leaves declined and lapsed options out ------
# Milton Keynes' shape: to 29 February 2032, option 1 (12 months) to 28 February 2033, option 2
# (12 months, declined) would have run to 28 February 2034, the maximum extent.


def _declined_second_option(first=Status.AVAILABLE):
    return make_contract(
        option_months=(12, 12), option_statuses=(first, Status.DECLINED), max_extent_date=date(2034, 2, 28)
    )


def test_an_option_added_after_a_declined_one_follows_the_options_that_can_still_run(client):
    officer = make_user(role=roles.OFFICER)
    client.force_login(officer)
    contract = _declined_second_option()

    response = client.post(
        reverse("contracts:option-create", args=[contract.pk]),
        {"length_months": "12", "value": ""},
        follow=True,
    )

    assert "Option 3 added" in response.content.decode(), response.content.decode()
    # It runs where option 2 would have: the declined option's year is free again.
    period = Contract.objects.get(pk=contract.pk).option_periods()[3]
    assert (period.start, period.end) == (date(2033, 3, 1), date(2034, 2, 28))


def test_an_option_added_after_a_declined_one_is_still_refused_past_the_maximum_extent():
    contract = _declined_second_option()

    with pytest.raises(ValidationError) as refused:
        services.option_add(contract=contract, length_months=13, officer=None)

    assert refused.value.message_dict == {
        "length_months": ["Option 3 would run to 31 March 2034, after the maximum extent date of 28 February 2034"]
    }


def test_the_option_added_after_a_declined_one_can_be_exercised_after_the_first():
    contract = _declined_second_option(first=Status.EXERCISED)
    added = services.option_add(contract=contract, length_months=12, officer=None)

    assert Contract.objects.get(pk=contract.pk).end_if_exercised(added) == date(2034, 2, 28)
    services.option_exercise(option=added, officer=None, decision_date=date(2032, 6, 1), today=date(2032, 6, 1))

    assert Contract.objects.get(pk=contract.pk).current_end_date == date(2034, 2, 28)


def test_a_register_update_leaves_declined_options_out_as_a_contract_edit_does():
    contract = _declined_second_option()
    contract.max_extent_date = date(2033, 2, 28)

    services.contracts_update_many(contracts=[contract], option_months=[[]], officer=None, reason="Register")

    assert Contract.objects.get(pk=contract.pk).max_extent_date == date(2033, 2, 28)


def test_the_cover_starts_recommissioning_from_the_last_day_without_the_declined_option():
    from commissioning import rules
    from commissioning import selectors as cover_selectors

    contract = make_contract(option_months=(12, 12), option_statuses=(Status.AVAILABLE, Status.DECLINED))

    term = cover_selectors._term(contract, {})
    assert contract.effective_max_extent_date == date(2033, 2, 28)
    assert term.recommission_by == rules.recommissioning_start_by(
        date(2033, 2, 28), lead_months=contract.recommissioning_lead_months
    )
