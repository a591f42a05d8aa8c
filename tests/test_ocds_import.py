"""Importing Find a Tender's OCDS: the two seed notices, repeated imports, later releases, officers' dates."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from commissioning.models import CommissioningCycle, Milestone
from commissioning.services import milestone_update
from notices.models import Conflict, ImportedValue, Lot, Notice, Release
from notices.ocds.loader import Outcome
from tests.factories import make_contract, make_cycle, make_team, make_user
from tests.ocds_helpers import (
    CLEVELAND_FILE,
    CLEVELAND_OCID,
    CLEVELAND_RELEASE_ID,
    MK_FILE,
    MK_OCID,
    MK_RELEASE_ID,
    cleveland_release,
    import_bytes,
    later,
    make_seed_buyers,
    mk_release,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def team():
    make_seed_buyers()
    return make_team(name="Domestic abuse commissioning team")


def milestones(cycle) -> dict[str, Milestone]:
    return {m.title: m for m in cycle.milestones.all()}


def test_the_milton_keynes_notice_makes_a_cycle_with_its_lot_dates_and_milestones(team):
    [outcome] = import_bytes(MK_FILE.read_bytes(), team=team)

    assert outcome.status == Outcome.IMPORTED
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    assert cycle.name == "Domestic Abuse Support Services in Milton Keynes"
    assert cycle.team == team
    assert cycle.stage == "market_engagement"
    assert cycle.estimated_value == 4400000
    assert cycle.is_light_touch
    assert cycle.target_start_date == date(2027, 3, 1)
    lot = Lot.objects.get(cycle=cycle)
    # 23:59:59 end dates are whole London days; 29 February 2032 is a leap day.
    assert (lot.start_date, lot.end_date, lot.max_extent_date) == (
        date(2027, 3, 1),
        date(2032, 2, 29),
        date(2034, 2, 28),
    )
    assert lot.has_renewal and lot.suitable_for_sme and lot.suitable_for_vcse
    by_title = milestones(cycle)
    assert {
        title: (m.kind, m.due_on, m.due_at) for title, m in by_title.items() if m.source == Milestone.Source.IMPORTED
    } == {
        "Market engagement": ("market_engagement", date(2026, 3, 12), None),
        "Next procurement notice expected": ("notice", date(2026, 7, 6), None),
        "New contract starts": ("contract_start", date(2027, 3, 1), None),
        "Initial term of the new contract ends": ("term_end", date(2032, 2, 29), None),
        "Maximum extent of the new contract": ("max_extent", date(2034, 2, 28), None),
    }
    notices = Notice.objects.filter(cycle=cycle).order_by("published_at")
    assert [(n.notice_type, n.fts_notice_id) for n in notices] == [("UK1", "062060-2025"), ("UK2", "017566-2026")]
    assert notices[1].url == "https://www.find-tender.service.gov.uk/Notice/017566-2026"
    assert notices[1].published_at == datetime(2026, 2, 26, 16, 34, 30, tzinfo=UTC)


def test_the_12_noon_in_the_text_against_the_23_59_59_due_date_is_shown_for_the_officer_to_choose(team):
    import_bytes(MK_FILE.read_bytes(), team=team)

    engagement = Milestone.objects.get(cycle__ocid=MK_OCID, kind="market_engagement")
    assert (
        "12 noon" in engagement.conflict_note
        and "12 March 2026 (all day) (11:59pm that day)" in engagement.conflict_note
    )
    assert "planning.milestones" not in engagement.conflict_note  # words on the officer's page, not JSON paths
    conflict = Conflict.objects.get(milestone=engagement)
    assert conflict.status == Conflict.Status.OPEN
    assert "12 March 2026 at midday" in conflict.theirs and "12 noon" in conflict.theirs
    assert "12 March 2026 (all day)" in conflict.ours


def test_the_cleveland_notice_gives_its_event_times_from_the_text_and_a_lot_starting_on_1_april_not_31_march(team):
    [outcome] = import_bytes(CLEVELAND_FILE.read_bytes(), team=team)

    assert outcome.status == Outcome.IMPORTED
    cycle = CommissioningCycle.objects.get(ocid=CLEVELAND_OCID)
    # 2027-04-01T00:00:00+01:00 is still 31 March in UTC: the London date is the one kept.
    assert cycle.target_start_date == date(2027, 4, 1)
    assert not cycle.is_light_touch  # the release does not declare the light-touch regime
    assert cycle.estimated_value is None
    lot = Lot.objects.get(cycle=cycle)
    assert (lot.start_date, lot.end_date, lot.max_extent_date) == (
        date(2027, 4, 1),
        date(2029, 3, 31),
        date(2031, 3, 31),
    )
    event = Milestone.objects.get(cycle=cycle, kind="market_engagement")
    assert event.due_on == date(2026, 6, 8)
    conflict = Conflict.objects.get(milestone=event)
    assert "8 June 2026, 10am to 11:30am" in conflict.theirs
    notices = list(Notice.objects.filter(cycle=cycle).order_by("published_at"))
    assert [n.fts_notice_id for n in notices] == ["050544-2026", "051402-2026", "051890-2026"]
    # What each notice changed, in the buyer's words.
    assert notices[1].amendment == "Event start and end times have now been specified for clarity."
    assert "2 x 1 year optional extension" in notices[2].amendment
    # The release's own notice (published at the release's date) lists what the import changed.
    assert any("Added lot 1" in change for change in notices[2].changes)


def test_a_release_is_kept_whole_as_raw_json():
    make_seed_buyers()
    import_bytes(MK_FILE.read_bytes(), team=make_team())

    release = Release.objects.get(release_id=MK_RELEASE_ID)
    assert release.ocid == MK_OCID
    assert release.date == datetime(2026, 2, 26, 16, 34, 30, tzinfo=UTC)
    assert '"maxExtentDate":"2034-02-28T23:59:59+00:00"' in release.raw_json
    assert '"amountGross":4400000' in release.raw_json


def test_importing_the_same_release_twice_changes_nothing(team):
    import_bytes(MK_FILE.read_bytes(), team=team)
    counts = {model: model.objects.count() for model in (Release, Notice, Milestone, Conflict, Lot, ImportedValue)}
    history = Milestone.history.count()

    [outcome] = import_bytes(MK_FILE.read_bytes(), team=team)

    assert outcome.status == Outcome.UNCHANGED
    assert {model: model.objects.count() for model in counts} == counts
    assert Milestone.history.count() == history


def test_a_later_release_moves_the_dates_it_changed_and_the_history_names_it(team):
    import_bytes(MK_FILE.read_bytes(), team=team)
    update = later(mk_release(), when="2026-04-01T09:00:00+01:00", notice_id="030000-2026")
    update["tender"]["communication"]["futureNoticeDate"] = "2026-08-03T23:59:59+01:00"

    [outcome] = import_bytes(update)

    assert outcome.status == Outcome.IMPORTED
    expected = Milestone.objects.get(cycle__ocid=MK_OCID, title="Next procurement notice expected")
    assert expected.due_on == date(2026, 8, 3)
    assert expected.history.latest().history_change_reason == "From the notice data published 1 April 2026 at 9am"
    assert any("from 6 July 2026" in change and "3 August 2026" in change for change in outcome.changes)
    new_notice = Notice.objects.get(fts_notice_id="030000-2026")
    assert any("Next procurement notice expected" in change for change in new_notice.changes)


def test_a_date_an_officer_changed_is_kept_and_the_later_notice_shown_beside_it(team):
    import_bytes(MK_FILE.read_bytes(), team=team)
    officer = make_user(first_name="Priya", last_name="Shah")
    expected = Milestone.objects.get(cycle__ocid=MK_OCID, title="Next procurement notice expected")
    milestone_update(milestone=expected, officer=officer, reason="Heard from procurement", due_on=date(2026, 7, 20))
    update = later(mk_release(), when="2026-04-01T09:00:00+01:00")
    update["tender"]["communication"]["futureNoticeDate"] = "2026-08-03T23:59:59+01:00"

    [outcome] = import_bytes(update)

    expected.refresh_from_db()
    assert expected.due_on == date(2026, 7, 20)
    conflict = Conflict.objects.get(milestone=expected, status=Conflict.Status.OPEN)
    assert conflict.ours.startswith("20 July 2026") and conflict.theirs.startswith("3 August 2026")
    assert "3 August 2026" in expected.conflict_note


def test_an_older_release_imported_after_a_newer_one_is_kept_but_changes_nothing(team):
    newer = later(mk_release(), when="2026-04-01T09:00:00+01:00")
    newer["tender"]["communication"]["futureNoticeDate"] = "2026-08-03T23:59:59+01:00"
    import_bytes(newer, team=team)

    [outcome] = import_bytes(MK_FILE.read_bytes())

    assert outcome.status == Outcome.IMPORTED and not outcome.applied
    assert Release.objects.get(release_id=MK_RELEASE_ID).applied is False
    assert Milestone.objects.get(cycle__ocid=MK_OCID, title="Next procurement notice expected").due_on == date(
        2026, 8, 3
    )


def test_a_cycle_with_the_ocid_is_updated_and_its_hand_entered_milestones_matched_not_duplicated():
    make_seed_buyers()
    cycle = make_cycle(name="Domestic abuse support services 2027", ocid=MK_OCID, is_light_touch=True)
    officer = make_user()
    hand_entered = Milestone.objects.create(
        cycle=cycle,
        title="Market engagement responses due",
        kind="market_engagement",
        due_on=date(2026, 3, 12),
        due_at=datetime(2026, 3, 12, 12, 0, tzinfo=UTC),
    )
    next_notice = Milestone.objects.create(cycle=cycle, title="Next notice", kind="notice", due_on=date(2026, 7, 6))

    [outcome] = import_bytes(MK_FILE.read_bytes(), officer=officer)

    assert outcome.status == Outcome.IMPORTED
    assert CommissioningCycle.objects.count() == 1
    assert cycle.milestones.filter(kind="market_engagement").count() == 1
    assert cycle.milestones.filter(kind="notice", source__in=["imported"]).count() == 0  # matched, not added
    assert ImportedValue.objects.get(cycle=cycle, key="milestone:futureNoticeDate").milestone == next_notice
    hand_entered.refresh_from_db()
    assert hand_entered.due_at == datetime(2026, 3, 12, 12, 0, tzinfo=UTC)  # the officer's noon stays
    assert Conflict.objects.filter(milestone=hand_entered, status="open").exists()
    cycle.refresh_from_db()
    assert cycle.name == "Domestic abuse support services 2027"  # names are the team's own


def test_a_contract_with_the_ocid_is_linked_and_keeps_its_own_end_dates():
    mkcc, _ = make_seed_buyers()
    contract = make_contract(
        reference="MK-DASS-2027",
        ocid=MK_OCID,
        buyer=mkcc,
        start_date=date(2027, 3, 1),
        initial_term_months=60,
        max_extent_date=date(2034, 2, 28),
        is_light_touch=True,
        provider=None,
    )

    [outcome] = import_bytes(MK_FILE.read_bytes(), team=contract.team)

    assert outcome.status == Outcome.IMPORTED
    assert set(contract.notices.values_list("fts_notice_id", flat=True)) == {"062060-2025", "017566-2026"}
    lot = Lot.objects.get(cycle__ocid=MK_OCID)
    assert lot.contract == contract
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    # The contract derives its own term end and maximum extent: the cycle does not repeat them.
    assert not cycle.milestones.filter(kind__in=["term_end", "max_extent"]).exists()
    assert not Conflict.objects.filter(contract=contract).exists()  # the lot and the contract agree


def test_a_lot_that_disagrees_with_its_contract_is_shown_not_copied():
    mkcc, _ = make_seed_buyers()
    contract = make_contract(
        reference="MK-DASS-2027", ocid=MK_OCID, buyer=mkcc, start_date=date(2027, 4, 1), initial_term_months=60
    )

    import_bytes(MK_FILE.read_bytes(), team=contract.team)

    contract.refresh_from_db()
    assert contract.start_date == date(2027, 4, 1)
    conflict = Conflict.objects.get(contract=contract, subject="MK-DASS-2027: start date")
    assert (conflict.ours, conflict.theirs) == ("1 April 2027", "1 March 2027")
    # The officer may choose the notice's date (issue 25): it goes through the contract's own checks.
    assert conflict.theirs_value == {"target": "contract", "field": "start_date", "value": "2027-03-01"}


def test_both_seed_notices_import_from_one_json_lines_file(team):
    data = MK_FILE.read_bytes().replace(b"\n", b"") + b"\n" + CLEVELAND_FILE.read_bytes().replace(b"\n", b"") + b"\n"

    outcomes = import_bytes(data, team=team)

    assert [(o.status, o.release_id) for o in outcomes] == [
        (Outcome.IMPORTED, MK_RELEASE_ID),
        (Outcome.IMPORTED, CLEVELAND_RELEASE_ID),
    ]
    assert set(CommissioningCycle.objects.values_list("ocid", flat=True)) == {MK_OCID, CLEVELAND_OCID}


def test_a_release_package_record_package_and_array_all_import(team):
    package = {
        "uri": "https://example.org/p",
        "publishedDate": "2026-06-02T13:31:21+01:00",
        "version": "1.1",
        "publisher": {"name": "Example"},
        "releases": [mk_release()],
    }
    records = {
        "uri": "https://example.org/r",
        "publishedDate": "2026-06-02T13:31:21+01:00",
        "version": "1.1",
        "publisher": {"name": "Example"},
        "records": [
            {
                "ocid": CLEVELAND_OCID,
                "releases": [
                    {"url": "https://example.org/1", "date": "2026-06-02T13:31:21+01:00", "tag": ["planning"]}
                ],
                "compiledRelease": cleveland_release(),
            }
        ],
    }

    assert [o.status for o in import_bytes(package, team=team)] == [Outcome.IMPORTED]
    assert [o.status for o in import_bytes(records, team=team)] == [Outcome.IMPORTED]
    assert [o.status for o in import_bytes([mk_release(), cleveland_release()], team=team)] == [Outcome.UNCHANGED] * 2


def test_a_record_with_embedded_releases_imports_them_oldest_first(team):
    first = later(mk_release(), when="2026-01-10T09:00:00Z")
    second = later(mk_release(), when="2026-03-01T09:00:00Z")
    second["tender"]["communication"]["futureNoticeDate"] = "2026-09-01T23:59:59+01:00"
    record = {"ocid": MK_OCID, "releases": [second, first], "compiledRelease": mk_release()}

    outcomes = import_bytes({"records": [record]}, team=team)

    assert [o.release_id for o in outcomes] == [first["id"], second["id"]]
    assert Milestone.objects.get(cycle__ocid=MK_OCID, kind="notice", source="imported").due_on == date(2026, 9, 1)


def test_a_new_buyer_is_added_when_the_import_may_add_buyers():
    team = make_team()

    [outcome] = import_bytes(MK_FILE.read_bytes(), team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED
    assert "Added the buyer Milton Keynes City Council (PPON PLDZ-6131-PWZH)" in outcome.changes
    assert Release.objects.get().buyer.ppon_id == "PLDZ-6131-PWZH"


def test_an_imported_milestone_keeps_where_it_came_from_in_its_sources_not_its_description(team):
    import_bytes(MK_FILE.read_bytes(), team=team)

    for milestone in Milestone.objects.filter(source=Milestone.Source.IMPORTED):
        assert "release" not in milestone.description and "planning." not in milestone.description
        assert milestone.sources.startswith("From release ")
