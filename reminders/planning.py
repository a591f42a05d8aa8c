"""Planning reminders: which rows a milestone should have, kept in step as it changes.

``reminders_plan_for_milestone`` is the only writer of planned rows. It runs after every
change to a milestone (commissioning/changes.py) and nightly for every open one, and changes
nothing when nothing changed:

1. A milestone that is met, missed, cancelled or acknowledged has its unsent reminders cancelled.
2. Otherwise work out the wanted rows: each offset for the owner and the team mailbox, an
   escalation to the team's manager a few days before, and another the morning after an action
   is due (dates that simply arrive, such as a contract's end, are never "unmet"). A manager's
   rows all go at the send hour, so the sweep's one-email-per-recipient rule gives each manager
   at most one escalation email a day.
3. Unsent rows move to their new time when the milestone moves; a move into the past
   cancels the row rather than sending a stale reminder.
4. Rows whose time passed while nothing moved stay planned: they are reminders the sweep
   missed (downtime), and it sends them, late, once.
5. New rows are only made for times still to come; sent and failed rows are the record and
   are never touched. Nothing is silently skipped, though: a recipient first planned for after
   all of their reminder times have passed, for a milestone still ahead, gets one "added at
   short notice" reminder now; a milestone first planned already overdue (by no more than
   REMINDER_OVERDUE_CATCH_UP_DAYS) is escalated to the manager at the next send hour.

Hours are added to and taken from deadlines in UTC: on the night the clocks go back a London
wall-clock sum lands an hour out in the repeated hour.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commissioning.models import Milestone

from .emails import due_moment
from .models import Reminder, ReminderRule
from .offsets import LONDON, Offset, parse_offsets, send_time

log = logging.getLogger(__name__)

K = Milestone.Kind
SHORT_NOTICE = "short notice"
NO_LONGER_WANTED = "No longer wanted for this milestone"
LONG_RANGE = "12 months, 9 months, 6 months, 3 months, 1 month, 2 weeks, 1 week"
SHORT_DEADLINE = "2 weeks, 1 week, 2 working days, morning of"
DEFAULT_OFFSETS = {
    K.CONTRACT_START: LONG_RANGE,
    K.TERM_END: LONG_RANGE,
    K.MAX_EXTENT: LONG_RANGE,
    K.FRAMEWORK_END: LONG_RANGE,
    K.OPTION_DECISION: "6 months, 3 months, 1 month, 2 weeks, 1 week, 2 working days, morning of",
    # A service left with no contract (commissioning.cover): months ahead, while it can be closed.
    K.GAP_IN_COVER: "6 months, 3 months, 1 month, 2 weeks, 1 week, 2 working days, morning of",
}


def default_offsets(kind: str) -> str:
    return DEFAULT_OFFSETS.get(kind, SHORT_DEADLINE)


def offsets_for(milestone: Milestone, rules: dict[str, str] | None = None) -> list[Offset]:
    """The milestone's own reminder times, else its kind's rule, else the built-in default."""
    if milestone.reminder_offsets.strip():
        return parse_offsets(milestone.reminder_offsets)
    if rules is None:
        rules = dict(ReminderRule.objects.values_list("kind", "offsets"))
    return parse_offsets(rules.get(milestone.kind) or default_offsets(milestone.kind))


@dataclass(frozen=True)
class Wanted:
    offset: str
    purpose: str
    audience: str
    email: str
    name: str
    send_at: datetime
    note: str = ""


def _person(user):
    if user is not None and user.is_active and user.email:
        return user.email, user.get_full_name() or user.get_username()
    return None


def wanted_reminders(milestone: Milestone, offsets: list[Offset], quiet: list[tuple] = ()) -> list[Wanted]:
    """The rows a scheduled milestone should have (no writes, no clock).

    ``quiet``: the owner's quiet days as (first, last) dates. An owner's reminder that falls on
    one goes to the manager instead (the team mailbox has its own); with neither a manager nor
    a team mailbox it still goes to the owner, rather than to nobody.
    """
    hour = settings.REMINDER_SEND_HOUR
    team = milestone.subject.team
    owner = _person(milestone.owner)
    manager = _person(team.manager)
    wanted = []
    for offset in offsets:
        send_at = send_time(milestone.due_on, offset, due_at=milestone.due_at, hour=hour)
        day = send_at.astimezone(LONDON).date()
        away = owner and any(first <= day <= last for first, last in quiet)
        if owner and away and (manager or team.shared_mailbox):
            if manager and manager[0] != owner[0]:
                wanted.append(
                    Wanted(
                        offset.code,
                        Reminder.Purpose.REMINDER,
                        Reminder.Audience.MANAGER,
                        *manager,
                        send_at,
                        note=f"{owner[1]} is away: sent to their manager instead",
                    )
                )
        elif owner:
            wanted.append(Wanted(offset.code, Reminder.Purpose.REMINDER, Reminder.Audience.OWNER, *owner, send_at))
        if team.shared_mailbox:
            wanted.append(
                Wanted(
                    offset.code,
                    Reminder.Purpose.REMINDER,
                    Reminder.Audience.TEAM,
                    team.shared_mailbox,
                    team.name,
                    send_at,
                )
            )
    if manager:
        days = settings.REMINDER_ESCALATION_DAYS
        wanted.append(
            Wanted(
                "escalation",
                Reminder.Purpose.ESCALATION,
                Reminder.Audience.MANAGER,
                *manager,
                send_time(milestone.due_on, Offset(days, "days"), due_at=milestone.due_at, hour=hour),
            )
        )
        if milestone.kind not in Milestone.EVENT_KINDS:
            # The morning after, at the send hour like every escalation: a manager gets one email a day.
            overdue_at = datetime.combine(milestone.due_on + timedelta(days=1), time(hour), tzinfo=LONDON)
            wanted.append(Wanted("overdue", Reminder.Purpose.OVERDUE, Reminder.Audience.MANAGER, *manager, overdue_at))
    return wanted


def _cancel(rows, note: str) -> int:
    ids = [row.pk for row in rows]
    if not ids:
        return 0  # nothing to cancel: not even an update to build (most plans of a new milestone)
    # Only rows still planned: a sweep may have claimed one since we read it.
    return Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PLANNED).update(
        status=Reminder.Status.CANCELLED, note=note
    )


@transaction.atomic
def reminders_plan_for_milestone(*, milestone: Milestone, now: datetime | None = None, rules=None) -> None:
    """Bring a milestone's reminder rows in step with it (see the module docstring)."""
    _insert_planned(_plan(milestone, now or timezone.now(), rules))


@transaction.atomic
def reminders_plan_for_milestones(*, milestones, now: datetime | None = None, rules=None) -> None:
    """``reminders_plan_for_milestone`` for each of ``milestones`` in one transaction (one savepoint
    inside a caller's, rather than one each). Read them with their reminders and their owners'
    quiet days prefetched, and their subjects' teams and managers, as ``reminders_plan_all`` does."""
    now = now or timezone.now()
    to_create = []
    for milestone in milestones:
        to_create += _plan(milestone, now, rules)
    _insert_planned(to_create)  # the new rows of them all in one insert


def _insert_planned(to_create: list[Reminder]) -> None:
    Reminder.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=2000)
    for reminder in to_create:
        log.info(
            "reminder planned",
            extra={
                "milestone": reminder.milestone_id,
                "offset": reminder.offset,
                "to": reminder.recipient_email,
                "send_at": reminder.send_at.isoformat(),
            },
        )


def _plan(milestone: Milestone, now: datetime, rules) -> list[Reminder]:
    """Bring a milestone's existing reminder rows in step with it; the new rows it needs, to insert."""
    existing = {(r.offset, r.recipient_email): r for r in milestone.reminders.all()}
    planned = [r for r in existing.values() if r.status == Reminder.Status.PLANNED]
    if milestone.status != Milestone.Status.SCHEDULED:
        _cancel(planned, f"Milestone {milestone.get_status_display().lower()}")
        return []
    if milestone.acknowledged_at:
        _cancel(planned, f"Acknowledged by {milestone.acknowledged_by or 'an officer'}")
        return []

    quiet = [(q.first_day, q.last_day) for q in milestone.owner.quiet_days.all()] if milestone.owner else []
    wanted = {(w.offset, w.email): w for w in wanted_reminders(milestone, offsets_for(milestone, rules), quiet)}
    to_create = []
    for key, want in wanted.items():
        row = existing.get(key)
        if row is None:
            if want.send_at >= now:
                to_create.append(_row(milestone, want))
            continue
        if row.status == Reminder.Status.CANCELLED and row.note == NO_LONGER_WANTED and want.send_at >= now:
            # Wanted again (quiet days removed, an owner restored): plan it afresh.
            Reminder.objects.filter(pk=row.pk, status=Reminder.Status.CANCELLED).update(
                status=Reminder.Status.PLANNED, send_at=want.send_at, recipient_name=want.name, note=want.note
            )
            continue
        if row.status != Reminder.Status.PLANNED or row.send_at == want.send_at:
            continue
        if want.send_at < now and row.purpose == Reminder.Purpose.OVERDUE:
            continue  # still overdue wherever it moved: the escalation stands
        if want.send_at < now:
            _cancel([row], "The milestone moved and this reminder's time had passed")
        else:
            Reminder.objects.filter(pk=row.pk, status=Reminder.Status.PLANNED).update(
                send_at=want.send_at, recipient_name=want.name
            )
    to_create += _not_silently_skipped(milestone, wanted.values(), existing, now)
    kept = (
        set(wanted) | {(SHORT_NOTICE, email) for _, email in wanted} | {("overdue", w.email) for w in wanted.values()}
    )
    _cancel(
        [row for key, row in existing.items() if key not in kept and row.status == Reminder.Status.PLANNED],
        NO_LONGER_WANTED,
    )
    return to_create


def first_reminders(milestone: Milestone, wanted: list[Wanted], now: datetime) -> list[Reminder]:
    """The reminder rows (unsaved) ``plan_for`` would create for a milestone with none yet, from
    its ``wanted_reminders``: those still to come, and what stops a passed one being skipped
    silently. For callers that plan many new milestones at once (contracts' bulk path)."""
    wanted = list({(w.offset, w.email): w for w in wanted}.values())
    rows = [_row(milestone, want) for want in wanted if want.send_at >= now]
    return rows + _not_silently_skipped(milestone, wanted, {}, now)


def _row(milestone: Milestone, want: Wanted, **fields) -> Reminder:
    values = {
        "offset": want.offset,
        "purpose": want.purpose,
        "audience": want.audience,
        "recipient_email": want.email,
        "recipient_name": want.name,
        "send_at": want.send_at,
        "note": want.note,
    }
    return Reminder(milestone=milestone, **{**values, **fields})


def next_send_time(now: datetime) -> datetime:
    """The next REMINDER_SEND_HOUR o'clock in London, when the day's escalations go together."""
    local = now.astimezone(LONDON)
    today = datetime.combine(local.date(), time(settings.REMINDER_SEND_HOUR), tzinfo=LONDON)
    return (
        today
        if today >= now
        else datetime.combine(local.date() + timedelta(days=1), time(settings.REMINDER_SEND_HOUR), tzinfo=LONDON)
    )


def _not_silently_skipped(milestone: Milestone, wanted, existing: dict, now: datetime) -> list[Reminder]:
    """Rows for a milestone entered after its reminder times: one reminder now, or an escalation now.

    1. Each owner or team mailbox with no row yet for this milestone and none of its reminder
       times still to come gets one reminder now, marked "added at short notice", if the milestone
       is still ahead.
    2. A milestone that needs action, already overdue when its manager is first planned for, is
       escalated to the manager now (unless it went overdue longer ago than the catch-up window).
    """
    rows = []
    known = {email for _, email in existing}
    due = due_moment(milestone)
    by_recipient: dict[str, list[Wanted]] = {}
    for want in wanted:
        by_recipient.setdefault(want.email, []).append(want)
    for email, wants in by_recipient.items():
        if email in known:
            continue
        reminders = [w for w in wants if w.purpose == Reminder.Purpose.REMINDER]
        if reminders and due > now and all(w.send_at < now for w in reminders):
            rows.append(
                _row(
                    milestone,
                    reminders[0],
                    offset=SHORT_NOTICE,
                    send_at=now,
                    note="Added at short notice: its reminder times had passed when it was entered",
                )
            )
        overdue = [w for w in wants if w.purpose == Reminder.Purpose.OVERDUE]
        catch_up = timedelta(days=settings.REMINDER_OVERDUE_CATCH_UP_DAYS)
        if overdue and overdue[0].send_at < now and now - due <= catch_up:
            rows.append(
                _row(milestone, overdue[0], send_at=next_send_time(now), note="Already overdue when it was entered")
            )
    return rows


def reminders_plan_all(*, now: datetime | None = None) -> int:
    """Re-plan every open milestone (nightly): picks up new rules, owners and team mailboxes."""
    rules = dict(ReminderRule.objects.values_list("kind", "offsets"))
    count = 0
    milestones = (
        Milestone.objects.filter(status=Milestone.Status.SCHEDULED)
        .select_related("owner", "contract__team__manager", "cycle__team__manager")
        .prefetch_related("reminders", "owner__quiet_days")
    )
    for milestone in milestones.iterator(chunk_size=500):
        reminders_plan_for_milestone(milestone=milestone, now=now, rules=rules)
        count += 1
    return count
