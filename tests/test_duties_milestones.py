"""Procurement Act duties as milestones: planned with reminders, met by notices, recorded as not applying."""

from datetime import date

import pytest
import time_machine

from commissioning.changes import contract_changed
from commissioning.models import Milestone
from commissioning.services import milestone_update
from contracts.services import option_decline
from notices import services
from notices.models import Duty, Notice
from notices.ocds.loader import Outcome
from reminders.models import Reminder
from tests.factories import make_buyer, make_contract, make_cycle, make_user
from tests.ocds_helpers import (
    CLEVELAND_OCID,
    cleveland_release,
    import_bytes,
    later,
    make_seed_buyers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield


def under_the_act(contract, fts_id="011111-2026"):
    """A contract with one notice under the Act, as an import or an officer would leave it."""
    Notice.objects.create(notice_type="UK2", fts_notice_id=fts_id, published_at="2026-06-02T12:00:00Z").contracts.add(
        contract
    )
    contract_changed(contract=contract)
    return {duty.key: duty for duty in contract.duties.select_related("milestone")}


def test_a_contract_procured_before_the_act_has_no_duties():
    contract = make_contract(start_date=date(2014, 9, 1), initial_term_months=36, option_months=())

    assert services.duties_sync_for_contract(contract=contract) == []
    assert not Duty.objects.exists()


def test_each_duty_becomes_a_notice_milestone_with_reminders():
    officer = make_user()
    contract = make_contract(
        reference="CLE-VSRP-2027", start_date=date(2027, 4, 1), initial_term_months=24, lead_officer=officer
    )

    duties = under_the_act(contract)

    uk7 = duties["UK7"].milestone
    assert (uk7.kind, uk7.due_on, uk7.contract, uk7.owner) == ("notice", date(2027, 4, 30), contract, officer)
    assert uk7.derived_key == "duty:UK7"
    assert "30 days beginning with 1 April 2027" in uk7.description
    sends = set(Reminder.objects.filter(milestone=uk7, status="planned").values_list("offset", flat=True))
    assert {"1 month", "2 weeks", "1 week", "2 working days", "morning of"} <= sends


def test_syncing_twice_adds_nothing():
    contract = make_contract(start_date=date(2027, 4, 1), initial_term_months=24)
    under_the_act(contract)
    counts = (Duty.objects.count(), Milestone.objects.count(), Duty.history.count())

    assert services.duties_sync_for_contract(contract=contract) == []
    assert (Duty.objects.count(), Milestone.objects.count(), Duty.history.count()) == counts


def test_moving_the_start_moves_the_duty_unless_the_officer_moved_its_milestone():
    contract = make_contract(start_date=date(2027, 4, 1), initial_term_months=24, option_months=())
    duties = under_the_act(contract)
    uk11 = duties["UK11"].milestone
    milestone_update(milestone=uk11, officer=make_user(), reason="Signed early", due_on=date(2029, 4, 1))

    contract.start_date = date(2027, 5, 1)
    contract.save()
    contract_changed(contract=contract)

    duties = {d.key: d for d in contract.duties.select_related("milestone")}
    assert duties["UK7"].due_on == date(2027, 5, 30)
    assert duties["UK7"].milestone.due_on == date(2027, 5, 30)
    assert duties["UK11"].due_on == date(2029, 5, 29)  # ends 30 April 2029 now: the rule's date moved
    assert duties["UK11"].milestone.due_on == date(2029, 4, 1)  # the officer's date stayed


def test_declining_an_option_lets_its_uk10_duty_lapse_and_cancels_the_milestone():
    contract = make_contract(start_date=date(2027, 4, 1), initial_term_months=24, option_months=(12, 12))
    duties = under_the_act(contract)
    assert "UK10:option:2" in duties

    option_decline(option=contract.options.get(sequence=2), officer=make_user(), decision_date=date(2026, 11, 20))

    duty = Duty.objects.get(contract=contract, key="UK10:option:2")
    assert duty.status == Duty.Status.LAPSED
    assert duty.milestone.status == Milestone.Status.CANCELLED
    assert Duty.objects.get(contract=contract, key="UK10:option:1").status == Duty.Status.DUE


def test_an_imported_notice_of_the_duty_type_marks_it_met_on_its_publication_day():
    _, opcc = make_seed_buyers()
    contract = make_contract(
        reference="CLE-VSRP-2027", ocid=CLEVELAND_OCID, buyer=opcc, start_date=date(2026, 4, 1), initial_term_months=24
    )
    make_cycle(ocid=CLEVELAND_OCID, team=contract.team)
    import_bytes(cleveland_release())
    uk7 = Duty.objects.get(contract=contract, key="UK7")
    assert uk7.status == Duty.Status.DUE

    award = later(cleveland_release(), when="2026-04-20T10:00:00+01:00", notice_id="040404-2026", notice_type="UK7")
    [outcome] = import_bytes(award)

    assert outcome.status == Outcome.IMPORTED
    uk7.refresh_from_db()
    assert uk7.status == Duty.Status.MET and uk7.notice.fts_notice_id == "040404-2026"
    assert uk7.milestone.status == Milestone.Status.MET and uk7.milestone.met_on == date(2026, 4, 20)
    assert any("met by UK7 040404-2026" in change for change in outcome.changes)


def test_a_uk17_recorded_for_one_contract_meets_the_same_period_on_the_buyers_other_contracts():
    buyer = make_buyer()
    first = make_contract(buyer=buyer, start_date=date(2026, 4, 1), initial_term_months=24)
    second = make_contract(buyer=buyer, start_date=date(2026, 4, 1), initial_term_months=24)
    other_buyer = make_contract(start_date=date(2026, 4, 1), initial_term_months=24)
    for index, contract in enumerate((first, second, other_buyer)):
        under_the_act(contract, fts_id=f"01111{index}-2026")
    duty = Duty.objects.get(contract=first, key="UK17:2026-09-30")

    services.notice_record(
        notice_type="UK17",
        published_on=date(2026, 10, 20),
        fts_notice_id="090000-2026",
        contract=first,
        duty=duty,
        officer=make_user(),
    )

    assert Duty.objects.get(contract=first, key="UK17:2026-09-30").status == Duty.Status.MET
    assert Duty.objects.get(contract=second, key="UK17:2026-09-30").status == Duty.Status.MET
    assert Duty.objects.get(contract=other_buyer, key="UK17:2026-09-30").status == Duty.Status.DUE
    assert Duty.objects.get(contract=first, key="UK17:2027-03-31").status == Duty.Status.DUE


def test_a_duty_that_does_not_apply_can_be_reopened_and_its_milestone_is_scheduled_again():
    contract = make_contract(start_date=date(2027, 4, 1), initial_term_months=24)
    duty = under_the_act(contract)["UK10:option:1"]
    officer = make_user()
    services.duty_not_applicable(duty=duty, reason="Option in the contract", officer=officer)

    services.duty_reopen(duty=Duty.objects.get(pk=duty.pk), officer=officer)

    duty.refresh_from_db()
    assert duty.status == Duty.Status.DUE
    assert duty.milestone.status == Milestone.Status.SCHEDULED
    assert [h.status for h in duty.history.order_by("history_date", "history_id")][-2:] == ["not_applicable", "due"]


def test_a_uk6_notice_on_a_standard_procurement_adds_the_standstill_end():
    cycle = make_cycle(target_start_date=date(2027, 4, 1), is_light_touch=False)
    services.notice_record(
        notice_type="UK6", published_on=date(2026, 11, 20), fts_notice_id="099999-2026", cycle=cycle, officer=None
    )

    duties = {duty.key: duty for duty in cycle.duties.select_related("milestone")}

    standstill = duties["UK6:standstill:099999-2026"]
    # Friday 20 November 2026: 8 working days, with St Andrew's Day (Monday 30 November) skipped.
    assert standstill.due_on == date(2026, 12, 2)
    assert standstill.milestone.kind == "standstill_end"
    assert duties["UK6"].status == Duty.Status.MET  # the recorded UK6 answers the cycle's UK6 duty
