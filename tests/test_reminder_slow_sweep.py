"""A sweep slower than the claim timeout must not let a second worker send the same reminders.

Issue 18: a sweep stamped every row with the time the sweep started, so once it had run longer
than REMINDER_CLAIM_TIMEOUT the other worker "reclaimed from a stopped worker" the chunk still
being sent, and both sent it.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from reminders import sweep as sweep_module
from reminders.models import Reminder
from reminders.sweep import sweep
from tests.reminder_helpers import market_engagement_milestone, team_with_people
from tests.smtp_server import SmtpServer
from tests.test_reminder_worker_killed import run_sweep_command

pytestmark = pytest.mark.django_db


def due_reminders(count: int) -> list[int]:
    team, owner, _ = team_with_people()
    milestone = market_engagement_milestone(team=team, owner=owner)
    milestone.reminders.all().delete()
    due = timezone.now() - timedelta(minutes=1)
    Reminder.objects.bulk_create(
        Reminder(
            milestone=milestone, offset="2 weeks", audience="team", recipient_email=f"r{i}@example.org", send_at=due
        )
        for i in range(count)
    )
    return list(Reminder.objects.filter(milestone=milestone).values_list("id", flat=True))


class SlowRelay:
    """A mail connection where each message takes ``seconds`` of (travelled) time to be accepted.

    After ``other_worker_after`` messages it runs a second worker's sweep, as a second Celery
    worker's beat-driven sweep would arrive while the first is still sending.
    """

    def __init__(self, traveller, *, seconds: float, other_worker_after: int):
        self.traveller, self.seconds, self.other_worker_after = traveller, seconds, other_worker_after
        self.accepted: list[int] = []
        self.other_outcome = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            self.traveller.shift(timedelta(seconds=self.seconds))
            for value in message.extra_headers.get(
                "X-Reminder-Ids", message.extra_headers.get("X-Reminder-Id", "")
            ).split(","):
                self.accepted.append(int(value))
            if len(self.accepted) == self.other_worker_after and self.other_outcome is None:
                self.other_outcome = "running"
                self.other_outcome = sweep()
        return len(messages)


def test_a_second_worker_never_resends_what_a_slow_sweep_is_still_sending(settings, monkeypatch):
    settings.REMINDER_CLAIM_TIMEOUT = timedelta(seconds=60)
    with time_machine.travel("2026-02-26 08:00:00+00:00", tick=False) as traveller:
        ids = due_reminders(120)
        relay = SlowRelay(traveller, seconds=30, other_worker_after=5)  # a relay taking 30 s per email
        monkeypatch.setattr(sweep_module, "get_connection", lambda: relay)
        first = sweep()
        relay.other_outcome = relay.other_outcome or sweep()

    assert sorted(relay.accepted) == sorted(ids)  # every reminder accepted once, none twice
    assert first.sent + relay.other_outcome.sent == 120  # the two workers shared the work
    assert relay.other_outcome.sent > 0
    assert Reminder.objects.filter(id__in=ids, status=Reminder.Status.SENT).count() == 120
    assert not Reminder.objects.filter(id__in=ids, times_accepted__gt=1).exists()


def test_a_reminder_accepted_twice_is_recorded_as_a_duplicate(settings, monkeypatch):
    """When one email takes longer than the claim timeout, the duplicate that follows is counted."""
    settings.REMINDER_CLAIM_TIMEOUT = timedelta(seconds=60)
    with time_machine.travel("2026-02-26 08:00:00+00:00", tick=False) as traveller:
        [only] = due_reminders(1)
        relay = SlowRelay(traveller, seconds=120, other_worker_after=1)  # stuck far past the timeout
        monkeypatch.setattr(sweep_module, "get_connection", lambda: relay)
        sweep()
    assert relay.accepted == [only, only]
    row = Reminder.objects.get(pk=only)
    assert row.status == Reminder.Status.SENT and row.times_accepted == 2
    assert "twice" in row.note


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_with_a_short_claim_timeout_and_a_slow_relay_send_each_reminder_once():
    """The fault run of issue 18 in small: two sweeps in their own processes, a relay that delays every message."""
    if connection.vendor != "postgresql":
        pytest.skip("the sweeps run in their own processes, which needs PostgreSQL; CI runs this on PostgreSQL")
    ids = due_reminders(200)
    mail.outbox = []
    with SmtpServer() as smtp:
        smtp.handler.delay = 0.03
        env = {"REMINDER_CLAIM_TIMEOUT_SECONDS": "1"}
        first = run_sweep_command(smtp, **env)
        started = time.monotonic()
        # Start the second worker once the first has been sending for longer than the claim timeout.
        deadline = started + 60
        while (len(smtp.messages) < 40 or time.monotonic() - started < 1.5) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(smtp.messages) < 200, "the first sweep finished before the second started"
        second = run_sweep_command(smtp, **env)
        outputs = [process.communicate(timeout=120)[0].decode() for process in (first, second)]
        assert [first.returncode, second.returncode] == [0, 0], outputs
        received = smtp.reminder_ids()
    assert set(received) == set(ids)  # none lost
    assert {rid: n for rid, n in received.items() if n > 1} == {}  # none twice
    assert Reminder.objects.filter(id__in=ids, status=Reminder.Status.SENT).count() == 200
    assert "Sent 0," not in outputs[1], "the second worker should have shared the work"
