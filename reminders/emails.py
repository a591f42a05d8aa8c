"""The reminder email: subject, plain text and HTML, and the signed acknowledge link."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Milestone

from .models import Reminder

ACK_SALT = "reminders.acknowledge"
# An acknowledge link works for a year: long enough for a 12-month reminder's milestone.
ACK_MAX_AGE = 60 * 60 * 24 * 400


def london_words(milestone: Milestone) -> str:
    """'Thursday 12 March 2026 at 12:00', or 'Thursday 12 March 2026' for an all-day milestone."""
    if milestone.due_at is not None:
        local = timezone.localtime(milestone.due_at)
        return f"{local:%A %-d %B %Y} at {local:%H:%M}"
    return f"{milestone.due_on:%A %-d %B %Y}"


def acknowledge_token(milestone: Milestone, email: str) -> str:
    return signing.dumps({"m": milestone.pk, "e": email}, salt=ACK_SALT, compress=True)


def read_acknowledge_token(token: str) -> tuple[int, str]:
    """The milestone id and email address a link was made for; raises signing.BadSignature."""
    data = signing.loads(token, salt=ACK_SALT, max_age=ACK_MAX_AGE)
    return int(data["m"]), str(data["e"])


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
            reverse("reminders:acknowledge", args=[acknowledge_token(milestone, reminder.recipient_email)])
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
