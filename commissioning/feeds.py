"""Each officer's calendar feed: the milestones they can see, as iCalendar, at a secret address.

Calendar programs (Outlook, Google Calendar, Thunderbird) poll the address with a plain GET and
no session, so the token in the address is the only thing that says whose feed it is. The
calendar is built with the ``icalendar`` library, which writes the CRLF line endings and line
folding RFC 5545 asks for.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vDuration

from access import policy

from .models import CalendarFeed, Milestone

LONDON_TZID = "Europe/London"
LONDON = ZoneInfo(LONDON_TZID)

PRODID = "-//Commissioning tracker//Milestones//EN"
# How often calendar programs should fetch the feed again (RFC 7986 and Outlook's own property).
REFRESH = timedelta(hours=1)
# A milestone with a time of day but no end time shows as an hour long.
DEFAULT_LENGTH = timedelta(hours=1)
SHOWN_STATUSES = {Milestone.Status.MET: "met", Milestone.Status.MISSED: "missed"}


def calendar_milestones(user) -> QuerySet[Milestone]:
    """The milestones a person's calendar shows: what access.policy lets them see, not cancelled."""
    if not user.is_active:
        return Milestone.objects.none()
    return (
        policy.milestones_visible_to(user)
        .exclude(status=Milestone.Status.CANCELLED)
        .select_related("contract", "cycle")
        .order_by("due_on", "due_at", "pk")
    )


def calendar_feed_regenerate(*, user) -> CalendarFeed:
    """Give the person a new secret address; the old one stops working at once."""
    feed, _ = CalendarFeed.objects.update_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    return feed


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The feed a token opens, or None if it opens none (unknown, replaced, or person inactive)."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed


def london_timezone() -> Timezone:
    """The VTIMEZONE for Europe/London, as yearly rules.

    Written out rather than generated with ``Calendar.add_missing_timezones()``: icalendar 7.3
    lists each change as an RDATE, which Outlook ignores (it reads only DTSTART, RRULE and the
    offsets of a VTIMEZONE), and puts the spring change at 02:00 GMT instead of 01:00. These
    are the UK rules since 1996: BST from 01:00 GMT on the last Sunday of March to 01:00 GMT
    (02:00 BST) on the last Sunday of October.
    """
    timezone = Timezone()
    timezone.add("tzid", LONDON_TZID)
    timezone.add("x-lic-location", LONDON_TZID)

    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("tzoffsetfrom", timedelta(0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("dtstart", datetime(1996, 3, 31, 1, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})

    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(0))
    winter.add("dtstart", datetime(1996, 10, 27, 2, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})

    timezone.add_component(summer)
    timezone.add_component(winter)
    return timezone


def milestone_event(milestone: Milestone, *, link: str, uid_domain: str, now: datetime) -> Event:
    """One milestone as a calendar event.

    All-day milestones are all-day events (DATE values, ending the next day, as RFC 5545 has
    it); timed ones are given in London time with their TZID, an hour long unless they have an
    end time. Deadlines show as free time, events with an end time as busy.
    """
    event = Event()
    # Stable per milestone, so a moved milestone moves in the calendar instead of doubling.
    event.add("uid", f"milestone-{milestone.pk}@{uid_domain}")
    event.add("dtstamp", now)
    summary = milestone.title
    if milestone.status in SHOWN_STATUSES:
        summary = f"{summary} ({SHOWN_STATUSES[milestone.status]})"
    event.add("summary", summary)

    if milestone.is_all_day:
        event.add("dtstart", milestone.due_on)
        event.add("dtend", milestone.due_on + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        # Add the hour in UTC, so an event across a clock change still lasts an hour.
        ends_at = milestone.ends_at or milestone.due_at + DEFAULT_LENGTH
        event.add("dtstart", milestone.due_at.astimezone(LONDON))
        event.add("dtend", ends_at.astimezone(LONDON))
        event.add("transp", "OPAQUE" if milestone.ends_at else "TRANSPARENT")

    event.add("categories", [milestone.get_kind_display()])
    event.add("url", link)
    event.add("description", _description(milestone, link))
    return event


def _description(milestone: Milestone, link: str) -> str:
    subject = milestone.subject
    lines = [
        f"Contract {subject}" if milestone.contract_id else f"Commissioning cycle: {subject}",
        f"Status: {milestone.get_status_display()}",
    ]
    if milestone.description:
        lines += ["", milestone.description]
    lines += ["", f"Open in the commissioning tracker: {link}"]
    return "\n".join(lines)


def build_calendar(
    milestones: Iterable[Milestone],
    *,
    name: str,
    link_for: Callable[[Milestone], str],
    uid_domain: str,
    now: datetime,
) -> Calendar:
    """The whole feed: calendar properties, the London time zone and one event per milestone.

    ``link_for`` gives the absolute address of a milestone's page; ``now`` stamps the events.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Commissioning tracker: {name}")
    calendar.add("x-wr-caldesc", "Contract and commissioning milestones")
    calendar.add("x-wr-timezone", LONDON_TZID)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # An unknown X- property: icalendar would write a bare timedelta as "1:00:00".
    calendar.add("x-published-ttl", vDuration(REFRESH))
    # Always there, even with no timed events: it keeps an empty feed a valid calendar (RFC
    # 5545 wants at least one component) and matches X-WR-TIMEZONE.
    calendar.add_component(london_timezone())
    for milestone in milestones:
        calendar.add_component(milestone_event(milestone, link=link_for(milestone), uid_domain=uid_domain, now=now))
    return calendar


def feed_name(user) -> str:
    return user.get_full_name() or user.get_username()
