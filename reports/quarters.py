"""Financial-year quarters, as councils report them: pure functions, no ORM, no clock.

A council's financial year runs from 1 April to 31 March and is written "2016/17". Quarter 1
is April to June, quarter 2 July to September, quarter 3 October to December and quarter 4
January to March of the next calendar year. A quarter is identified by the calendar year the
financial year starts in and its number: (2016, 3) is "2016/17 Q3", 1 October to 31 December
2016.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from contracts import terms

FIRST_MONTH = 4  # April


@dataclass(frozen=True, order=True)
class Quarter:
    year: int  # the calendar year the financial year starts in
    number: int  # 1 to 4

    def __post_init__(self):
        if self.number not in (1, 2, 3, 4):
            raise ValueError("a quarter is numbered 1 to 4")

    @property
    def start(self) -> date:
        return terms.add_months(date(self.year, FIRST_MONTH, 1), 3 * (self.number - 1))

    @property
    def end(self) -> date:
        return terms.add_months(self.start, 3) - timedelta(days=1)

    @property
    def financial_year(self) -> str:
        return financial_year_label(self.year)

    @property
    def label(self) -> str:
        return f"{self.financial_year} Q{self.number}"

    @property
    def long_label(self) -> str:
        return f"{self.financial_year} Quarter {self.number}"

    def __str__(self) -> str:
        return self.label


def financial_year_label(year: int) -> str:
    """2016 → "2016/17"; 1999 → "1999/00"."""
    return f"{year}/{(year + 1) % 100:02d}"


def quarter_containing(day: date) -> Quarter:
    """The financial quarter ``day`` falls in: 1 January 2017 is in 2016/17 Q4."""
    months_into_year = (day.month - FIRST_MONTH) % 12
    year = day.year if day.month >= FIRST_MONTH else day.year - 1
    return Quarter(year, months_into_year // 3 + 1)


_YEAR = re.compile(r"^(?P<year>\d{4})(?:\s*[/-]\s*(?P<next>\d{2}|\d{4}))?$")
_QUARTER = re.compile(r"^(?:q|quarter)?\s*(?P<number>[1-4])$", re.IGNORECASE)


def parse_financial_year(text: str) -> int:
    """ "2016/17", "2016-17", "2016/2017" or "2016" → 2016; anything else raises ValueError."""
    match = _YEAR.match(text.strip())
    if not match:
        raise ValueError(text)
    year = int(match["year"])
    if match["next"] is not None:
        following = int(match["next"])
        expected = year + 1 if len(match["next"]) == 4 else (year + 1) % 100
        if following != expected:
            raise ValueError(text)
    return year


def parse_quarter_number(text: str) -> int:
    """ "3", "Q3" or "Quarter 3" → 3; anything else raises ValueError."""
    match = _QUARTER.match(text.strip())
    if not match:
        raise ValueError(text)
    return int(match["number"])
