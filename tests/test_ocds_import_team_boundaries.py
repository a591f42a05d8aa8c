"""An officer's import changes only what that officer may change (access.policy); a release
that would touch another team's cycle, contract or notice is refused whole, saying why."""

import copy
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning.models import CommissioningCycle, Milestone
from contracts import roles
from contracts.models import Organisation
from notices import services
from notices.models import Conflict, Duty, Lot, Notice, Release
from notices.ocds.loader import Outcome
from tests.factories import make_contract, make_cycle, make_team, make_user
from tests.ocds_helpers import (
    MK_FILE,
    MK_OCID,
    MK_RELEASE_ID,
    import_bytes,
    make_seed_buyers,
    mk_release,
)

pytestmark = pytest.mark.django_db

OTHER_OCID = "ocds-h6vhtk-0ffff1"


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def teams():
    make_seed_buyers()
    return make_team(name="Our team"), make_team(name="Their team")


def officer_of(team):
    return make_user(role=roles.OFFICER, teams=[team])


def test_an_ocid_held_only_by_another_teams_contract_is_refused_and_nothing_of_theirs_changes(teams):
    ours, theirs = teams
    their_contract = make_contract(reference="THEIRS-1", team=theirs, ocid=MK_OCID)
    duties_before = Duty.objects.filter(contract=their_contract).count()

    [outcome] = import_bytes(mk_release(), officer=officer_of(ours), team=ours)

    assert outcome.status == Outcome.REFUSED
    assert outcome.problems == [
        (
            f"release {MK_RELEASE_ID} ({MK_OCID}): $.ocid: the OCID {MK_OCID} is on a contract you cannot change "
            "(another team's): nothing was imported. Someone who can change that contract, or an administrator, "
            "can import it"
        )
    ]
    assert not CommissioningCycle.objects.exists()
    assert not Release.objects.exists() and not Notice.objects.exists() and not Lot.objects.exists()
    assert not Conflict.objects.filter(contract=their_contract).exists()
    assert Duty.objects.filter(contract=their_contract).count() == duties_before
    assert not Milestone.objects.filter(contract=their_contract, source=Milestone.Source.IMPORTED).exists()


def test_the_same_release_imported_by_the_contracts_own_team_is_linked_to_it(teams):
    ours, _ = teams
    our_contract = make_contract(reference="OURS-1", team=ours, ocid=MK_OCID)

    [outcome] = import_bytes(mk_release(), officer=officer_of(ours), team=ours)

    assert outcome.status == Outcome.IMPORTED
    assert Notice.objects.filter(contracts=our_contract).exists()
    assert Lot.objects.get().contract == our_contract


def test_a_notice_of_another_team_is_not_linked_to_the_importers_contracts(teams):
    ours, theirs = teams
    # Their team imported the Milton Keynes release: its notices are theirs.
    [their_import] = import_bytes(mk_release(), team=theirs)
    assert their_import.status == Outcome.IMPORTED
    their_notice = Notice.objects.order_by("pk").first()
    our_contract = make_contract(reference="OURS-1", team=ours, ocid=OTHER_OCID)
    # Our officer's release, for our own contract's OCID, names their notice's Find a Tender id.
    release = copy.deepcopy(mk_release())
    release["ocid"], release["id"] = OTHER_OCID, f"{OTHER_OCID}-2026-02-26T16:34:30Z"
    path = next(
        f"$.planning.documents[{index}].id"
        for index, document in enumerate(release["planning"]["documents"])
        if document["id"] == their_notice.fts_notice_id
    )

    [outcome] = import_bytes(release, officer=officer_of(ours), team=ours)

    assert outcome.status == Outcome.REFUSED
    assert (
        f"{path}: the notice {their_notice.fts_notice_id} is already in the tracker for another team's cycle"
        in outcome.problems[0]
    )
    assert not their_notice.contracts.filter(pk=our_contract.pk).exists()
    assert not CommissioningCycle.objects.filter(ocid=OTHER_OCID).exists()
    assert not Release.objects.filter(ocid=OTHER_OCID).exists()
    assert their_notice.history.count() == 1  # added, never changed


def test_an_officer_cannot_update_another_teams_cycle_through_the_upload_page(client, teams):
    ours, theirs = teams
    make_cycle(team=theirs, ocid=MK_OCID, name="Their cycle")
    client.force_login(officer_of(ours))

    response = client.post(reverse("notices:import"), {"file": SimpleUploadedFile("mk.json", MK_FILE.read_bytes())})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"the cycle with the OCID {MK_OCID} belongs to a team you are not in" in page
    assert not Release.objects.exists() and not Notice.objects.exists()


def test_an_officer_cannot_add_a_cycle_for_a_team_they_are_not_in(teams):
    ours, theirs = teams

    [outcome] = import_bytes(mk_release(), officer=officer_of(ours), team=theirs)

    assert outcome.status == Outcome.REFUSED
    assert outcome.problems[0].endswith("$.ocid: you cannot add a cycle for the team Their team")
    assert not CommissioningCycle.objects.exists()


def test_a_viewer_cannot_add_buyers_through_an_import(teams):
    ours, _ = teams
    viewer = make_user(role=roles.VIEWER, teams=[ours])
    Organisation.objects.all().delete()

    [outcome] = import_bytes(mk_release(), officer=viewer, team=ours, create_buyers=True)

    assert outcome.status == Outcome.REFUSED
    assert not Organisation.objects.exists()


def test_a_notice_recorded_for_a_contract_is_not_tied_to_another_teams_cycle_with_its_ocid(teams):
    ours, theirs = teams
    their_cycle = make_cycle(team=theirs, ocid=MK_OCID, name="Their cycle")
    our_contract = make_contract(reference="OURS-1", team=ours, ocid=MK_OCID)
    officer = officer_of(ours)

    notice = services.notice_record(
        notice_type="UK6", published_on=date(2026, 5, 1), contract=our_contract, officer=officer
    )

    assert notice.cycle is None
    assert not their_cycle.notices.exists()
    assert not Duty.objects.filter(cycle=their_cycle).exists()


def test_a_contract_given_an_ocid_is_linked_only_to_its_own_teams_notices(teams):
    ours, theirs = teams
    import_bytes(mk_release(), team=theirs)
    their_notices = set(Notice.objects.values_list("pk", flat=True))

    our_contract = make_contract(reference="OURS-1", team=ours, ocid=MK_OCID)

    assert their_notices
    assert not our_contract.notices.exists()


def test_a_contract_given_an_ocid_is_not_linked_to_a_notice_recorded_for_another_teams_contract(teams):
    ours, theirs = teams
    their_contract = make_contract(reference="THEIRS-1", team=theirs, ocid=MK_OCID)
    services.notice_record(notice_type="UK2", published_on=date(2026, 5, 1), contract=their_contract, officer=None)

    our_contract = make_contract(reference="OURS-1", team=ours, ocid=MK_OCID)

    assert Notice.objects.filter(contracts=their_contract).exists()
    assert not our_contract.notices.exists()


def test_two_cycles_with_one_ocid_are_refused_without_naming_the_other_teams(teams):
    ours, theirs = teams
    make_cycle(team=ours, ocid=MK_OCID, name="Our cycle")
    make_cycle(team=theirs, ocid=MK_OCID, name="Their secret cycle")

    [outcome] = import_bytes(mk_release(), officer=officer_of(ours))

    assert outcome.status == Outcome.REFUSED
    assert outcome.problems[0].endswith(
        f"$.ocid: 2 commissioning cycles have the OCID {MK_OCID} ('Our cycle', 1 of another team): give it to one only"
    )
    assert "Their secret cycle" not in outcome.problems[0]
