"""The reminder email: subject, plain text and HTML, and the signed acknowledge link."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Milestone

from .models import Reminder
from .offsets import LONDON

ACK_SALT = "reminders.acknowledge.v2"
# The outer bound on a stop link's age; it stops working sooner, once its milestone is met or passed.
ACK_MAX_AGE = 60 * 60 * 24 * 400


class LinkExpired(Exception):
    """A genuine stop link whose milestone is no longer open: the message says why."""


def london_words(milestone: Milestone) -> str:
    """'Thursday 12 March 2026 at 12:00', or 'Thursday 12 March 2026' for an all-day milestone."""
    if milestone.due_at is not None:
        local = timezone.localtime(milestone.due_at)
        return f"{local:%A %-d %B %Y} at {local:%H:%M}"
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


def subject_for(reminder: Reminder) -> str:
    milestone = reminder.milestone
    subject = milestone.subject
    name = getattr(subject, "reference", None) or subject.name
    prefix = {
        Reminder.Purpose.ESCALATION: "Escalation: ",
        Reminder.Purpose.OVERDUE: "Missed deadline: ",
    }.get(reminder.purpose, "Reminder: ")
    title = milestone.title.removeprefix(f"{name}: ")
    # Titles can come from imports: fold any line breaks so nothing can start a new header.
    return " ".join(f"{prefix}{name} – {title} – due {london_words(milestone)}".split())


def build_message(reminder: Reminder, *, now: datetime) -> EmailMultiAlternatives:
    milestone = reminder.milestone
    late = now - reminder.send_at > settings.REMINDER_LATE_AFTER
    context = {
        "reminder": reminder,
        "milestone": milestone,
        "subject_record": milestone.subject,
        "due_words": london_words(milestone),
        "days_left": (milestone.due_on - timezone.localdate(now)).days,
        "milestone_url": absolute(milestone.get_absolute_url()),
        "acknowledge_url": absolute(
            reverse("reminders:acknowledge", args=[acknowledge_token(reminder)])
        ),
        "late": late,
        "planned_for": timezone.localtime(reminder.send_at),
    }
    message = EmailMultiAlternatives(
        subject=subject_for(reminder),
        body=render_to_string("reminders/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient_email],
        headers={"X-Reminder-Id": str(reminder.pk), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("reminders/email/reminder.html", context), "text/html")
    return message
