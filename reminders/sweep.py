"""The sweep: find due reminders, claim each just before it is sent, send it, record what happened.

Every step is safe to repeat and to run twice at once:

1. ``reclaim_stale_claims``: rows whose claim is older than REMINDER_CLAIM_TIMEOUT go back to
   planned. A live worker claims a row only when it is about to send it, so a stale claim
   truly means its worker stopped (the timeout must exceed EMAIL_TIMEOUT, one message's limit).
2. ``_claim_next``: the oldest due planned row is taken with one conditional update (planned
   to sending, stamped with a fresh token and the time of this claim, not of the sweep's
   start), and with it every other due row for the same recipient: a recipient gets one email
   per send time listing all of them (emails.entries_for merges and orders them). On PostgreSQL the candidate is picked with ``FOR UPDATE SKIP LOCKED``, so sweepers
   started together take different rows instead of queueing on the same one; elsewhere the
   conditional update alone keeps it correct and a sweep that loses a row tries the next.
3. ``_send``: just before SMTP the claims are checked (``_verify``): a row reclaimed from us in
   the meantime is someone else's now and is not sent. Then the outcome is recorded:
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
from django.db.models import F
from django.utils import timezone

from commissioning.models import Milestone
from common.dates import long_date, time_of_day
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


def _claim_with_recipient(reminder_id: int, *, token: str, now: datetime, at: datetime) -> bool:
    """Claim one due row and every other due row for the same recipient: they go as one email."""
    claimed = Reminder.objects.filter(id=reminder_id, status=S.PLANNED, send_at__lte=now).update(
        status=S.SENDING, claimed_at=at, claim_token=token, attempts=F("attempts") + 1
    )
    if claimed:
        email = Reminder.objects.filter(id=reminder_id).values_list("recipient_email", flat=True).get()
        Reminder.objects.filter(recipient_email=email, status=S.PLANNED, send_at__lte=now).update(
            status=S.SENDING, claimed_at=at, claim_token=token, attempts=F("attempts") + 1
        )
    return bool(claimed)


# One round trip on PostgreSQL: lock the oldest due row no other sweep holds (SKIP LOCKED, so
# sweepers started together take different recipients instead of queueing), then take every due
# row for its recipient. A row another sweep changed meanwhile is re-checked and left alone.
CLAIM_NEXT_SQL = """
UPDATE reminders_reminder
   SET status = 'sending', claimed_at = %(at)s, claim_token = %(token)s, attempts = attempts + 1
 WHERE status = 'planned' AND send_at <= %(now)s
   AND recipient_email = (
       SELECT recipient_email FROM reminders_reminder
        WHERE status = 'planned' AND send_at <= %(now)s
        ORDER BY send_at, id LIMIT 1
        FOR UPDATE SKIP LOCKED)
"""


def _claim_next(*, token: str, now: datetime, clock: Callable[[], datetime], candidates: list[int]) -> bool:
    """Claim the oldest due planned row, with its recipient's other due rows; False when nothing is left."""
    if _skip_locked():
        with db_connection.cursor() as cursor:
            cursor.execute(CLAIM_NEXT_SQL, {"at": clock(), "token": token, "now": now})
            return cursor.rowcount > 0
    # No SKIP LOCKED (SQLite): walk a short list of candidates; a row another sweep took first
    # is no longer planned, so the conditional update does not take it.
    while True:
        if not candidates:
            candidates.extend(due_reminder_ids(now, limit=CANDIDATES))
            if not candidates:
                return False
        if _claim_with_recipient(candidates.pop(0), token=token, now=now, at=clock()):
            return True


def _still_wanted(reminder: Reminder) -> str | None:
    """Why a claimed reminder should not go after all, or None to send it."""
    milestone = reminder.milestone
    if milestone.status != Milestone.Status.SCHEDULED:
        return f"Milestone {milestone.get_status_display().lower()}"
    if milestone.acknowledged_at:
        return f"Acknowledged by {milestone.acknowledged_by or 'an officer'}"
    return None


def _held(reminders: list[Reminder]):
    token = reminders[0].claim_token
    return Reminder.objects.filter(id__in=[r.id for r in reminders], status=S.SENDING, claim_token=token)


def _verify(reminders: list[Reminder]) -> list[Reminder]:
    """The rows whose claims we still hold: the last step before SMTP.

    A read, not a write: the claim was stamped when it was taken, moments ago, and a commit
    per email to restart its clock would halve the sweep's speed for nothing. A claim is only
    taken back once it is older than REMINDER_CLAIM_TIMEOUT, far longer than claim-to-send.
    """
    held = set(_held(reminders).values_list("id", flat=True))
    return [r for r in reminders if r.id in held]


def _finish(reminders: list[Reminder], **changes) -> int:
    # Guarded by the token: a row reclaimed from us in the meantime is someone else's now.
    return _held(reminders).update(**changes)


def _send(reminders: list[Reminder], *, now: datetime, clock: Callable[[], datetime], connection) -> Outcome:
    """Send one recipient's claimed reminders as one email, and record the outcome on each row."""
    outcome = Outcome()
    wanted = []
    for reminder in reminders:
        if reason := _still_wanted(reminder):
            _finish([reminder], status=S.CANCELLED, note=reason)
            outcome.cancelled += 1
        else:
            wanted.append(reminder)
    if not wanted:
        return outcome
    message = build_message(wanted, now=now)
    held = _verify(wanted)  # the last step before SMTP: still ours?
    if len(held) < len(wanted):
        log.warning("reminder claim lost before sending; not sent", extra={"reminders": len(wanted) - len(held)})
        outcome.taken += len(wanted) - len(held)
        if not held:
            return outcome
        message = build_message(held, now=now)
    ids = [r.id for r in held]
    attempts = max(r.attempts for r in held)
    try:
        connection.send_messages([message])
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the rows
        connection.close()  # the next send opens a fresh connection
        text = f"{type(error).__name__}: {error}"[:2000]
        when = long_date(clock())
        if is_temporary(error) and attempts < settings.REMINDER_MAX_ATTEMPTS:
            retry_at = now + backoff(attempts)
            _finish(
                held,
                status=S.PLANNED,
                claimed_at=None,
                claim_token="",
                send_at=retry_at,
                last_error=text,
                note=f"Attempt {attempts} on {when} failed for now ({_short(error)}); "
                f"trying again at {time_of_day(retry_at)}"[:200],
            )
            log.warning("reminder send failed, will retry", extra={"reminders": ids, "error": text})
            outcome.retrying += len(held)
            return outcome
        gave_up = " (gave up after repeated temporary failures)" if is_temporary(error) else ""
        _finish(
            held,
            status=S.FAILED,
            last_error=text,
            note=f"Not sent: attempt {attempts} on {when} was refused ({_short(error)}){gave_up}"[:200],
        )
        log.error("reminder send failed permanently", extra={"reminders": ids, "error": text})
        outcome.failed += len(held)
        return outcome
    for reminder in held:
        late = now - reminder.send_at > settings.REMINDER_LATE_AFTER
        finished = _finish(
            [reminder],
            status=S.SENT,
            sent_at=now,
            was_late=late,
            times_accepted=F("times_accepted") + 1,
            note=f"Sent late: it was due on {long_date(reminder.send_at)}" if late else "",
        )
        outcome.sent += 1
        if not finished:
            # Our claim was taken while SMTP held the message: another worker may have sent it too.
            Reminder.objects.filter(id=reminder.id).update(
                times_accepted=F("times_accepted") + 1,
                note="Sent twice: a second worker took it over while the mail server was accepting it",
            )
            log.error("reminder accepted twice", extra={"reminder": reminder.id, "to": reminder.recipient_email})
            outcome.duplicates += 1
    log.info("reminder sent", extra={"reminders": ids, "to": held[0].recipient_email})
    return outcome


def _short(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = (
            error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        )
        return f"the mail server said {error.smtp_code} {' '.join(detail.split())}"[:120]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the address"
    return f"the mail server could not be reached: {type(error).__name__}"


def outcome_total(outcome: Outcome) -> int:
    return outcome.sent + outcome.retrying + outcome.failed + outcome.cancelled + outcome.taken


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
        while outcome_total(outcome) < (limit or settings.REMINDER_SWEEP_BATCH):
            if not _claim_next(token=token, now=now, clock=clock, candidates=candidates):
                break
            claimed = list(
                Reminder.objects.select_related(*RELATED)
                .filter(claim_token=token, status=S.SENDING)
                .order_by("send_at", "id")
            )
            log.info("reminders claimed", extra={"reminders": [r.id for r in claimed], "claim": token})
            if claimed:
                outcome.add(_send(claimed, now=now, clock=clock, connection=connection))
            token = uuid.uuid4().hex  # a fresh token per email, so each claim is loaded alone
    # The health check's proof that sweeps are running (ops/health.py).
    heartbeat.beat(SWEEP_HEARTBEAT, at=timezone.now(), detail=f"sent {outcome.sent}, failed {outcome.failed}")
    return outcome
