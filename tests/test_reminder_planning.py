"""Planned reminders are rows: made, moved and cancelled as their milestone changes."""

from datetime import date

import pytest
import time_machine

from commissioning.changes import milestone_changed
from commissioning.models import Milestone
from reminders.models import Reminder, ReminderRule
from reminders.planning import reminders_plan_for_milestone
from tests.factories import make_contract
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people

pytestmark = pytest.mark.django_db

BEFORE_ENGAGEMENT = "2026-02-01 09:00:00+00:00"


def planned(milestone):
    return {
        (r.offset, r.recipient_email): r.send_at for r in milestone.reminders.filter(status=Reminder.Status.PLANNED)
    }


@time_machine.travel(BEFORE_ENGAGEMENT, tick=False)
def test_a_short_deadline_gets_two_weeks_one_week_two_working_days_and_morning_of_for_owner_and_team():
    team, owner, manager = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    rows = planned(milestone)
    for email in ("olivia@example.org", "da-team@example.org"):
        assert rows[("2 weeks", email)] == london(2026, 2, 26, 8, 0)
        assert rows[("1 week", email)] == london(2026, 3, 5, 8, 0)
        assert rows[("2 working days", email)] == london(2026, 3, 10, 8, 0)
        assert rows[("morning of", email)] == london(2026, 3, 12, 8, 0)
    assert rows[("escalation", "mo@example.org")] == london(2026, 3, 5, 8, 0)
    assert rows[("overdue", "mo@example.org")] == london(2026, 3, 13, 8, 0)  # the morning after, with other escalations
    assert len(rows) == 10


@time_machine.travel(BEFORE_ENGAGEMENT, tick=False)
def test_planning_twice_changes_nothing():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    before = list(Reminder.objects.values_list("id", "send_at", "status").order_by("id"))
    reminders_plan_for_milestone(milestone=milestone)
    reminders_plan_for_milestone(milestone=milestone)
    assert list(Reminder.objects.values_list("id", "send_at", "status").order_by("id")) == before


@time_machine.travel(BEFORE_ENGAGEMENT, tick=False)
def test_when_a_milestone_moves_unsent_reminders_move_and_sent_ones_stay_in_the_record():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    sent = milestone.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    Reminder.objects.filter(pk=sent.pk).update(status=Reminder.Status.SENT, sent_at=sent.send_at)

    milestone.due_at = london(2026, 3, 19, 12, 0)
    milestone.save()
    milestone_changed(milestone=milestone)

    rows = planned(milestone)
    assert rows[("1 week", "olivia@example.org")] == london(2026, 3, 12, 8, 0)
    assert rows[("morning of", "da-team@example.org")] == london(2026, 3, 19, 8, 0)
    sent.refresh_from_db()
    assert sent.status == Reminder.Status.SENT and sent.send_at == london(2026, 2, 26, 8, 0)
    assert ("2 weeks", "olivia@example.org") not in rows  # unique per offset and recipient: not sent twice


@time_machine.travel(BEFORE_ENGAGEMENT, tick=False)
@pytest.mark.parametrize("status", [Milestone.Status.MET, Milestone.Status.CANCELLED])
def test_a_met_or_cancelled_milestone_has_its_unsent_reminders_cancelled(status):
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    milestone.status = status
    milestone.met_on = date(2026, 2, 1) if status == Milestone.Status.MET else None
    milestone.save()
    milestone_changed(milestone=milestone)
    assert planned(milestone) == {}
    assert milestone.reminders.filter(status=Reminder.Status.CANCELLED).count() == 10


@time_machine.travel("2026-03-06 09:00:00+00:00", tick=False)
def test_a_milestone_entered_late_gets_only_the_reminders_still_to_come():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    offsets = {offset for offset, _ in planned(milestone)}
    assert offsets == {"2 working days", "morning of", "overdue"}


@time_machine.travel(BEFORE_ENGAGEMENT, tick=False)
def test_a_milestone_can_override_its_kinds_reminder_times():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner, reminder_offsets="3 days")
    assert {offset for offset, _ in planned(milestone)} == {"3 days", "escalation", "overdue"}


@time_machine.travel(BEFORE_ENGAGEMENT, tick=False)
def test_a_rule_for_a_kind_replaces_the_built_in_default():
    ReminderRule.objects.create(kind="market_engagement", offsets="10 days, morning of")
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    assert {offset for offset, _ in planned(milestone)} == {"10 days", "morning of", "escalation", "overdue"}


@time_machine.travel("2026-11-22 09:00:00+00:00", tick=False)
def test_a_contract_end_is_reminded_12_9_6_3_and_1_months_and_2_and_1_weeks_ahead_and_never_overdue():
    team, owner, _ = team_with_people()
    contract = make_contract(
        team=team, lead_officer=owner, start_date=date(2024, 4, 1), initial_term_months=36, option_months=()
    )
    term_end = contract.milestones.get(derived_key="term_end")
    assert term_end.due_on == date(2027, 3, 31)
    rows = planned(term_end)
    owner_offsets = sorted(
        (send_at, offset) for (offset, email), send_at in rows.items() if email == "olivia@example.org"
    )
    # 12 and 9 months ahead had passed by 22 November 2026; the rest are still to come.
    assert [offset for _, offset in owner_offsets] == ["3 months", "1 month", "2 weeks", "1 week"]
    assert ("overdue", "mo@example.org") not in rows


@time_machine.travel(BEFORE_ENGAGEMENT, tick=False)
def test_a_milestone_moved_so_a_reminder_time_has_passed_cancels_that_reminder_rather_than_sending_it_stale():
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    milestone.due_at = london(2026, 2, 10, 12, 0)
    milestone.save()
    milestone_changed(milestone=milestone)
    two_weeks = milestone.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    assert two_weeks.status == Reminder.Status.CANCELLED
    assert "time had passed" in two_weeks.note


def test_no_far_future_celery_tasks_are_queued_when_planning(settings, monkeypatch):
    queued = []
    monkeypatch.setattr("celery.app.task.Task.apply_async", lambda *a, **k: queued.append(a))
    with time_machine.travel(BEFORE_ENGAGEMENT, tick=False):
        team, owner, _ = team_with_people()
        milestone = market_engagement_milestone(team=team, owner=owner)
    assert queued == []
    assert milestone.reminders.count() == 10
