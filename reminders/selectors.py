"""Reads for the Reminders page and its download: which reminders a tab shows, in its order."""

from __future__ import annotations

from django.db.models import QuerySet

from access import policy

from .models import Reminder

# The page's tabs: key -> (label, statuses shown, order).
TABS = {
    "upcoming": ("Upcoming", [Reminder.Status.PLANNED, Reminder.Status.SENDING], "send_at"),
    "sent": ("Sent", [Reminder.Status.SENT], "-sent_at"),
    "failed": ("Failed", [Reminder.Status.FAILED], "-send_at"),
    "cancelled": ("Cancelled", [Reminder.Status.CANCELLED], "-send_at"),
}


def reminder_tab(show: str | None) -> str:
    """The tab asked for, or "upcoming" for a missing or hand-edited one."""
    return show if show in TABS else "upcoming"


def reminders_for_list(*, user, tab: str, mine: bool) -> QuerySet[Reminder]:
    """The reminders a person may see on one tab (only those to them if ``mine``)."""
    _, statuses, order = TABS[tab]
    reminders = policy.reminders_visible_to(user).filter(status__in=statuses).select_related(
        "milestone__contract", "milestone__cycle"
    ).order_by(order, "id")
    if mine:
        reminders = reminders.filter(recipient_email__iexact=user.email)
    return reminders
