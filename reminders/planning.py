"""Planning reminders: which rows a milestone should have, kept in step as it changes.

``reminders_plan_for_milestone`` is the only writer of planned rows. It runs after every
change to a milestone (commissioning/changes.py) and nightly for every open one, and changes
nothing when nothing changed:

1. A milestone that is met, missed, cancelled or acknowledged has its unsent reminders cancelled.
2. Otherwise work out the wanted rows: each offset for the owner and the team mailbox, an
   escalation to the team's manager a few days before, and another the day after an action
   is due (dates that simply arrive, such as a contract's end, are never "unmet").
3. Unsent rows move to their new time when the milestone moves; a move into the past
   cancels the row rather than sending a stale reminder.
4. Rows whose time passed while nothing moved stay planned: they are reminders the sweep
   missed (downtime), and it sends them, late, once.
5. New rows are only made for times still to come; sent and failed rows are the record and
   are never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commissioning.models import Milestone

from .models import Reminder, ReminderRule
from .offsets import LONDON, Offset, parse_offsets, send_time

log = logging.getLogger(__name__)

K = Milestone.Kind
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


def _person(user):
    if user is not None and user.is_active and user.email:
        return user.email, user.get_full_name() or user.get_username()
    return None


def wanted_reminders(milestone: Milestone, offsets: list[Offset]) -> list[Wanted]:
    """The rows a scheduled milestone should have (no writes, no clock)."""
    hour = settings.REMINDER_SEND_HOUR
    team = milestone.subject.team
    recipients = []
    if owner := _person(milestone.owner):
        recipients.append((Reminder.Audience.OWNER, *owner))
    if team.shared_mailbox:
        recipients.append((Reminder.Audience.TEAM, team.shared_mailbox, team.name))
    wanted = [
        Wanted(offset.code, Reminder.Purpose.REMINDER, audience, email, name,
               send_time(milestone.due_on, offset, due_at=milestone.due_at, hour=hour))
        for offset in offsets
        for audience, email, name in recipients
    ]
    if manager := _person(team.manager):
        days = settings.REMINDER_ESCALATION_DAYS
        wanted.append(
            Wanted("escalation", Reminder.Purpose.ESCALATION, Reminder.Audience.MANAGER, *manager,
                   send_time(milestone.due_on, Offset(days, "days"), due_at=milestone.due_at, hour=hour))
        )
        if milestone.kind not in Milestone.EVENT_KINDS:
            if milestone.due_at is not None:
                overdue_at = milestone.due_at + timedelta(hours=1)
            else:
                overdue_at = datetime.combine(milestone.due_on + timedelta(days=1), time(hour), tzinfo=LONDON)
            wanted.append(Wanted("overdue", Reminder.Purpose.OVERDUE, Reminder.Audience.MANAGER, *manager, overdue_at))
    return wanted


def _cancel(rows, note: str) -> int:
    ids = [row.pk for row in rows]
    # Only rows still planned: a sweep may have claimed one since we read it.
    return Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PLANNED).update(
        status=Reminder.Status.CANCELLED, note=note
    )


@transaction.atomic
def reminders_plan_for_milestone(*, milestone: Milestone, now: datetime | None = None, rules=None) -> None:
    """Bring a milestone's reminder rows in step with it (see the module docstring)."""
    now = now or timezone.now()
    existing = {(r.offset, r.recipient_email): r for r in milestone.reminders.all()}
    planned = [r for r in existing.values() if r.status == Reminder.Status.PLANNED]
    if milestone.status != Milestone.Status.SCHEDULED:
        _cancel(planned, f"Milestone {milestone.get_status_display().lower()}")
        return
    if milestone.acknowledged_at:
        _cancel(planned, f"Acknowledged by {milestone.acknowledged_by or 'an officer'}")
        return

    wanted = {(w.offset, w.email): w for w in wanted_reminders(milestone, offsets_for(milestone, rules))}
    to_create = []
    for key, want in wanted.items():
        row = existing.get(key)
        if row is None:
            if want.send_at >= now:
                to_create.append(
                    Reminder(milestone=milestone, offset=want.offset, purpose=want.purpose, audience=want.audience,
                             recipient_email=want.email, recipient_name=want.name, send_at=want.send_at)
                )
            continue
        if row.status != Reminder.Status.PLANNED or row.send_at == want.send_at:
            continue
        if want.send_at < now:
            _cancel([row], "The milestone moved and this reminder's time had passed")
        else:
            Reminder.objects.filter(pk=row.pk, status=Reminder.Status.PLANNED).update(
                send_at=want.send_at, recipient_name=want.name
            )
    Reminder.objects.bulk_create(to_create, ignore_conflicts=True)
    for reminder in to_create:
        log.info(
            "reminder planned",
            extra={"milestone": milestone.pk, "offset": reminder.offset, "to": reminder.recipient_email,
                   "send_at": reminder.send_at.isoformat()},
        )
    _cancel([row for key, row in existing.items() if key not in wanted and row.status == Reminder.Status.PLANNED],
            "No longer wanted for this milestone")


def reminders_plan_all(*, now: datetime | None = None) -> int:
    """Re-plan every open milestone (nightly): picks up new rules, owners and team mailboxes."""
    rules = dict(ReminderRule.objects.values_list("kind", "offsets"))
    count = 0
    milestones = Milestone.objects.filter(status=Milestone.Status.SCHEDULED).select_related(
        "owner", "contract__team__manager", "cycle__team__manager"
    ).prefetch_related("reminders")
    for milestone in milestones.iterator(chunk_size=500):
        reminders_plan_for_milestone(milestone=milestone, now=now, rules=rules)
        count += 1
    return count
