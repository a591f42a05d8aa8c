"""The sweep: find due reminders, claim each atomically, send it, record what happened.

Every step is safe to repeat and to run twice at once:

1. ``reclaim_stale_claims``: a row claimed more than REMINDER_CLAIM_TIMEOUT ago and never
   finished (its worker died mid-send) goes back to planned.
2. ``due_reminder_ids``: planned rows whose time has come, oldest first (a partial index
   keeps this as fast at a million rows as at ten thousand).
3. ``send_reminder``: claim the row with a conditional update (planned → sending); only the
   caller whose update changed the row sends. Then:
   - sent: record when, and whether it went late (after downtime);
   - a temporary SMTP failure (4xx, a refused or dropped connection): back to planned, later
     (backoff), until REMINDER_MAX_ATTEMPTS;
   - a permanent failure (5xx): failed, with the server's answer, shown to officers.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from commissioning.models import Milestone

from .emails import build_message
from .models import Reminder

log = logging.getLogger(__name__)

S = Reminder.Status


def reclaim_stale_claims(now: datetime) -> int:
    cutoff = now - settings.REMINDER_CLAIM_TIMEOUT
    count = Reminder.objects.filter(status=S.SENDING, claimed_at__lt=cutoff).update(
        status=S.PLANNED, claimed_at=None, note="Claimed by a worker that stopped; sending again"
    )
    if count:
        log.warning("reminders reclaimed from stopped workers", extra={"count": count})
    return count


def due_reminder_ids(now: datetime, limit: int | None = None) -> list[int]:
    ids = Reminder.objects.filter(status=S.PLANNED, send_at__lte=now).order_by("send_at", "id")
    return list(ids.values_list("id", flat=True)[: limit or settings.REMINDER_SWEEP_BATCH])


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each temporary failure, never more than an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def is_temporary(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    # Refused, dropped or timed-out connections: the server may be back in a minute.
    return isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, OSError))


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    taken: int = 0

    def add(self, other: Outcome) -> None:
        for name in ("sent", "retrying", "failed", "cancelled", "taken"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _still_wanted(reminder: Reminder) -> str | None:
    """Why a claimed reminder should not go after all, or None to send it."""
    milestone = reminder.milestone
    if milestone.status != Milestone.Status.SCHEDULED:
        return f"Milestone {milestone.get_status_display().lower()}"
    if milestone.acknowledged_at:
        return f"Acknowledged by {milestone.acknowledged_by or 'an officer'}"
    return None


def send_reminder(reminder_id: int, *, now: datetime | None = None, connection=None) -> Outcome:
    """Claim one due reminder and send it; a no-op if anyone else has claimed it."""
    now = now or timezone.now()
    claimed = Reminder.objects.filter(id=reminder_id, status=S.PLANNED, send_at__lte=now).update(
        status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return Outcome(taken=1)
    reminder = Reminder.objects.select_related(
        "milestone__contract__team", "milestone__cycle__team", "milestone__owner"
    ).get(id=reminder_id)
    if reason := _still_wanted(reminder):
        Reminder.objects.filter(id=reminder_id, status=S.SENDING).update(status=S.CANCELLED, note=reason)
        return Outcome(cancelled=1)

    late = now - reminder.send_at > settings.REMINDER_LATE_AFTER
    try:
        message = build_message(reminder, now=now)
        if connection is None:
            message.send()
        else:
            connection.send_messages([message])
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        if connection is not None:
            connection.close()  # the next send opens a fresh one
        text = f"{type(error).__name__}: {error}"[:2000]
        if is_temporary(error) and reminder.attempts < settings.REMINDER_MAX_ATTEMPTS:
            retry_at = now + backoff(reminder.attempts)
            Reminder.objects.filter(id=reminder_id, status=S.SENDING).update(
                status=S.PLANNED, claimed_at=None, send_at=retry_at, last_error=text,
                note=f"Temporary failure; trying again at {timezone.localtime(retry_at):%H:%M}",
            )
            log.warning("reminder send failed, will retry", extra={"reminder": reminder_id, "error": text})
            return Outcome(retrying=1)
        Reminder.objects.filter(id=reminder_id, status=S.SENDING).update(status=S.FAILED, last_error=text)
        log.error("reminder send failed permanently", extra={"reminder": reminder_id, "error": text})
        return Outcome(failed=1)

    Reminder.objects.filter(id=reminder_id, status=S.SENDING).update(
        status=S.SENT, sent_at=now, was_late=late,
        note=f"Sent late: it was due at {timezone.localtime(reminder.send_at):%-d %B %Y %H:%M}" if late else "",
    )
    log.info("reminder sent", extra={"reminder": reminder_id, "to": reminder.recipient_email, "late": late})
    return Outcome(sent=1)


def sweep(*, now: datetime | None = None) -> Outcome:
    """Send every due reminder in this process (the cron command, and tests)."""
    now = now or timezone.now()
    reclaim_stale_claims(now)
    outcome = Outcome()
    with get_connection() as connection:
        for reminder_id in due_reminder_ids(now):
            outcome.add(send_reminder(reminder_id, now=now, connection=connection))
    return outcome
