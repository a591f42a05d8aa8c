"""The sweep: find due reminders, claim each just before it is sent, send it, record what happened.

Every step is safe to repeat and to run twice at once:

1. ``reclaim_stale_claims``: rows whose claim is older than REMINDER_CLAIM_TIMEOUT go back to
   planned. A live worker renews its claim immediately before handing each message to SMTP,
   so a stale claim truly means its worker stopped (the timeout must exceed EMAIL_TIMEOUT).
2. ``_claim_next``: the oldest due planned row is taken with one conditional update (planned
   to sending, stamped with this sweep's token and the time of this claim, not of the sweep's
   start). On PostgreSQL the candidate is picked with ``FOR UPDATE SKIP LOCKED``, so sweepers
   started together take different rows instead of queueing on the same one; elsewhere the
   conditional update alone keeps it correct and a sweep that loses a row tries the next.
3. ``_send``: just before SMTP the claim is checked and renewed (``_renew``): a row reclaimed
   from us in the meantime is someone else's now and is not sent. Then the outcome is recorded:
   - sent: when, whether it went late (after downtime), and one more acceptance by SMTP;
   - a temporary SMTP failure (4xx, a refused or dropped connection): back to planned, later
     (backoff), until REMINDER_MAX_ATTEMPTS;
   - a permanent failure (5xx): failed, with the server's answer, shown to officers;
   - a milestone met, cancelled or acknowledged since planning: cancelled, not sent.
   A message SMTP accepted after our claim was lost is counted on the row (``times_accepted``)
   so duplicates can be counted, never silently.

A worker that dies holds back at most the one message it was sending, and only until the claim
times out; that message may go twice (accepted by SMTP, not yet recorded). Nothing else can.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from commissioning.models import Milestone
from ops import models as heartbeat
from ops.health import SWEEP as SWEEP_HEARTBEAT

from .emails import build_message
from .models import Reminder

log = logging.getLogger(__name__)

S = Reminder.Status
RELATED = ("milestone__contract__team", "milestone__cycle__team", "milestone__owner")
# How many candidate rows a sweep without SKIP LOCKED reads at a time before claiming them one by one.
CANDIDATES = 50


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
    duplicates: int = 0

    def add(self, other: Outcome) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _skip_locked() -> bool:
    return db_connection.features.has_select_for_update_skip_locked


def _claim_one(reminder_id: int, *, token: str, now: datetime, at: datetime) -> bool:
    return bool(
        Reminder.objects.filter(id=reminder_id, status=S.PLANNED, send_at__lte=now).update(
            status=S.SENDING, claimed_at=at, claim_token=token, attempts=F("attempts") + 1
        )
    )


def _claim_next(*, token: str, now: datetime, clock: Callable[[], datetime], candidates: list[int]) -> int | None:
    """Claim the oldest due planned row for this sweep; its id, or None when nothing is left."""
    if _skip_locked():
        with transaction.atomic():
            row = (
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(status=S.PLANNED, send_at__lte=now)
                .order_by("send_at", "id")
                .values_list("id", flat=True)
                .first()
            )
            if row is None:
                return None
            _claim_one(row, token=token, now=now, at=clock())
            return row
    # No SKIP LOCKED (SQLite): walk a short list of candidates; a row another sweep took first
    # is no longer planned, so the conditional update does not take it.
    while True:
        if not candidates:
            candidates.extend(due_reminder_ids(now, limit=CANDIDATES))
            if not candidates:
                return None
        reminder_id = candidates.pop(0)
        if _claim_one(reminder_id, token=token, now=now, at=clock()):
            return reminder_id


def _still_wanted(reminder: Reminder) -> str | None:
    """Why a claimed reminder should not go after all, or None to send it."""
    milestone = reminder.milestone
    if milestone.status != Milestone.Status.SCHEDULED:
        return f"Milestone {milestone.get_status_display().lower()}"
    if milestone.acknowledged_at:
        return f"Acknowledged by {milestone.acknowledged_by or 'an officer'}"
    return None


def _held(reminder: Reminder):
    return Reminder.objects.filter(id=reminder.id, status=S.SENDING, claim_token=reminder.claim_token)


def _renew(reminder: Reminder, at: datetime) -> bool:
    """Check we still hold the claim and restart its clock: the last step before SMTP."""
    return bool(_held(reminder).update(claimed_at=at))


def _finish(reminder: Reminder, **changes) -> bool:
    # Guarded by the token: a row reclaimed from us in the meantime is someone else's now.
    return bool(_held(reminder).update(**changes))


def _send(reminder: Reminder, *, now: datetime, clock: Callable[[], datetime], connection) -> Outcome:
    if reason := _still_wanted(reminder):
        _finish(reminder, status=S.CANCELLED, note=reason)
        return Outcome(cancelled=1)
    late = now - reminder.send_at > settings.REMINDER_LATE_AFTER
    message = build_message(reminder, now=now)
    if not _renew(reminder, clock()):
        log.warning("reminder claim lost before sending; not sent", extra={"reminder": reminder.id})
        return Outcome(taken=1)
    try:
        connection.send_messages([message])
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        connection.close()  # the next send opens a fresh connection
        text = f"{type(error).__name__}: {error}"[:2000]
        when = f"{timezone.localtime(clock()):%-d %B %Y %H:%M}"
        if is_temporary(error) and reminder.attempts < settings.REMINDER_MAX_ATTEMPTS:
            retry_at = now + backoff(reminder.attempts)
            _finish(
                reminder, status=S.PLANNED, claimed_at=None, claim_token="", send_at=retry_at, last_error=text,
                note=f"Attempt {reminder.attempts} on {when} failed for now ({_short(error)}); "
                f"trying again at {timezone.localtime(retry_at):%H:%M}",
            )
            log.warning("reminder send failed, will retry", extra={"reminder": reminder.id, "error": text})
            return Outcome(retrying=1)
        gave_up = " (gave up after repeated temporary failures)" if is_temporary(error) else ""
        _finish(
            reminder, status=S.FAILED, last_error=text,
            note=f"Not sent: attempt {reminder.attempts} on {when} was refused ({_short(error)}){gave_up}"[:200],
        )
        log.error("reminder send failed permanently", extra={"reminder": reminder.id, "error": text})
        return Outcome(failed=1)
    finished = _finish(
        reminder, status=S.SENT, sent_at=now, was_late=late, times_accepted=F("times_accepted") + 1,
        note=f"Sent late: it was due at {timezone.localtime(reminder.send_at):%-d %B %Y %H:%M}" if late else "",
    )
    if not finished:
        # Our claim was taken while SMTP held the message: another worker may have sent it too.
        Reminder.objects.filter(id=reminder.id).update(
            times_accepted=F("times_accepted") + 1,
            note="Sent twice: a second worker took it over while the mail server was accepting it",
        )
        log.error("reminder accepted twice", extra={"reminder": reminder.id, "to": reminder.recipient_email})
        return Outcome(sent=1, duplicates=1)
    log.info("reminder sent", extra={"reminder": reminder.id, "to": reminder.recipient_email, "late": late})
    return Outcome(sent=1)


def _short(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"the mail server said {error.smtp_code} {' '.join(detail.split())}"[:120]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the address"
    return f"the mail server could not be reached: {type(error).__name__}"


def sweep(*, now: datetime | None = None, limit: int | None = None) -> Outcome:
    """Send every due reminder (the beat task, the cron command and the tests all call this)."""
    now = now or timezone.now()
    started = time.monotonic()

    def clock() -> datetime:
        # The time of each claim and renewal: the sweep's "now" plus the real time it has run.
        return now + timedelta(seconds=time.monotonic() - started)

    reclaim_stale_claims(now)
    outcome = Outcome()
    token = uuid.uuid4().hex
    candidates: list[int] = []
    with get_connection() as connection:
        for _ in range(limit or settings.REMINDER_SWEEP_BATCH):
            reminder_id = _claim_next(token=token, now=now, clock=clock, candidates=candidates)
            if reminder_id is None:
                break
            reminder = Reminder.objects.select_related(*RELATED).filter(id=reminder_id, claim_token=token).first()
            if reminder is None:
                outcome.taken += 1
                continue
            log.info("reminder claimed", extra={"reminder": reminder.id, "claim": token})
            outcome.add(_send(reminder, now=now, clock=clock, connection=connection))
    # The health check's proof that sweeps are running (ops/health.py).
    heartbeat.beat(SWEEP_HEARTBEAT, at=timezone.now(), detail=f"sent {outcome.sent}, failed {outcome.failed}")
    return outcome
