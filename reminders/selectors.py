"""Reads for the Reminders page and its download: which reminders a tab shows, in its order."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet

from access import policy
from common.keyset import Key

from .models import Reminder
from .offsets import LONDON

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


def reminder_keys(tab: str) -> list[Key]:
    """A tab's order for ``common.keyset.keyset_page``: the one ``reminders_for_list`` gives."""
    order = TABS[tab][2]
    return [Key(order.removeprefix("-"), descending=order.startswith("-"), nullable=order == "-sent_at")]


def reminders_for_list(
    *,
    user,
    tab: str,
    mine: bool = False,
    recipient: str = "",
    sent_from: date | None = None,
    sent_to: date | None = None,
) -> QuerySet[Reminder]:
    """The reminders a person may see on one tab, filtered.

    ``mine``: only those to them; ``recipient``: part of the name or address; ``sent_from`` and
    ``sent_to``: London days of the send time (the sent time on the "sent" tab).
    """
    _, statuses, order = TABS[tab]
    reminders = (
        policy.reminders_visible_to(user)
        .filter(status__in=statuses)
        .select_related("milestone__contract", "milestone__cycle")
        .order_by(order, "id")
    )
    if mine:
        reminders = reminders.filter(recipient_email__iexact=user.email)
    if recipient:
        reminders = reminders.filter(Q(recipient_email__icontains=recipient) | Q(recipient_name__icontains=recipient))
    when = "sent_at" if tab == "sent" else "send_at"
    if sent_from:
        reminders = reminders.filter(**{f"{when}__gte": datetime.combine(sent_from, time(0), tzinfo=LONDON)})
    if sent_to:
        reminders = reminders.filter(
            **{f"{when}__lt": datetime.combine(sent_to + timedelta(days=1), time(0), tzinfo=LONDON)}
        )
    return reminders


def reminders_sent_together(reminder: Reminder) -> list[Reminder]:
    """The rows that go (or went) in the same email as ``reminder``: its recipient's, at its send time."""
    if reminder.status in (Reminder.Status.PLANNED, Reminder.Status.SENDING):
        rows = Reminder.objects.filter(
            recipient_email=reminder.recipient_email,
            send_at=reminder.send_at,
            status__in=[Reminder.Status.PLANNED, Reminder.Status.SENDING],
        )
    elif reminder.status == Reminder.Status.SENT:
        rows = Reminder.objects.filter(
            recipient_email=reminder.recipient_email, sent_at=reminder.sent_at, status=Reminder.Status.SENT
        )
    else:
        rows = Reminder.objects.filter(pk=reminder.pk)
    return list(rows.select_related("milestone__contract__team", "milestone__cycle__team", "milestone__owner"))
