"""Fewer, better emails: one per recipient per send time, every deadline in it, the most urgent first."""

from datetime import date

import pytest
import time_machine

from reminders.models import Reminder
from reminders.sweep import sweep
from tests.factories import make_contract, make_milestone
from tests.reminder_helpers import london, team_with_people
from tests.smtp_server import SmtpServer, subject_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        server.use_in(settings)
        yield server


def two_contracts_ending_on_the_same_day(team, owner):
    """Like the demo: no options left, so each contract's term end and maximum extent fall on one day."""
    with time_machine.travel("2026-11-22 09:00:00+00:00", tick=False):
        first = make_contract(
            reference="MK-REFUGE",
            team=team,
            lead_officer=owner,
            start_date=date(2024, 4, 1),
            initial_term_months=36,
            option_months=(),
            max_extent_date=date(2027, 3, 31),
        )
        second = make_contract(
            reference="MK-IDVA",
            team=team,
            lead_officer=owner,
            start_date=date(2024, 4, 1),
            initial_term_months=36,
            option_months=(),
            max_extent_date=date(2027, 3, 31),
        )
    return first, second


def test_an_officer_gets_one_email_per_send_time_with_identical_milestones_merged(smtp):
    team, owner, _ = team_with_people()
    first, _ = two_contracts_ending_on_the_same_day(team, owner)
    assert first.milestones.filter(kind__in=["term_end", "max_extent"], due_on=date(2027, 3, 31)).count() == 2

    Reminder.objects.filter(send_at__lt=london(2027, 2, 28, 0, 0)).update(status=Reminder.Status.SENT)  # earlier ones
    with time_machine.travel(london(2027, 2, 28, 8, 0), tick=False):  # the "1 month" reminders
        outcome = sweep()

    assert outcome.sent == 8  # 2 contracts x 2 milestones x (owner + team mailbox)
    assert sorted(m["To"] for m in smtp.messages) == ["da-team@example.org", "olivia@example.org"]
    to_owner = next(m for m in smtp.messages if m["To"] == "olivia@example.org")
    text = text_of(to_owner)
    assert text.startswith("2 deadlines need your attention, the most urgent first.")
    for reference in ("MK-REFUGE", "MK-IDVA"):
        assert text.count(f"Contract: {reference}") == 1  # one entry per contract and day, not two
    assert "MK-REFUGE: current term ends and maximum extent\r\nDue: Wednesday 31 March 2027" in text
    assert "(and 1 more deadline)" in subject_of(to_owner)
    assert set(smtp.reminder_ids().values()) == {1}
    assert Reminder.objects.filter(status=Reminder.Status.SENT, offset="1 month").count() == 8


def test_the_most_urgent_deadline_comes_first(smtp):
    team, owner, _ = team_with_people()
    with time_machine.travel("2026-02-01 09:00:00+00:00", tick=False):
        contract = make_contract(reference="MK-DASS-2027", team=team, lead_officer=owner, option_months=())
        later = make_milestone(
            contract=contract,
            kind="notice",
            title="Later deadline",
            owner=owner,
            due_on=date(2026, 3, 19),
            reminder_offsets="3 weeks",
        )
        sooner = make_milestone(
            contract=contract,
            kind="notice",
            title="Sooner deadline",
            owner=owner,
            due_on=date(2026, 3, 5),
            reminder_offsets="1 week",
        )
    with time_machine.travel(london(2026, 2, 26, 8, 0), tick=False):
        sweep()
    text = text_of(next(m for m in smtp.messages if m["To"] == "olivia@example.org"))
    assert text.index(sooner.title) < text.index(later.title)


def test_a_manager_gets_one_escalation_email_a_day_however_many_deadlines_are_unmet(smtp):
    team, owner, manager = team_with_people()
    with time_machine.travel("2026-02-01 09:00:00+00:00", tick=False):
        contract = make_contract(reference="MK-DASS-2027", team=team, lead_officer=owner, option_months=())
        for hour in (9, 12, 17):  # three deadlines at different times on the same day
            make_milestone(
                contract=contract,
                kind="notice",
                title=f"Deadline at {hour}:00",
                owner=owner,
                due_on=date(2026, 3, 12),
                due_at=london(2026, 3, 12, hour, 0),
                reminder_offsets="1 week",
            )
    Reminder.objects.exclude(purpose=Reminder.Purpose.OVERDUE).update(status=Reminder.Status.SENT)
    for hour in range(9, 24):
        with time_machine.travel(london(2026, 3, 12, hour, 0), tick=False):
            sweep()
    assert smtp.messages == []  # nothing in the hours after each deadline
    with time_machine.travel(london(2026, 3, 13, 8, 0), tick=False):
        sweep()
    [email] = smtp.messages
    assert email["To"] == manager.email
    assert text_of(email).count("This deadline has passed and has not been marked as met.") == 3
