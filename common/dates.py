"""Dates and times in words, the GOV.UK way: "1 March 2027", "11:59pm", "midday", "midnight".

One place for every page, email, note and message: a time of day is never shown on the
24-hour clock ("23:59") to an officer (issue 25).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def time_of_day(value: datetime | time) -> str:
    """9am, 9:30am, 11:59pm, midday, midnight; an aware datetime is read in London time.

    Seconds are dropped: an OCDS deadline of 23:59:59 is "11:59pm".
    """
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    hour, minute = value.hour, value.minute
    if (hour, minute) == (12, 0):
        return "midday"
    if (hour, minute) == (0, 0):
        return "midnight"
    clock = f"{hour % 12 or 12}" + (f":{minute:02d}" if minute else "")
    return clock + ("am" if hour < 12 else "pm")


def long_date(value: date | datetime) -> str:
    """1 March 2027; an aware datetime is shown in London time with its time of day
    ("12 March 2026 at 11:59pm")."""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local:%-d %B %Y} at {time_of_day(local)}"
    return f"{value:%-d %B %Y}"


def moment_words(start: datetime, end: datetime | None = None) -> str:
    """A moment or a span in London words: "12 March 2026 at midday"; "8 June 2026, 10am to
    11:30am"; "1 June 2026 at 9am to 2 June 2026 at 5pm"."""
    if end is None:
        return long_date(start)
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.date() == end.date():
        return f"{long_date(start.date())}, {time_of_day(start)} to {time_of_day(end)}"
    return f"{long_date(start)} to {long_date(end)}"


# What a long list of dated things (a contract's duties, its milestones) shows open on its page:
# the coming year, the last three months, and anything still to do however old. The rest sits
# behind a GOV.UK Details (issue 25: years of them made a contract page 20,000 px long at 320 px).
AHEAD = timedelta(days=365)
BEHIND = timedelta(days=91)


def now_earlier_later(items, today: date, *, day, settled) -> tuple[list, list, list]:
    """``items`` (in date order) in three lists: due within a year ahead or three months behind,
    or not yet ``settled`` however long ago; settled before that; due more than a year ahead.
    ``day`` and ``settled`` read an item's date and whether it is done with."""
    now, earlier, later = [], [], []
    for item in items:
        if day(item) > today + AHEAD:
            later.append(item)
        elif day(item) < today - BEHIND and settled(item):
            earlier.append(item)
        else:
            now.append(item)
    return now, earlier, later
