"""Times of day in words, the GOV.UK way, through one function everywhere (issue 25): officers
read "11:59pm", "midday" and "midnight", never "23:59", on pages and in emails."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from django.template import Context, Template

from common.dates import long_date, moment_words, time_of_day

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (time(23, 59, 59), "11:59pm"),
        (time(12, 0), "midday"),
        (time(0, 0), "midnight"),
        (time(9, 0), "9am"),
        (time(9, 30), "9:30am"),
        (time(0, 30), "12:30am"),
        (time(12, 5), "12:05pm"),
        (time(17, 0), "5pm"),
    ],
)
def test_a_time_of_day_in_words(at, words):
    assert time_of_day(at) == words


def test_an_aware_moment_is_read_in_london_time():
    # 11:00 UTC is midday in British Summer Time; 23:59:59 GMT is 11:59pm in winter.
    assert time_of_day(datetime(2027, 3, 29, 11, 0, tzinfo=UTC)) == "midday"
    assert long_date(datetime(2026, 3, 12, 23, 59, 59, tzinfo=UTC)) == "12 March 2026 at 11:59pm"
    assert moment_words(datetime(2026, 6, 8, 9, 0, tzinfo=UTC), datetime(2026, 6, 8, 10, 30, tzinfo=UTC)) == (
        "8 June 2026, 10am to 11:30am"
    )
    assert long_date(date(2026, 3, 12)) == "12 March 2026"


def test_the_template_filter_is_the_same_function():
    rendered = Template("{% load govuk %}{{ at|time_of_day }} / {{ moment|long_date }}").render(
        Context({"at": time(23, 59), "moment": datetime(2026, 3, 12, 12, 0, tzinfo=UTC)})
    )
    assert rendered == "11:59pm / 12 March 2026 at midday"


# The 24-hour clock as templates and Python would write it for a person to read.
CLOCK_IN_TEMPLATES = re.compile(r"""\|(?:date|time):"[^"]*[HGgi][^"]*\"""")
CLOCK_IN_PYTHON = re.compile(r"%H:%M|%I:%M")
# Not for people: file names, spreadsheet cells, parsers of what others write, the admin.
MACHINE_FORMATS = {
    "exports/tables.py",
    "registers/parsing.py",
    "notices/sync/core.py",
    "ops/models.py",
    "bench/ocds_import.py",
    "reports/views/decision_reports.py",
}


def test_no_template_email_or_message_writes_a_time_on_the_24_hour_clock():
    found = []
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file() and CLOCK_IN_TEMPLATES.search(path.read_text()):
            found.append(str(path.relative_to(ROOT)))
    for path in ROOT.glob("*/**/*.py"):
        relative = str(path.relative_to(ROOT))
        if relative.split("/")[0] in ("tests", ".venv", "node_modules", "build") or relative in MACHINE_FORMATS:
            continue
        if CLOCK_IN_PYTHON.search(path.read_text()):
            found.append(relative)
    assert found == [], "times of day go through common.dates.time_of_day (the |time_of_day filter)"
