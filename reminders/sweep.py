"""The sweep: find due reminders, claim them atomically, send each, record what happened.

Every step is safe to repeat and to run twice at once:

1. ``reclaim_stale_claims``: rows claimed more than REMINDER_CLAIM_TIMEOUT ago and never
   finished (their worker died mid-send) go back to planned.
2. ``due_reminder_ids``: planned rows whose time has come, oldest first (a partial index
   keeps this as fast at a million rows as at ten thousand).
3. ``_claim``: one conditional update moves a chunk of them from planned to sending and
   stamps them with this sweep's token; a row another sweep took first is no longer planned,
   so it is not stamped. The sweep then loads exactly the rows carrying its token.
4. ``_send``: each claimed row is sent and its outcome recorded at once:
   - sent: when, and whether it went late (after downtime);
   - a temporary SMTP failure (4xx, a refused or dropped connection): back to planned, later
     (backoff), until REMINDER_MAX_ATTEMPTS;
   - a permanent failure (5xx): failed, with the server's answer, shown to officers;
   - a milestone met, cancelled or acknowledged since planning: cancelled, not sent.

Claims are taken a chunk at a time, so a worker that dies holds back at most one chunk, and
only until the claim times out.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from commissioning.models import Milestone
from ops import models as heartbeat
from ops.health import SWEEP as SWEEP_HEARTBEAT

from .emails import build_message
from .models import Reminder

log = logging.getLogger(__name__)

S = Reminder.Status
CLAIM_CHUNK = 50


def reclaim_stale_claims(now: datetime) -> int:
    cutoff = now - settings.REMINDER_CLAIM_TIMEOUT
    count = Reminder.objects.filter(status=S.SENDING, claimed_at__lt=cutoff).update(
        status=S.PLANNED, claimed_at=None, claim_token="", note="Claimed by a worker that stopped; sending again"
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
    return isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout, OSError))


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    taken: int = 0

    def add(self, other: Outcome) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _claim(ids: list[int], now: datetime) -> list[Reminder]:
    token = uuid.uuid4().hex
    Reminder.objects.filter(id__in=ids, status=S.PLANNED, send_at__lte=now).update(
        status=S.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    claimed = list(
        Reminder.objects.filter(claim_token=token, status=S.SENDING)
        .select_related("milestone__contract__team", "milestone__cycle__team", "milestone__owner")
        .order_by("send_at", "id")
    )
    for reminder in claimed:
        log.info("reminder claimed", extra={"reminder": reminder.id, "claim": token})
    return claimed


def _still_wanted(reminder: Reminder) -> str | None:
    """Why a claimed reminder should not go after all, or None to send it."""
    milestone = reminder.milestone
    if milestone.status != Milestone.Status.SCHEDULED:
        return f"Milestone {milestone.get_status_display().lower()}"
    if milestone.acknowledged_at:
        return f"Acknowledged by {milestone.acknowledged_by or 'an officer'}"
    return None


def _finish(reminder: Reminder, **changes) -> None:
    # Guarded by the token: a row reclaimed from us in the meantime is someone else's now.
    Reminder.objects.filter(id=reminder.id, status=S.SENDING, claim_token=reminder.claim_token).update(**changes)


def _send(reminder: Reminder, *, now: datetime, connection) -> Outcome:
    if reason := _still_wanted(reminder):
        _finish(reminder, status=S.CANCELLED, note=reason)
        return Outcome(cancelled=1)
    late = now - reminder.send_at > settings.REMINDER_LATE_AFTER
    try:
        connection.send_messages([build_message(reminder, now=now)])
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        connection.close()  # the next send opens a fresh connection
        text = f"{type(error).__name__}: {error}"[:2000]
        if is_temporary(error) and reminder.attempts < settings.REMINDER_MAX_ATTEMPTS:
            retry_at = now + backoff(reminder.attempts)
            _finish(
                reminder, status=S.PLANNED, claimed_at=None, claim_token="", send_at=retry_at, last_error=text,
                note=f"Temporary failure; trying again at {timezone.localtime(retry_at):%H:%M}",
            )
            log.warning("reminder send failed, will retry", extra={"reminder": reminder.id, "error": text})
            return Outcome(retrying=1)
        _finish(reminder, status=S.FAILED, last_error=text)
        log.error("reminder send failed permanently", extra={"reminder": reminder.id, "error": text})
        return Outcome(failed=1)
    _finish(
        reminder, status=S.SENT, sent_at=now, was_late=late,
        note=f"Sent late: it was due at {timezone.localtime(reminder.send_at):%-d %B %Y %H:%M}" if late else "",
    )
    log.info("reminder sent", extra={"reminder": reminder.id, "to": reminder.recipient_email, "late": late})
    return Outcome(sent=1)


def sweep(*, now: datetime | None = None) -> Outcome:
    """Send every due reminder (the beat task, the cron command and the tests all call this)."""
    now = now or timezone.now()
    reclaim_stale_claims(now)
    outcome = Outcome()
    due = due_reminder_ids(now)
    with get_connection() as connection:
        for start in range(0, len(due), CLAIM_CHUNK):
            chunk = due[start : start + CLAIM_CHUNK]
            claimed = _claim(chunk, now)
            outcome.taken += len(chunk) - len(claimed)
            for reminder in claimed:
                outcome.add(_send(reminder, now=now, connection=connection))
    # The health check's proof that sweeps are running (ops/health.py).
    heartbeat.beat(SWEEP_HEARTBEAT, at=timezone.now(), detail=f"sent {outcome.sent}, failed {outcome.failed}")
    return outcome
