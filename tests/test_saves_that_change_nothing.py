"""A save that changes nothing records nothing (issue 25): text is normalised on the way in
(line endings, spaces at the ends of lines) and compared normalised."""

from datetime import date

import pytest
from django.urls import reverse

from commissioning import services as commissioning_services
from common.history import normalise_text
from contracts import roles, services
from contracts.models import Contract
from tests.factories import make_contract, make_cycle, make_milestone, make_organisation, make_user

pytestmark = pytest.mark.django_db

DESCRIPTION = "Refuge of 28 self-contained flats.\nSupport for up to 40 children."


def contract_form(contract: Contract, **changes) -> dict:
    """The edit form as a browser posts it back untouched: CRLF line endings in the textarea."""
    form = {
        "title": contract.title,
        "description": contract.description.replace("\n", "\r\n"),
        "kind": contract.kind,
        "service_category": contract.service_category,
        "buyer": contract.buyer.pk,
        "provider": contract.provider.pk,
        "team": contract.team.pk,
        "funding_source": contract.funding_source,
        "start_date_day": str(contract.start_date.day),
        "start_date_month": str(contract.start_date.month),
        "start_date_year": str(contract.start_date.year),
        "initial_term_months": str(contract.initial_term_months),
    }
    return {**form, **changes}


def test_text_is_kept_with_one_kind_of_line_ending_and_no_trailing_spaces():
    assert normalise_text("  First line  \r\nSecond line\t\rThird\r\n\r\n") == "First line\nSecond line\nThird"


def test_saving_the_contract_form_without_changing_anything_records_nothing(client):
    officer = make_user(role=roles.OFFICER, first_name="Olivia")
    client.force_login(officer)
    contract = make_contract(description=DESCRIPTION)
    entries = contract.history.count()

    landed = client.post(reverse("contracts:edit", args=[contract.pk]), contract_form(contract), follow=True)

    page = landed.content.decode()
    assert "Nothing changed" in page
    assert contract.history.count() == entries
    assert "Contract changed" not in client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()


def test_a_real_edit_shows_only_the_field_that_changed_not_the_description(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract(description=DESCRIPTION)

    client.post(reverse("contracts:edit", args=[contract.pk]), contract_form(contract, title="Refuge for women"))

    latest = contract.history.first()
    assert [change.field for change in latest.diff_against(latest.prev_record).changes] == ["title"]
    contract.refresh_from_db()
    assert contract.description == DESCRIPTION


def test_saving_an_organisation_unchanged_records_nothing():
    organisation = make_organisation(name="Women's Aid Milton Keynes")
    services.organisation_save(organisation=organisation, officer=None, reason="First")
    entries = organisation.history.count()

    organisation.name = "Women's Aid Milton Keynes  "
    services.organisation_save(organisation=organisation, officer=None, reason="Again")

    assert organisation.history.count() == entries


def test_saving_a_cycle_unchanged_records_nothing():
    cycle = make_cycle()
    entries = cycle.history.count()

    commissioning_services.cycle_save(cycle=cycle, officer=None, reason="Saved again")

    assert cycle.history.count() == entries


def test_a_milestone_description_sent_back_with_crlf_is_no_change():
    milestone = make_milestone(due_on=date(2027, 1, 4), description="Line one\nLine two")
    entries = milestone.history.count()

    commissioning_services.milestone_update(milestone=milestone, officer=None, description="Line one\r\nLine two ")

    assert milestone.history.count() == entries
