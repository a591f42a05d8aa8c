"""When reminders go out: offsets before a due date, in calendar days, months or UK working days.

Pure functions; no ORM and no clock. An offset is written the way an officer would say it
("12 months", "2 weeks", "3 days", "2 working days", "morning of") and stored as that text.

Working days and bank holidays are counted by ``common.workdays`` (the one calendar), as the
Procurement Act duties count them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from common.workdays import working_days_before
from contracts.terms import add_months

LONDON = ZoneInfo("Europe/London")

UNITS = {
    "month": "months",
    "months": "months",
    "week": "weeks",
    "weeks": "weeks",
    "day": "days",
    "days": "days",
    "working day": "working_days",
    "working days": "working_days",
}

_PATTERN = re.compile(r"^\s*(\d{1,3})\s+(months?|weeks?|working\s+days?|days?)\s*(?:before)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Offset:
    """How long before the due date a reminder goes: ``Offset(2, "working_days")``."""

    amount: int
    unit: str  # months, weeks, days or working_days

    @property
    def code(self) -> str:
        """The offset as written and stored, e.g. "2 working days" or "morning of"."""
        if self.amount == 0:
            return "morning of"
        singular = {"months": "month", "weeks": "week", "days": "day", "working_days": "working day"}[self.unit]
        plural = self.unit.replace("_", " ")
        return f"{self.amount} {singular if self.amount == 1 else plural}"

    @property
    def label(self) -> str:
        return "on the morning it is due" if self.amount == 0 else f"{self.code} before"

    def __str__(self) -> str:
        return self.code


MORNING_OF = Offset(0, "days")


class OffsetError(ValueError):
    pass


def parse_offset(text: str) -> Offset:
    """Read one offset; the error says what is wrong in words an officer understands."""
    cleaned = " ".join(text.lower().split())
    if cleaned in {"morning of", "on the day", "0 days", "same day"}:
        return MORNING_OF
    match = _PATTERN.match(cleaned)
    if not match:
        raise OffsetError(
            f"'{text.strip()}' is not a reminder time: write, for example, '3 months', '2 weeks', "
            "'5 days', '2 working days' or 'morning of'"
        )
    amount, unit = int(match.group(1)), UNITS[" ".join(match.group(2).split())]
    if amount == 0:
        return MORNING_OF
    return Offset(amount, unit)


def parse_offsets(text: str) -> list[Offset]:
    """A comma-separated list, longest first, without repeats."""
    parts = [part for part in text.split(",") if part.strip()]
    return sorted({parse_offset(part) for part in parts}, key=_days_sort_key, reverse=True)


def _days_sort_key(offset: Offset) -> tuple[int, int]:
    approximate = {"months": 30, "weeks": 7, "days": 1, "working_days": 1.4}[offset.unit]
    return (round(offset.amount * approximate * 10), offset.amount)


def reminder_date(due_on: date, offset: Offset) -> date:
    if offset.unit == "months":
        return add_months(due_on, -offset.amount)
    if offset.unit == "weeks":
        return due_on - timedelta(weeks=offset.amount)
    if offset.unit == "working_days":
        return working_days_before(due_on, offset.amount)
    return due_on - timedelta(days=offset.amount)


def send_time(due_on: date, offset: Offset, *, due_at: datetime | None, hour: int) -> datetime:
    """When a reminder goes: ``hour`` o'clock London time on its day, and always before a timed deadline.

    Built from the London wall clock with zoneinfo, so 08:00 is 08:00 in GMT and in BST alike.
    "An hour before" is counted in UTC: London wall-clock arithmetic is an hour out for a deadline
    in the hour that repeats when the clocks go back.
    """
    send_at = datetime.combine(reminder_date(due_on, offset), time(hour), tzinfo=LONDON)
    if due_at is not None and send_at >= due_at:
        send_at = (due_at.astimezone(UTC) - timedelta(hours=1)).astimezone(LONDON)
    return send_at
