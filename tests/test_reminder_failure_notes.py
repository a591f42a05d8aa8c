"""A reminder's note says what happened to it last, never a stale "trying again"."""

import pytest
import time_machine

from reminders.models import Reminder
from reminders.sweep import sweep
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        server.use_in(settings)
        yield server


def test_a_reminder_that_failed_for_good_after_a_retry_says_so_not_that_it_is_trying_again(smtp):
    with time_machine.travel("2026-02-01 09:00:00+00:00", tick=False):
        team, owner, _ = team_with_people()
        milestone = market_engagement_milestone(team=team, owner=owner)
    smtp.handler.fail_next = ["451 4.3.0 Mailbox busy, try again later"] * 2
    with time_machine.travel(london(2026, 2, 26, 8, 0), tick=False):
        sweep()
    row = milestone.reminders.get(offset="2 weeks", recipient_email="olivia@example.org")
    assert row.status == Reminder.Status.PLANNED
    assert row.note == (
        "Attempt 1 on 26 February 2026 at 8am failed for now (the mail server said 451 4.3.0 Mailbox busy, "
        "try again later); trying again at 8:01am"
    )

    smtp.handler.always = "550 5.1.1 Mailbox does not exist"
    with time_machine.travel(london(2026, 2, 26, 8, 5), tick=False):
        sweep()
    row.refresh_from_db()
    assert row.status == Reminder.Status.FAILED
    assert row.note == (
        "Not sent: attempt 2 on 26 February 2026 at 8:05am was refused (the mail server said 550 5.1.1 Mailbox does not exist)"
    )
    assert "trying again" not in row.note
