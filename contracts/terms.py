"""Contract term arithmetic: pure functions on dates, no ORM, no clock.

Every date a contract derives (end of the initial term, end of each extension option, the
current end date, the maximum extent) is computed here, always anchored on the contract's
start date and never by adding to a previous end date. End dates are inclusive days.

The convention, for a term of N months starting on day S:

1. Find the anniversary: the same day of the month as S, N months later.
2. If that day exists, the term ends the day before it
   (1 Mar 2027 + 60 months ends 29 Feb 2032; + 72 months ends 28 Feb 2033).
3. If it does not exist (S is the 29th, 30th or 31st and the target month is shorter), the
   term ends on the last day of the target month
   (31 Jan + 1 month ends 28 or 29 Feb; 29 Feb 2028 + 12 months ends 28 Feb 2029).

Rule 3 gives a term that covers every day up to the missing anniversary, so a one-month term
from 31 January covers all of February rather than losing its last day.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ONE_DAY = timedelta(days=1)


def _anniversary(start: date, months: int) -> date | None:
    """The same day of the month as ``start``, ``months`` later, or None if it does not exist."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if start.day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, start.day)


def term_end(start: date, months: int) -> date:
    """The last day (inclusive) of a term of ``months`` months beginning on ``start``."""
    if months < 1:
        raise ValueError("a term lasts at least one month")
    anniversary = _anniversary(start, months)
    if anniversary is None:
        month_index = start.month - 1 + months
        year, month = start.year + month_index // 12, month_index % 12 + 1
        return date(year, month, calendar.monthrange(year, month)[1])
    return anniversary - ONE_DAY


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` months, clamped to the end of a shorter month.

    For windows such as "ending within 6 months of today", not for terms (use term_end).
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class OptionPeriod:
    """Where one extension option falls, if every option before it is exercised."""

    sequence: int
    start: date
    end: date


def option_periods(
    start: date, initial_months: int, option_months: Sequence[int], ruled_out: Collection[int] = ()
) -> list[OptionPeriod]:
    """The period of each extension option, in sequence, anchored on the contract start.

    Option k starts the day after the end of the term that includes options 1..k-1 and ends
    where a term of the initial months plus options 1..k ends. An option ruled out (declined or
    lapsed: its position from 1 is in ``ruled_out``) never runs: it keeps the period it would
    have had, but the options after it follow on from the ones that can still run, so an option
    added after a declined one takes the declined one's place.
    """
    periods = []
    months_so_far = initial_months
    for sequence, months in enumerate(option_months, start=1):
        option_start = term_end(start, months_so_far) + ONE_DAY
        periods.append(OptionPeriod(sequence, option_start, term_end(start, months_so_far + months)))
        if sequence not in ruled_out:
            months_so_far += months
    return periods


def current_end(start: date, initial_months: int, exercised_months: Iterable[int]) -> date:
    """The end of the initial term plus every exercised option."""
    return term_end(start, initial_months + sum(exercised_months))


def end_if_exercised(start: date, initial_months: int, option_months: Sequence[int]) -> date:
    """Where the contract would end if the last of ``option_months`` were exercised.

    Options are taken in order, so ``option_months`` are the lengths of options 1 to k: the
    option being decided and every one before it.
    """
    return term_end(start, initial_months + sum(option_months))


def max_extent(start: date, initial_months: int, option_months: Iterable[int], written: date | None) -> date:
    """The maximum extent written in the contract, or failing that where its last option would end."""
    if written is not None:
        return written
    return term_end(start, initial_months + sum(option_months))


def last_day(*, current_end: date, max_extent: date, terminated_on: date | None = None) -> date:
    """The latest day the service can run under a contract.

    1. A contract ended early runs to its termination date (or its current end, if that is
       earlier): no option can be exercised any more.
    2. Otherwise its maximum extent (``max_extent`` above), or its current end should an
       option already exercised run past a maximum extent entered since.
    """
    if terminated_on is not None:
        return min(terminated_on, current_end)
    return max(current_end, max_extent)


class Phase(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    IN_EXTENSION = "in_extension"
    EXPIRED = "expired"
    TERMINATED = "terminated"


PHASE_LABELS = {
    Phase.PLANNED: "Planned",
    Phase.ACTIVE: "Active",
    Phase.IN_EXTENSION: "In extension",
    Phase.EXPIRED: "Expired",
    Phase.TERMINATED: "Terminated",
}


def phase_on(
    today: date,
    *,
    start: date,
    initial_end: date,
    end: date,
    terminated_on: date | None = None,
) -> Phase:
    """Where a contract stands on ``today``.

    A contract terminated early is terminated from the day after its termination date; one
    that simply ran out is expired from the day after its current end.
    """
    if terminated_on is not None and today > terminated_on:
        return Phase.TERMINATED
    if today < start:
        return Phase.PLANNED
    if today > end:
        return Phase.EXPIRED
    if today > initial_end:
        return Phase.IN_EXTENSION
    return Phase.ACTIVE


def whole_months_between(start: date, day: date) -> int:
    """How many whole months of a term starting on ``start`` have ended before ``day``."""
    months = max(0, (day.year - start.year) * 12 + day.month - start.month - 1)
    while term_end(start, months + 1) < day:
        months += 1
    while months > 0 and term_end(start, months) >= day:
        months -= 1
    return months


def months_ending_on(start: date, end: date) -> int | None:
    """The initial term, in months, of a contract starting on ``start`` whose term ends on
    ``end`` (inclusive), or None when no whole number of months ends that day.

    The officer may give an end date instead of a number of months; this is the inverse of
    ``term_end``: 1 March 2027 to 29 February 2032 is 60 months.
    """
    if end < start:
        return None
    months = whole_months_between(start, end + ONE_DAY)
    if months >= 1 and term_end(start, months) == end:
        return months
    return None


def contract_year(today: date, *, start: date, end: date) -> tuple[int, int] | None:
    """ "Year X of Y": the contract year ``today`` falls in and how many years the term runs.

    Years are counted from the start date; a part year at the end counts as a year. None
    before the start and after the end.
    """
    if today < start or today > end:
        return None
    total_months = whole_months_between(start, end + ONE_DAY)
    total_years = max(1, -(-total_months // 12))
    current_year = whole_months_between(start, today) // 12 + 1
    return min(current_year, total_years), total_years


def options_beyond(
    start: date, initial_months: int, option_months: Sequence[int], max_extent: date
) -> list[OptionPeriod]:
    """The options that would run past the maximum extent date if exercised in turn."""
    return [p for p in option_periods(start, initial_months, option_months) if p.end > max_extent]


def option_decision_due(option_start: date, *, notice_months: int, approval_weeks: int) -> date:
    """The last day to decide an extension option.

    Worked backwards from the day the option would start: first the notice the contract says
    the provider must be given, then the time the decision route needs (drafting a Cabinet
    report and waiting for the meeting). The notice is "N months before the start", so a
    start on the 31st with notice landing in a shorter month moves to that month's last day.
    """
    return add_months(option_start, -notice_months) - timedelta(weeks=approval_weeks)


def option_worth(value: Decimal | None, *, annual_value: Decimal | None, length_months: int) -> Decimal | None:
    """What exercising an option is worth: its own value, else the contract's annual value for its length."""
    if value is not None:
        return value
    if annual_value is not None:
        return (annual_value * length_months / 12).quantize(Decimal("0.01"))
    return None
