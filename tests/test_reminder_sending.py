"""Sending reminders through a real SMTP server on loopback: once each, on time, through failures."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from commissioning.changes import milestone_changed
from commissioning.models import Milestone
from contracts import roles
from reminders.models import Reminder
from reminders.sweep import sweep
from tests.factories import make_contract, make_milestone, make_user
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people
from tests.smtp_server import SmtpServer, html_of, subject_of, text_of

pytestmark = pytest.mark.django_db

PLANNING_DAY = "2026-02-01 09:00:00+00:00"


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        server.use_in(settings)
        yield server


@pytest.fixture
def engagement():
    with time_machine.travel(PLANNING_DAY, tick=False):
        team, owner, manager = team_with_people()
        return market_engagement_milestone(team=team, owner=owner)


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return sweep()


def test_a_due_reminder_arrives_once_with_the_contract_the_deadline_and_links(smtp, engagement):
    first = sweep_at(london(2026, 2, 26, 8, 1))
    again = sweep_at(london(2026, 2, 26, 8, 6))

    assert (first.sent, again.sent) == (2, 0)  # the owner and the team mailbox
    to_owner = next(m for m in smtp.messages if m["To"] == "olivia@example.org")
    assert subject_of(to_owner) == (
        "Reminder: MK-DASS-2027 – market engagement responses due – due Thursday 12 March 2026 at midday"
    )
    text = text_of(to_owner)
    assert "2 weeks to go: a deadline is coming up." in text
    assert "Due: Thursday 12 March 2026 at midday" in text
    assert f"http://127.0.0.1:8000/milestones/{engagement.pk}/" in text or engagement.get_absolute_url() in text
    assert "/reminders/acknowledge/" in text
    assert "Due:</strong> Thursday 12 March 2026 at midday" in html_of(to_owner)
    row = engagement.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    assert row.status == Reminder.Status.SENT and row.sent_at == london(2026, 2, 26, 8, 1) and not row.was_late


def test_after_downtime_the_next_sweep_sends_what_was_missed_once_saying_it_is_late(smtp, engagement):
    outcome = sweep_at(london(2026, 3, 6, 9, 0))  # the 2-week and 1-week reminders were both missed
    assert outcome.sent == 5  # owner and team for 2 weeks and 1 week, and the manager's escalation
    late = [m for m in smtp.messages if "This reminder is late" in text_of(m)]
    assert sorted(m["To"] for m in late) == ["da-team@example.org", "mo@example.org", "olivia@example.org"]  # one each
    assert "It was due to be sent on Thursday 26 February 2026 at 8am" in text_of(late[0])
    assert sweep_at(london(2026, 3, 6, 9, 5)).sent == 0
    assert all(count == 1 for count in smtp.reminder_ids().values())


def test_a_temporary_smtp_failure_is_retried_with_backoff_and_delivered_once(smtp, engagement):
    smtp.handler.fail_next = ["451 4.3.0 Mailbox busy, try again later"] * 3
    first = sweep_at(london(2026, 2, 26, 8, 0))
    assert (first.sent, first.retrying) == (0, 2)
    row = engagement.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    assert row.status == Reminder.Status.PLANNED and row.attempts == 1 and "451" in row.last_error
    assert row.send_at == london(2026, 2, 26, 8, 1)  # one minute of backoff after the first failure

    second = sweep_at(london(2026, 2, 26, 8, 1))  # one more 451, then the server recovers
    third = sweep_at(london(2026, 2, 26, 8, 5))
    assert second.sent + third.sent == 2
    assert sorted(m["To"] for m in smtp.messages) == ["da-team@example.org", "olivia@example.org"]


def test_a_permanent_smtp_failure_is_recorded_and_shown_and_not_retried(smtp, engagement, client):
    smtp.handler.always = "550 5.1.1 Mailbox does not exist"
    outcome = sweep_at(london(2026, 2, 26, 8, 0))
    assert outcome.failed == 2
    assert sweep_at(london(2026, 2, 27, 8, 0)).failed == 0
    row = engagement.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    assert row.status == Reminder.Status.FAILED and "550" in row.last_error and row.attempts == 1

    client.force_login(make_user(role=roles.VIEWER))
    page = client.get(reverse("reminders:list"), {"show": "failed"}).content.decode()
    assert "Mailbox does not exist" in page and "market engagement responses due" in page


def test_a_reminder_claimed_by_a_worker_that_died_is_sent_once_after_the_claim_times_out(smtp, engagement, settings):
    row = engagement.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    Reminder.objects.filter(pk=row.pk).update(status=Reminder.Status.SENDING, claimed_at=london(2026, 2, 26, 8, 0))
    assert sweep_at(london(2026, 2, 26, 8, 5)).sent == 1  # only the team's; the claim is still fresh
    assert sweep_at(london(2026, 2, 26, 8, 20)).sent == 1  # 15 minutes on, the dead worker's claim is reclaimed
    assert smtp.reminder_ids()[row.pk] == 1


def test_a_met_milestone_sends_nothing_more(smtp, engagement):
    engagement.status = Milestone.Status.MET
    engagement.met_on = london(2026, 2, 20, 9, 0).date()
    engagement.save()
    milestone_changed(milestone=engagement)
    assert sweep_at(london(2026, 3, 13, 9, 0)).sent == 0
    assert smtp.messages == []


def test_the_acknowledge_link_stops_further_reminders_including_the_escalation(smtp, engagement, client):
    sweep_at(london(2026, 2, 26, 8, 0))
    text = text_of(next(m for m in smtp.messages if m["To"] == "olivia@example.org"))
    link = re.search(r"http://127\.0\.0\.1:8000(/reminders/acknowledge/[^/\s]+/)", text).group(1)

    with time_machine.travel(london(2026, 2, 26, 9, 0), tick=False):  # while the deadline is still open
        assert "Stop reminders for this deadline" in client.get(link).content.decode()  # no sign-in needed
        assert not Milestone.objects.get(pk=engagement.pk).acknowledged_at  # a GET changes nothing
        page = client.post(link).content.decode()
    assert "Reminders stopped" in page

    engagement.refresh_from_db()
    assert engagement.acknowledged_by == "olivia@example.org"
    assert not engagement.reminders.filter(status=Reminder.Status.PLANNED).exists()
    assert sweep_at(london(2026, 3, 13, 9, 0)).sent == 0
    assert client.get("/reminders/acknowledge/forged-token/").status_code == 404


def test_the_overdue_escalation_goes_to_the_manager_the_morning_after_an_unmet_deadline(smtp, engagement):
    Reminder.objects.filter(milestone=engagement).exclude(offset="overdue").update(status=Reminder.Status.SENT)
    assert sweep_at(london(2026, 3, 12, 13, 0)).sent == 0
    sweep_at(london(2026, 3, 13, 8, 0))
    [message] = smtp.messages
    assert message["To"] == "mo@example.org"
    assert subject_of(message).startswith("Missed deadline: MK-DASS-2027")
    assert "This deadline has passed and has not been marked as met." in text_of(message)


@pytest.mark.parametrize(
    ("due", "first_sweep"),
    [
        # Clocks go back at 02:00 BST on 25 October 2026: 01:00-02:00 happens twice.
        ("2026-10-25", "2026-10-24 22:00:00+00:00"),
        # Clocks go forward at 01:00 GMT on 28 March 2027: 01:00-02:00 never happens.
        ("2027-03-28", "2027-03-27 22:00:00+00:00"),
    ],
)
def test_a_sweep_every_five_minutes_across_a_clock_change_sends_each_reminder_once(smtp, settings, due, first_sweep):
    settings.REMINDER_SEND_HOUR = 1  # right inside the hour that repeats or disappears
    from datetime import date as day_type
    from datetime import datetime

    with time_machine.travel("2026-09-01 09:00:00+00:00", tick=False):
        team, owner, _ = team_with_people()
        contract = make_contract(team=team, lead_officer=owner, option_months=())
        make_milestone(
            contract=contract,
            kind="notice",
            owner=owner,
            due_on=day_type.fromisoformat(due),
            reminder_offsets="morning of",
        )
    start = datetime.fromisoformat(first_sweep)
    for step in range(6 * 12):  # six hours of sweeps
        sweep_at(start + timedelta(minutes=5 * step))
    morning_of = [m for m in smtp.messages if "Morning of" in text_of(m)]
    assert sorted(m["To"] for m in morning_of) == ["da-team@example.org", "olivia@example.org"]
    assert set(smtp.reminder_ids().values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_on_1000_due_reminders_send_1000_emails(smtp):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sweeps need PostgreSQL's row locking; CI runs this on PostgreSQL")
    with time_machine.travel(PLANNING_DAY, tick=False):
        team, owner, _ = team_with_people()
        milestone = market_engagement_milestone(team=team, owner=owner)
    milestone.reminders.all().delete()
    due = timezone.now() - timedelta(minutes=1)
    Reminder.objects.bulk_create(
        Reminder(
            milestone=milestone, offset="2 weeks", audience="team", recipient_email=f"r{i}@example.org", send_at=due
        )
        for i in range(1000)
    )
    outcomes, errors = [], []

    def run():
        try:
            outcomes.append(sweep())
        except Exception as error:  # noqa: BLE001 - whatever the thread raised is reported below
            errors.append(error)
        finally:
            connection.close()

    from django.test import override_settings

    with override_settings(REMINDER_SWEEP_BATCH=2000):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sum(o.sent for o in outcomes) == 1000
    ids = smtp.reminder_ids()
    assert len(ids) == 1000 and set(ids.values()) == {1}
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 1000


def test_a_title_with_line_breaks_cannot_add_headers_to_the_email(smtp):
    with time_machine.travel(PLANNING_DAY, tick=False):
        team, owner, _ = team_with_people()
        milestone = market_engagement_milestone(team=team, owner=owner)
    Milestone.objects.filter(pk=milestone.pk).update(title="Deadline\r\nBcc: attacker@example.net\r\nX-Evil: yes")
    sweep_at(london(2026, 2, 26, 8, 0))
    assert smtp.messages, "the reminder should still go"
    for message in smtp.messages:
        assert message["Bcc"] is None and message["X-Evil"] is None
        assert "Bcc: attacker@example.net" in subject_of(message)  # kept as harmless text on one line
