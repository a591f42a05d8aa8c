"""Reading a council's meeting calendar (iCalendar, as committee systems such as modern.gov
export it) with the ``icalendar`` library. Pure: no ORM.

Each VEVENT whose summary names the decision body (for example "Cabinet") becomes a meeting:
its UID, title, day in London, and start time if it has one. A calendar that cannot be read
gets one clear message; an event with no start or no UID is named by its position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar

LONDON = ZoneInfo("Europe/London")
MAX_EVENTS = 5000


@dataclass(frozen=True)
class MeetingRow:
    uid: str
    title: str
    meets_on: date
    starts_at: datetime | None


def read_meetings_ics(data: bytes, *, body: str) -> tuple[list[MeetingRow], list[str]]:
    """The calendar's meetings of ``body`` (matched in the event's summary, any case), or its problems."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as error:  # icalendar on hostile input
        return [], [f"The file is not an iCalendar (.ics) file that can be read: {str(error)[:120]}"]
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        return [], ["The file is not an iCalendar (.ics) file: it has no VCALENDAR"]
    rows, problems = [], []
    for position, event in enumerate(calendar.walk("VEVENT"), start=1):
        if position > MAX_EVENTS:
            problems.append(f"The calendar has more than {MAX_EVENTS:,} events: export a shorter period")
            break
        if any(isinstance(event.get(name), list) for name in ("SUMMARY", "UID", "DTSTART")):
            problems.append(f"Event {position} has more than one title, UID or start")
            continue
        summary = str(event.get("SUMMARY") or "").strip()
        if body.casefold() not in summary.casefold():
            continue
        uid = str(event.get("UID") or "").strip()
        start = event.get("DTSTART")
        if not uid:
            problems.append(f"Event {position} ('{summary[:60]}') has no UID")
            continue
        if start is None:
            problems.append(f"Event {position} ('{summary[:60]}') has no start date")
            continue
        try:
            value = start.dt
        except ValueError:  # icalendar's BrokenCalendarProperty: a start that is not a date
            problems.append(f"Event {position} ('{summary[:60]}') has a start that cannot be read")
            continue
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=LONDON)  # floating time: the council's own
            london = aware.astimezone(LONDON)
            rows.append(MeetingRow(uid[:255], summary[:255], london.date(), aware))
        elif isinstance(value, date):
            rows.append(MeetingRow(uid[:255], summary[:255], value, None))
        else:
            problems.append(f"Event {position} ('{summary[:60]}') has a start that is not a date")
    if not rows and not problems:
        problems.append(f"The calendar has no meetings whose title includes '{body}'")
    return rows, problems
