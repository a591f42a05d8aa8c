"""UK working days: weekends and bank holidays, and counting working days from a date.

Pure functions on dates: no ORM, no clock, no Django. Reminders count "2 working days before" a
deadline with them (reminders/offsets.py) and the Procurement Act duties count "8 working days
beginning with" a publication with them (notices/duties.py). They live here, outside both apps,
because neither owns the calendar: ``common/`` holds what every app shares and imports nothing
of theirs.

A working day is any day that is not a Saturday, a Sunday or a bank holiday in any part of the
UK (England and Wales, Scotland, Northern Ireland), as the Procurement Act 2023 counts them; the
bank holidays, special proclamation days included, come from the ``holidays`` package.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def uk_bank_holidays(year: int) -> frozenset[date]:
    """Every bank holiday in ``year`` in any of the four nations."""
    days: set[date] = set()
    for subdivision in ("ENG", "WLS", "SCT", "NIR"):
        days.update(holidays.UK(subdiv=subdivision, years=year).keys())
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in uk_bank_holidays(day.year)


def working_days_before(day: date, count: int) -> date:
    """The date ``count`` working days before ``day`` (``day`` itself is not counted)."""
    current = day
    while count > 0:
        current -= ONE_DAY
        if is_working_day(current):
            count -= 1
    return current


def working_days_beginning_with(day: date, count: int) -> date:
    """The last day of a period of ``count`` working days beginning with ``day``.

    ``day`` is day 1 if it is a working day; otherwise the period starts on the next one.
    """
    if count < 1:
        raise ValueError("a period lasts at least one working day")
    current = day
    while not is_working_day(current):
        current += ONE_DAY
    counted = 1
    while counted < count:
        current += ONE_DAY
        if is_working_day(current):
            counted += 1
    return current
