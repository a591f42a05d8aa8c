"""The forms officers fill in (issue 25): the contract form in sections with the reason after
the dates and values, an end date that sets the term, error messages as sentences, a "Date met"
revealed only under "Met", worded empty choices, and a decline warning that fits the option."""

from datetime import date

import pytest
from django.urls import reverse

from contracts import roles
from contracts.models import ExtensionOption
from tests.factories import make_contract, make_milestone, make_user
from tests.test_saves_that_change_nothing import contract_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = make_user(role=roles.OFFICER)
    client.force_login(user)
    return user


def test_an_end_date_sets_the_initial_term(client, officer):
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=48)
    form = contract_form(
        contract,
        initial_term_months="",
        initial_end_date_day="29",
        initial_end_date_month="2",
        initial_end_date_year="2032",
        change_reason="Cabinet: five years",
    )

    response = client.post(reverse("contracts:edit", args=[contract.pk]), form)

    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.initial_term_months, contract.initial_end_date) == (60, date(2032, 2, 29))


def test_an_end_date_that_is_not_a_whole_number_of_months_is_explained(client, officer):
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=48)
    form = contract_form(
        contract,
        initial_term_months="",
        initial_end_date_day="15",
        initial_end_date_month="3",
        initial_end_date_year="2032",
        change_reason="x",
    )

    page = client.post(reverse("contracts:edit", args=[contract.pk]), form).content.decode()

    assert "Enter an end date a whole number of months after the start date, less a day" in page


def test_the_reason_error_is_a_sentence_and_sits_right_after_the_dates_and_money(client, officer):
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60)
    form = contract_form(
        contract,
        initial_term_months="48",
        max_extent_date_day="28",
        max_extent_date_month="2",
        max_extent_date_year="2034",
    )

    page = client.post(reverse("contracts:edit", args=[contract.pk]), form).content.decode()

    assert "Enter the reason for changing the initial term and the maximum extent date" in page
    assert page.index('id="section-money"') < page.index('id="section-reason"') < page.index('id="section-parties"')
    assert "is worked out from these dates and the extension options exercised" in page


def test_selects_offer_a_worded_empty_choice(client, officer):
    contract = make_contract()

    page = client.get(reverse("contracts:edit", args=[contract.pk])).content.decode()

    assert "---------" not in page
    assert '<option value="">None</option>' in page


def test_date_met_is_revealed_only_under_met(client, officer):
    milestone = make_milestone(due_on=date(2026, 3, 12))

    page = client.get(reverse("commissioning:milestone-status", args=[milestone.pk])).content.decode()

    met = page.index('value="met"')
    reveal = page.index(
        'class="govuk-radios__conditional govuk-radios__conditional--hidden" id="conditional-id_met_on"'
    )
    assert met < reveal < page.index('id="id_met_on_day"')
    assert 'data-aria-controls="conditional-id_met_on"' in page


def test_declining_the_last_option_does_not_warn_about_options_after_it(client, officer):
    contract = make_contract(option_months=(12, 12), option_statuses=(ExtensionOption.Status.EXERCISED, "available"))
    last = contract.options.get(sequence=2)
    first_of_two = make_contract(option_months=(12, 12)).options.get(sequence=1)

    page = client.get(reverse("contracts:option-decline", args=[contract.pk, last.pk])).content.decode()
    earlier = client.get(
        reverse("contracts:option-decline", args=[first_of_two.contract_id, first_of_two.pk])
    ).content.decode()

    assert "every option after it" not in page
    assert "This is the contract's last open option" in page
    assert "declining option 1 also lapses option 2." in earlier


def test_the_contract_form_offers_only_the_organisations_of_the_officers_teams(client):
    from tests.factories import make_organisation, make_team

    mine, theirs = make_team(), make_team()
    ours = make_organisation(name="Women's Aid Milton Keynes")
    make_contract(team=mine, provider=ours)
    make_contract(team=theirs, provider=make_organisation(name="Another council's provider"))
    make_organisation(name="A provider nobody uses yet")
    client.force_login(make_user(role=roles.OFFICER, teams=[mine]))

    page = client.get(reverse("contracts:create")).content.decode()

    assert "Women&#x27;s Aid Milton Keynes" in page
    assert "A provider nobody uses yet" in page
    assert "Another council&#x27;s provider" not in page
