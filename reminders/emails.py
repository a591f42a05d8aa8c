"""The reminder email: subject, plain text and HTML, and the signed acknowledge link."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Milestone
from common.dates import long_date

from .models import Reminder
from .offsets import LONDON

ACK_SALT = "reminders.acknowledge.v2"
# The outer bound on a stop link's age; it stops working sooner, once its milestone is met or passed.
ACK_MAX_AGE = 60 * 60 * 24 * 400


class LinkExpired(Exception):
    """A genuine stop link whose milestone is no longer open: the message says why."""


def london_words(milestone: Milestone) -> str:
    """'Thursday 12 March 2026 at midday', or 'Thursday 12 March 2026' for an all-day milestone."""
    if milestone.due_at is not None:
        return f"{timezone.localtime(milestone.due_at):%A} {long_date(milestone.due_at)}"
    return f"{milestone.due_on:%A %-d %B %Y}"


def acknowledge_token(reminder: Reminder) -> str:
    """The "stop reminders" link for one reminder: bound to its row, its milestone and its recipient."""
    return signing.dumps(
        {"r": reminder.pk, "m": reminder.milestone_id, "e": reminder.recipient_email}, salt=ACK_SALT, compress=True
    )


def read_acknowledge_token(token: str, *, now: datetime | None = None) -> Reminder:
    """The reminder a stop link was made for.

    Raises ``signing.BadSignature`` for a forged, altered, unknown or old-style link, and
    ``LinkExpired`` once its milestone is met, cancelled or past its due time.
    """
    data = signing.loads(token, salt=ACK_SALT, max_age=ACK_MAX_AGE)
    if not isinstance(data, dict) or not {"r", "m", "e"} <= data.keys():
        raise signing.BadSignature("not a stop link")
    reminder = (
        Reminder.objects.select_related("milestone__contract", "milestone__cycle")
        .filter(pk=data["r"], milestone_id=data["m"], recipient_email=data["e"])
        .first()
    )
    if reminder is None:
        raise signing.BadSignature("no such reminder")
    milestone = reminder.milestone
    if milestone.status != Milestone.Status.SCHEDULED:
        raise LinkExpired(f"This deadline is already marked as {milestone.get_status_display().lower()}.")
    if due_moment(milestone) <= (now or timezone.now()):
        raise LinkExpired("This deadline has passed.")
    return reminder


def due_moment(milestone: Milestone) -> datetime:
    """When a milestone falls due: its time, or the end of its day in London for an all-day one."""
    if milestone.due_at is not None:
        return milestone.due_at
    return datetime.combine(milestone.due_on + timedelta(days=1), time(0), tzinfo=LONDON)


def absolute(path: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def subject_name(milestone: Milestone) -> str:
    subject = milestone.subject
    return getattr(subject, "reference", None) or subject.name


PREFIX = {
    Reminder.Purpose.ESCALATION: "Escalation: ",
    Reminder.Purpose.OVERDUE: "Missed deadline: ",
}
# Most urgent first: passed unmet, then escalations, then ordinary reminders.
URGENCY = {Reminder.Purpose.OVERDUE: 0, Reminder.Purpose.ESCALATION: 1, Reminder.Purpose.REMINDER: 2}


def _one_line(text: str) -> str:
    # Titles can come from imports: fold any line breaks so nothing can start a new header.
    return " ".join(text.split())


@dataclass
class Entry:
    """One deadline in an email: the recipient's reminders for it, and identical milestones merged.

    Milestones of the same contract (or cycle) due at the same moment, such as "current term
    ends" and "maximum extent" on the same day, are one entry with both titles.
    """

    reminders: list[Reminder] = field(default_factory=list)

    @property
    def lead(self) -> Reminder:
        return min(self.reminders, key=lambda r: (URGENCY[r.purpose], r.send_at, r.pk))

    @property
    def milestones(self) -> list[Milestone]:
        seen: dict[int, Milestone] = {}
        for reminder in sorted(self.reminders, key=lambda r: (r.milestone.title, r.milestone_id)):
            seen.setdefault(reminder.milestone_id, reminder.milestone)
        return list(seen.values())

    @property
    def milestone(self) -> Milestone:
        return self.lead.milestone

    @property
    def title(self) -> str:
        name = subject_name(self.milestone)
        titles = [_one_line(m.title.removeprefix(f"{name}: ")) for m in self.milestones]
        return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]

    @property
    def full_title(self) -> str:
        return (
            _one_line(self.milestone.title)
            if len(self.milestones) == 1
            else f"{subject_name(self.milestone)}: {self.title}"
        )

    def sort_key(self):
        return (URGENCY[self.lead.purpose], due_moment(self.milestone), self.milestone.pk)


def entries_for(reminders: list[Reminder]) -> list[Entry]:
    """The reminders of one email as entries, most urgent first."""
    entries: dict[tuple, Entry] = {}
    for reminder in reminders:
        milestone = reminder.milestone
        key = (milestone.contract_id, milestone.cycle_id, milestone.due_on, milestone.due_at)
        entries.setdefault(key, Entry()).reminders.append(reminder)
    return sorted(entries.values(), key=Entry.sort_key)


def subject_for(reminders: list[Reminder] | Reminder) -> str:
    entries = entries_for(reminders if isinstance(reminders, list) else [reminders])
    first = entries[0]
    prefix = PREFIX.get(first.lead.purpose, "Reminder: ")
    subject = f"{prefix}{subject_name(first.milestone)} – {first.title} – due {london_words(first.milestone)}"
    if len(entries) > 1:
        subject += f" (and {len(entries) - 1} more {'deadline' if len(entries) == 2 else 'deadlines'})"
    return _one_line(subject)


def stop_link(reminder: Reminder, *, preview: bool) -> str:
    # A preview shows where the link goes but never a working one: it would stop someone else's reminders.
    token = "preview-only-link" if preview else acknowledge_token(reminder)
    return absolute(reverse("reminders:acknowledge", args=[token]))


def build_message(
    reminders: list[Reminder] | Reminder, *, now: datetime, preview: bool = False
) -> EmailMultiAlternatives:
    """The one email a recipient gets at a send time, listing every deadline due for attention in it."""
    reminders = reminders if isinstance(reminders, list) else [reminders]
    today = timezone.localdate(now)
    items = []
    for entry in entries_for(reminders):
        lead, milestone = entry.lead, entry.milestone
        late_rows = [r for r in entry.reminders if now - r.send_at > settings.REMINDER_LATE_AFTER]
        items.append(
            {
                "reminder": lead,
                "milestone": milestone,
                "title": entry.full_title,
                "subject_record": milestone.subject,
                "due_words": london_words(milestone),
                "days_left": (milestone.due_on - today).days,
                "links": [
                    {
                        "title": _one_line(m.title),
                        "milestone_url": absolute(m.get_absolute_url()),
                        "acknowledge_url": stop_link(
                            next(r for r in entry.reminders if r.milestone_id == m.pk), preview=preview
                        ),
                    }
                    for m in entry.milestones
                ],
                "conflict_notes": [m.conflict_note for m in entry.milestones if m.conflict_note],
                "late": bool(late_rows),
                "planned_for": timezone.localtime(min(r.send_at for r in late_rows)) if late_rows else None,
                "short_notice": any(r.offset == "short notice" for r in entry.reminders),
            }
        )
    first = reminders[0]
    context = {"items": items, "recipient_name": first.recipient_name, "team": items[0]["subject_record"].team}
    message = EmailMultiAlternatives(
        subject=subject_for(reminders),
        body=render_to_string("reminders/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[first.recipient_email],
        headers={
            "X-Reminder-Id": str(first.pk),
            "X-Reminder-Ids": ",".join(str(r.pk) for r in reminders),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("reminders/email/reminder.html", context), "text/html")
    return message
