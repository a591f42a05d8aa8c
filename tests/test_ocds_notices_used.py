"""What published notices say is used, not only kept in raw JSON: tender deadlines, awards and
contracts (UK6, UK7), contract changes (UK10), terminations (UK11) and the tender's status."""

import copy
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from commissioning.models import CommissioningCycle, Milestone, Stage
from contracts.models import Contract, Organisation
from notices.models import Conflict
from notices.ocds.loader import Outcome
from notices.services import conflict_resolve
from tests.factories import make_team, make_user
from tests.ocds_helpers import import_bytes
from tests.ocds_publishers import awarded, find_a_tender

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def team():
    return make_team(name="Domestic abuse commissioning team")


def test_the_tender_deadline_becomes_a_milestone_at_its_time(team):
    import_bytes(find_a_tender("UK4"), team=team, create_buyers=True)

    milestone = Milestone.objects.get(kind=Milestone.Kind.TENDER_DEADLINE)
    assert milestone.title == "Tenders due"
    assert milestone.due_on == date(2026, 6, 12)
    assert milestone.due_at.hour == 11  # 12:00 British Summer Time


def test_the_enquiry_period_and_expression_of_interest_deadline_become_milestones(team):
    release = find_a_tender("UK4")
    release["tender"]["enquiryPeriod"] = {"endDate": "2026-06-01T17:00:00+01:00"}
    release["tender"]["expressionOfInterestDeadline"] = "2026-05-29T23:59:59+01:00"

    import_bytes(release, team=team, create_buyers=True)

    titles = dict(Milestone.objects.values_list("title", "due_on"))
    assert titles["Clarification questions close"] == date(2026, 6, 1)
    assert titles["Expressions of interest due"] == date(2026, 5, 29)


def test_a_contract_details_notice_adds_the_contract_with_supplier_value_and_period(team):
    outcomes = import_bytes([find_a_tender("UK4"), awarded("UK7")], team=team, create_buyers=True)

    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.IMPORTED]
    contract = Contract.objects.get()
    assert contract.reference == "CT-1"
    assert contract.provider.name == "Safe Haven Trust"
    assert contract.provider.charity_number == "1100001"
    assert contract.total_value == Decimal("480000.00")
    assert (contract.start_date, contract.initial_end_date) == (date(2027, 4, 1), date(2029, 3, 31))
    assert contract.max_extent_date == date(2031, 3, 31)
    assert contract.date_signed == date(2026, 7, 28)
    assert contract.ocid == CommissioningCycle.objects.get().ocid
    assert any(change.startswith("Added the contract CT-1 with Safe Haven Trust") for change in outcomes[1].changes)


def test_the_same_award_in_a_later_release_updates_the_contract_not_a_second_one(team):
    import_bytes(
        [find_a_tender("UK4"), awarded("UK6", when="2026-07-01T09:00:00+01:00", amount="470000")],
        team=team,
        create_buyers=True,
    )

    import_bytes(awarded("UK7", amount="480000"), team=team, create_buyers=True)

    contract = Contract.objects.get()
    assert contract.total_value == Decimal("480000.00")
    assert contract.history.first().history_change_reason.startswith("From the notice data published")


def test_a_value_an_officer_changed_is_kept_and_the_notice_offered(team):
    import_bytes(
        [find_a_tender("UK4"), awarded("UK6", when="2026-07-01T09:00:00+01:00")], team=team, create_buyers=True
    )
    Contract.objects.update(total_value=Decimal(500000))

    import_bytes(awarded("UK7", amount="490000"), team=team, create_buyers=True)

    assert Contract.objects.get().total_value == Decimal("500000.00")
    conflict = Conflict.objects.get(subject="CT-1: total value")
    assert (conflict.ours, conflict.theirs) == ("£500,000", "£490,000")


def test_a_contract_change_notice_moves_the_value_only_when_the_officer_agrees(team):
    officer = make_user(teams=[team])
    import_bytes([find_a_tender("UK4"), awarded("UK7")], team=team, create_buyers=True)
    change = awarded(
        "UK10",
        when="2027-02-01T09:00:00+00:00",
        amount="520000",
        amendments=[{"id": "A1", "description": "Extra refuge places"}],
    )

    [outcome] = import_bytes(change, team=team, create_buyers=True)

    assert Contract.objects.get().total_value == Decimal("480000.00")
    conflict = Conflict.objects.get(subject="CT-1: total value")
    assert "(a contract change: the officer decides)" in " ".join(outcome.changes)

    conflict_resolve(conflict=conflict, use_notice=True, officer=officer)

    contract = Contract.objects.get()
    assert contract.total_value == Decimal("520000.00")
    assert contract.history.first().history_user == officer


def test_a_termination_notice_marks_the_contract_ended(team):
    import_bytes([find_a_tender("UK4"), awarded("UK7")], team=team, create_buyers=True)
    ended = awarded("UK11", when="2028-03-10T09:00:00+00:00", end="2028-02-29T23:59:59+00:00", status="terminated")

    [outcome] = import_bytes(ended, team=team, create_buyers=True)

    assert Contract.objects.get().terminated_on == date(2028, 2, 29)
    assert "CT-1 marked ended on 29 February 2028, as the notice reports" in outcome.changes


def test_the_tender_status_proposes_a_later_stage_and_the_officer_moves_it(team):
    officer = make_user(teams=[team])
    planning = find_a_tender("UK2")
    planning["tender"]["status"] = "planning"  # proposes no stage: planning is every stage before the tender
    import_bytes(planning, team=team, create_buyers=True)
    cycle = CommissioningCycle.objects.get()
    tender = copy.deepcopy(find_a_tender("UK4", when="2026-05-10T09:00:00+01:00"))
    tender["tender"]["documents"][0]["id"] = "tender-notice"

    import_bytes(tender, team=team, create_buyers=True)
    import_bytes({**tender, "id": "again", "date": "2026-05-11T09:00:00+01:00"}, team=team, create_buyers=True)

    cycle.refresh_from_db()
    assert cycle.stage == Stage.MARKET_ENGAGEMENT
    conflict = Conflict.objects.get(subject__endswith=": stage")  # asked once, not once a release
    conflict_resolve(conflict=conflict, use_notice=True, officer=officer)
    cycle.refresh_from_db()
    assert cycle.stage == Stage.PROCUREMENT


def test_a_supplier_the_tracker_does_not_know_is_named_when_organisations_may_not_be_added(team):
    Organisation.objects.create(name="Anytown BC", role="buyer", ppon_id="PABC-1234-DEFG")

    outcomes = import_bytes([find_a_tender("UK4"), awarded("UK7")], team=team)

    assert Contract.objects.get().provider is None
    assert any("The supplier Safe Haven Trust (GB-CHC 1100001) is not in the tracker" in c for c in outcomes[1].changes)


def test_a_contract_award_notice_adds_the_contract_and_its_supplier_too(team):
    outcomes = import_bytes([find_a_tender("UK4"), awarded("UK6")], team=team, create_buyers=True)

    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.IMPORTED]
    contract = Contract.objects.get()
    assert (contract.reference, contract.provider.name) == ("CT-1", "Safe Haven Trust")
    assert contract.total_value == Decimal("480000.00")
    assert contract.date_signed == date(2026, 7, 28)


def test_a_contract_change_notice_moves_the_term_only_when_the_officer_agrees(team):
    officer = make_user(teams=[team])
    import_bytes([find_a_tender("UK4"), awarded("UK7")], team=team, create_buyers=True)
    change = awarded(
        "UK10",
        when="2027-02-01T09:00:00+00:00",
        end="2030-03-31T23:59:59+01:00",
        amendments=[{"id": "A1", "description": "A year more"}],
    )

    [outcome] = import_bytes(change, team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED, outcome.problems
    assert Contract.objects.get().initial_end_date == date(2029, 3, 31)
    conflict = Conflict.objects.get(subject__startswith="CT-1: ", subject__contains="end")

    conflict_resolve(conflict=conflict, use_notice=True, officer=officer)

    assert Contract.objects.get().initial_end_date == date(2030, 3, 31)
