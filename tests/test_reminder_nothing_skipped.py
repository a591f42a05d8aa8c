"""No milestone goes without a reminder because of when it was entered or of the clocks changing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from reminders.models import Reminder
from reminders.offsets import MORNING_OF, send_time
from reminders.planning import reminders_plan_for_milestone
from tests.factories import make_contract, make_milestone
from tests.reminder_helpers import LONDON, market_engagement_milestone, team_with_people

pytestmark = pytest.mark.django_db


def planned(milestone):
    return {(r.offset, r.recipient_email): r for r in milestone.reminders.filter(status=Reminder.Status.PLANNED)}


@time_machine.travel("2026-03-11 15:00:00+00:00", tick=False)
def test_a_milestone_entered_after_all_its_reminder_times_gets_one_short_notice_reminder_now():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner, reminder_offsets="2 weeks, 1 week")
    rows = planned(milestone)
    now = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
    for email in ("olivia@example.org", "da-team@example.org"):
        row = rows[("short notice", email)]
        assert row.send_at == now and "short notice" in row.note
    assert ("2 weeks", "olivia@example.org") not in rows

    reminders_plan_for_milestone(milestone=milestone)  # re-planning adds no second one
    assert milestone.reminders.filter(offset="short notice").count() == 2


@time_machine.travel("2026-03-06 09:00:00+00:00", tick=False)
def test_a_milestone_with_reminder_times_still_to_come_gets_no_short_notice_reminder():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    assert {offset for offset, _ in planned(milestone)} == {"2 working days", "morning of", "overdue"}


@time_machine.travel("2026-03-13 09:00:00+00:00", tick=False)
def test_a_milestone_entered_already_overdue_is_escalated_to_the_manager_now():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)  # due 12 March at noon
    rows = planned(milestone)
    assert set(rows) == {("overdue", "mo@example.org")}
    overdue = rows[("overdue", "mo@example.org")]
    assert overdue.send_at == datetime(2026, 3, 14, 8, 0, tzinfo=UTC)  # with the manager's other escalations
    assert overdue.note == "Already overdue when it was entered"

    milestone.title = "MK-DASS-2027: market engagement responses due (corrected)"
    milestone.save()  # a later save keeps the escalation rather than cancelling it as "moved"
    assert planned(milestone)[("overdue", "mo@example.org")].status == Reminder.Status.PLANNED


@time_machine.travel("2026-11-27 09:00:00+00:00", tick=False)
def test_a_milestone_entered_long_overdue_is_not_escalated_as_news():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)  # due 12 March 2026
    assert planned(milestone) == {}


# 31 October 2027: the clocks go back at 02:00 BST, so 01:00-02:00 London happens twice.
FIRST_0130 = datetime(2027, 10, 31, 1, 30, tzinfo=LONDON)  # 00:30 UTC (BST)
SECOND_0130 = datetime(2027, 10, 31, 1, 30, fold=1, tzinfo=LONDON)  # 01:30 UTC (GMT)


@pytest.mark.parametrize("due_at", [FIRST_0130, SECOND_0130], ids=["01:30 BST", "01:30 GMT"])
def test_a_morning_of_reminder_in_the_repeated_hour_goes_exactly_an_hour_before(due_at):
    sent = send_time(date(2027, 10, 31), MORNING_OF, due_at=due_at, hour=8)
    assert sent.astimezone(UTC) == due_at.astimezone(UTC) - timedelta(hours=1)


@pytest.mark.parametrize("due_at", [FIRST_0130, SECOND_0130], ids=["01:30 BST", "01:30 GMT"])
def test_a_planned_morning_of_reminder_in_the_repeated_hour_goes_exactly_an_hour_before(due_at):
    with time_machine.travel("2027-10-01 09:00:00+00:00", tick=False):
        team, owner, _ = team_with_people()
        contract = make_contract(team=team, lead_officer=owner, option_months=())
        milestone = make_milestone(
            contract=contract, kind="notice", owner=owner, due_on=date(2027, 10, 31), due_at=due_at
        )
    morning_of = milestone.reminders.get(offset="morning of", recipient_email="olivia@example.org")
    assert morning_of.send_at.astimezone(UTC) == due_at.astimezone(UTC) - timedelta(hours=1)
