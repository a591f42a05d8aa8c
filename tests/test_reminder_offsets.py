"""Reminder times: offsets in months, weeks, days and UK working days (reminders.offsets)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from common.workdays import is_working_day
from reminders.offsets import MORNING_OF, Offset, OffsetError, parse_offset, parse_offsets, reminder_date, send_time

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("12 months", Offset(12, "months")),
        ("1 month", Offset(1, "months")),
        ("2 weeks", Offset(2, "weeks")),
        ("3 Days", Offset(3, "days")),
        ("2 working days", Offset(2, "working_days")),
        ("1 working day before", Offset(1, "working_days")),
        ("morning of", MORNING_OF),
        ("  0 days ", MORNING_OF),
    ],
)
def test_an_offset_is_read_as_an_officer_writes_it(text, offset):
    assert parse_offset(text) == offset


@pytest.mark.parametrize("text", ["soon", "2 fortnights", "-1 week", "weeks", "1e9 days"])
def test_an_unreadable_offset_says_how_to_write_one(text):
    with pytest.raises(OffsetError, match="write, for example, '3 months'"):
        parse_offset(text)


def test_a_list_of_offsets_is_sorted_longest_first_without_repeats():
    offsets = parse_offsets("morning of, 2 weeks, 12 months, 2 working days, 2 weeks, 1 month")
    assert [o.code for o in offsets] == ["12 months", "1 month", "2 weeks", "2 working days", "morning of"]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 12), True),  # a Thursday
        (date(2026, 3, 14), False),  # Saturday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday (not in Scotland, but in England)
        (date(2026, 3, 17), False),  # St Patrick's Day: Northern Ireland only, still not a UK working day
        (date(2026, 8, 3), False),  # Scotland's summer bank holiday
        (date(2026, 8, 31), False),  # England's summer bank holiday
        (date(2026, 11, 30), False),  # St Andrew's Day (Monday), Scotland
        (date(2022, 9, 19), False),  # the proclamation day for the Queen's funeral
    ],
)
def test_a_working_day_is_not_a_weekend_or_a_bank_holiday_anywhere_in_the_uk(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("due", "offset", "expected"),
    [
        (date(2026, 3, 12), Offset(2, "working_days"), date(2026, 3, 10)),
        (date(2026, 3, 16), Offset(2, "working_days"), date(2026, 3, 12)),  # over a weekend
        (date(2026, 3, 18), Offset(1, "working_days"), date(2026, 3, 16)),  # over St Patrick's Day
        (date(2026, 4, 7), Offset(2, "working_days"), date(2026, 4, 1)),  # over Easter
        (date(2027, 3, 31), Offset(12, "months"), date(2026, 3, 31)),
        (date(2027, 3, 31), Offset(1, "months"), date(2027, 2, 28)),
        (date(2026, 3, 12), Offset(2, "weeks"), date(2026, 2, 26)),
        (date(2026, 3, 12), MORNING_OF, date(2026, 3, 12)),
    ],
)
def test_reminder_dates_count_back_from_the_due_date(due, offset, expected):
    assert reminder_date(due, offset) == expected


def test_reminders_go_at_eight_in_the_morning_london_time_in_winter_and_summer():
    winter = send_time(date(2026, 3, 12), Offset(1, "weeks"), due_at=None, hour=8)
    summer = send_time(date(2027, 3, 29), MORNING_OF, due_at=None, hour=8)
    assert winter == datetime(2026, 3, 5, 8, 0, tzinfo=ZoneInfo("UTC"))
    assert summer == datetime(2027, 3, 29, 7, 0, tzinfo=ZoneInfo("UTC"))  # 08:00 BST


def test_a_morning_of_reminder_for_an_early_deadline_goes_an_hour_before_it():
    due_at = datetime(2026, 6, 8, 7, 30, tzinfo=LONDON)
    assert send_time(date(2026, 6, 8), MORNING_OF, due_at=due_at, hour=8) == datetime(2026, 6, 8, 6, 30, tzinfo=LONDON)
