"""Settling a disagreement between a notice and the tracker (issue 25): the notice's date can be
used for a contract too, through the contract's own checks and with the consequence shown
first; an edit that makes the two agree closes the disagreement; declined options do not get
in the way; the import's result links to the disagreements it raised."""

import re
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts import roles, services
from contracts.models import ExtensionOption
from notices.models import Conflict
from tests.factories import make_contract, make_cycle, make_team, make_user
from tests.ocds_helpers import MK_FILE, MK_OCID, make_seed_buyers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def officer(client):
    user = make_user(role=roles.OFFICER, first_name="Olivia", last_name="Okafor")
    client.force_login(user)
    return user


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def disagreement(contract, field: str, value: str, *, ours: str, theirs: str, label: str) -> Conflict:
    return Conflict.objects.create(
        cycle=make_cycle(replaces=[contract]),
        contract=contract,
        subject=f"{contract.reference}: {label}",
        path=f"tender.lots[0].contractPeriod.{field}",
        ours=ours,
        theirs=theirs,
        theirs_value={"target": "contract", "field": field, "value": value},
    )


def test_the_officer_sees_what_the_notices_start_date_would_change_then_uses_it(client, officer):
    contract = make_contract(reference="MK-DASS-2027", start_date=date(2027, 4, 1), initial_term_months=60)
    conflict = disagreement(
        contract, "start_date", "2027-03-01", ours="1 April 2027", theirs="1 March 2027", label="start date"
    )

    page = text(client.get(conflict.get_absolute_url()))

    assert "If you use the notice's value" in page
    assert "Start date: 1 April 2027 → 1 March 2027" in page
    assert "End of the initial term: 31 March 2032 → 29 February 2032" in page
    assert "contractPeriod" not in page.split("Where this is in the notice")[0]

    landed = client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"})

    assert landed.status_code == 302 and landed.url == contract.get_absolute_url()
    contract.refresh_from_db()
    assert contract.start_date == date(2027, 3, 1)
    assert contract.history.first().history_user == officer
    assert Conflict.objects.get(pk=conflict.pk).status == Conflict.Status.USED_NOTICE


def test_the_notices_end_of_the_initial_term_sets_the_term_in_months(client, officer):
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=48)
    conflict = disagreement(
        contract,
        "end_date",
        "2032-02-29",
        ours="28 February 2031",
        theirs="29 February 2032",
        label="end of the initial term",
    )

    client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"})

    contract.refresh_from_db()
    assert (contract.initial_term_months, contract.initial_end_date) == (60, date(2032, 2, 29))


def test_a_notice_value_the_contract_cannot_take_is_explained_and_not_offered(client, officer):
    # Two open options run to 28 February 2034; the notice says the maximum extent is 2033.
    contract = make_contract(option_months=(12, 12), max_extent_date=date(2034, 2, 28))
    conflict = disagreement(
        contract,
        "max_extent_date",
        "2033-02-28",
        ours="28 February 2034",
        theirs="28 February 2033",
        label="maximum extent date",
    )

    page = text(client.get(conflict.get_absolute_url()))

    assert "Option 2 would run to 28 February 2034, after the maximum extent date of 28 February 2033" in page
    assert "Use the notice's value" not in page
    refused = client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"})
    assert refused.status_code == 302
    assert Conflict.objects.get(pk=conflict.pk).is_open
    contract.refresh_from_db()
    assert contract.max_extent_date == date(2034, 2, 28)


def test_a_declined_option_does_not_stop_the_officer_using_the_notices_maximum_extent(client, officer):
    contract = make_contract(
        option_months=(12, 12),
        option_statuses=(ExtensionOption.Status.AVAILABLE, ExtensionOption.Status.DECLINED),
        max_extent_date=date(2034, 2, 28),
    )
    conflict = disagreement(
        contract,
        "max_extent_date",
        "2033-02-28",
        ours="28 February 2034",
        theirs="28 February 2033",
        label="maximum extent date",
    )

    client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"})

    contract.refresh_from_db()
    assert contract.max_extent_date == date(2033, 2, 28)


def test_editing_the_contract_to_agree_with_the_notice_closes_the_disagreement():
    contract = make_contract(start_date=date(2027, 4, 1))
    conflict = disagreement(
        contract, "start_date", "2027-03-01", ours="1 April 2027", theirs="1 March 2027", label="start date"
    )

    contract.start_date = date(2027, 3, 15)
    services.contract_save(contract=contract, officer=None, reason="Start moved")
    conflict.refresh_from_db()
    assert conflict.is_open and conflict.ours == "15 March 2027"  # still disagrees: shows what the tracker says now

    contract.start_date = date(2027, 3, 1)
    services.contract_save(contract=contract, officer=None, reason="Start as the notice says")
    conflict.refresh_from_db()
    assert conflict.status == Conflict.Status.AGREED


def test_the_import_result_links_to_the_disagreements_it_raised(client, officer):
    mkcc, _ = make_seed_buyers()
    team = make_team()
    team.members.add(officer)
    make_contract(
        reference="MK-DASS-2027",
        ocid=MK_OCID,
        buyer=mkcc,
        team=team,
        start_date=date(2027, 4, 1),
        initial_term_months=60,
    )

    page = client.post(
        reverse("notices:import"),
        {"file": SimpleUploadedFile("mk.json", MK_FILE.read_bytes(), "application/json"), "team": team.pk},
    ).content.decode()

    conflict = Conflict.objects.get(subject="MK-DASS-2027: start date")
    assert f'href="{conflict.get_absolute_url()}">MK-DASS-2027: start date</a>' in page
