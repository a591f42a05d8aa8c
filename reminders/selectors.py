"""Reads for the Reminders page and its download: which reminders a tab shows, in its order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet

from access import policy
from commissioning.models import Milestone
from common.counts import capped_counts, total_words
from common.keyset import Key
from contracts.models import Team

from .models import Reminder
from .offsets import LONDON

# The page's tabs: key -> (label, statuses shown, order).
TABS = {
    "upcoming": ("Upcoming", [Reminder.Status.PLANNED, Reminder.Status.SENDING], "send_at"),
    "sent": ("Sent", [Reminder.Status.SENT], "-sent_at"),
    "failed": ("Failed", [Reminder.Status.FAILED], "-send_at"),
    "cancelled": ("Cancelled", [Reminder.Status.CANCELLED], "-send_at"),
}


@dataclass(frozen=True)
class TabCount:
    """A tab's number of reminders in words: "23", or "more than 1,000" (``common.counts``)."""

    key: str
    label: str
    words: str


def reminder_tab(show: str | None) -> str:
    """The tab asked for, or "upcoming" for a missing or hand-edited one."""
    return show if show in TABS else "upcoming"


def reminder_keys(tab: str) -> list[Key]:
    """A tab's order for ``common.keyset.keyset_page``: the one ``reminders_for_list`` gives."""
    order = TABS[tab][2]
    descending = order.startswith("-")
    # The id runs the same way as the time, as the tab's index is read (forwards or backwards),
    # so "after this reminder" is one row value, "(send_at, id) > (x, y)", that the index starts at.
    return [
        Key(order.removeprefix("-"), descending=descending, nullable=order == "-sent_at"),
        Key("pk", descending=descending),
    ]


def reminders_of_team(reminders: QuerySet[Reminder], team: Team) -> QuerySet[Reminder]:
    """Those of ``reminders`` for the team's milestones: its contracts' and its cycles'.

    One UNION subquery of the team's milestones, each half read by its index, rather than
    ``Q(milestone__contract__team=...) | Q(milestone__cycle__team=...)``: PostgreSQL cannot use an
    index for an OR across two joins, so that form read every reminder (see access.policy).
    """
    contracts = Milestone.objects.filter(contract__team=team).order_by().values("pk")
    cycles = Milestone.objects.filter(cycle__team=team).order_by().values("pk")
    return reminders.filter(milestone_id__in=contracts.union(cycles))


def reminder_tab_counts(*, user, **filters) -> list[TabCount]:
    """Each tab's number of the reminders it would show with ``filters`` (``reminders_for_list``'s:
    team, mine, recipient, dates), counted up to ``common.counts.COUNT_CAP`` and no further
    (issue 24: an admin's counts read every reminder of a national service, 3 million at 100,000
    contracts, on each visit): one query for all the tabs, each reading at most 1,001 rows of an
    index, the same at 1,000 contracts as at 100,000."""
    found = capped_counts(**{key: reminders_for_list(user=user, tab=key, **filters) for key in TABS})
    return [TabCount(key=key, label=label, words=total_words(found[key])) for key, (label, _, _) in TABS.items()]


def reminders_for_list(
    *,
    user,
    tab: str,
    team: Team | None = None,
    mine: bool = False,
    recipient: str = "",
    sent_from: date | None = None,
    sent_to: date | None = None,
) -> QuerySet[Reminder]:
    """The reminders a person may see on one tab, filtered.

    ``team``: only those of the team's milestones; ``mine``: only those to them; ``recipient``: part of the name or address; ``sent_from`` and
    ``sent_to``: London days of the send time (the sent time on the "sent" tab).
    """
    _, statuses, order = TABS[tab]
    reminders = (
        policy.reminders_visible_to(user)
        .filter(status__in=statuses)
        .select_related("milestone__contract", "milestone__cycle")
        .order_by(order, "-id" if order.startswith("-") else "id")
    )
    if team is not None:
        reminders = reminders_of_team(reminders, team)
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


def with_milestones_read_after(reminders: QuerySet[Reminder]) -> QuerySet[Reminder]:
    """``reminders`` (from ``reminders_for_list``) with their milestones, and each one's contract
    or cycle, read in one more query for the rows found rather than joined: for a page of 50.
    Joined, PostgreSQL matched an officer's visible milestones against every milestone, 300,000
    at 100,000 contracts, to find a page's 50 (issue 24)."""
    return reminders.select_related(None).prefetch_related(
        Prefetch("milestone", Milestone.objects.select_related("contract", "cycle"))
    )


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
