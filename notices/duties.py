"""The Procurement Act 2023's notice duties: which notices a contract or a procurement needs, and by when.

Pure functions on dates: no ORM, no clock. ``notices.services`` turns what they return into
duties and milestones; tests call them directly.

How days are counted (domain brief, "Procurement Act 2023 duties"):

1. "N days beginning with" an event counts the event's own day as day 1, so 30 days beginning
   with 1 March ends on 30 March (``days_beginning_with``).
2. A working day is any day that is not a Saturday, a Sunday or a bank holiday in any part of
   the UK; ``common.workdays.is_working_day`` decides it from the ``holidays`` package, for
   England and Wales, Scotland and Northern Ireland together. "N working days beginning with"
   a day counts that day if it is a working day (``common.workdays.working_days_beginning_with``).

The rules (one function each, named after the notice):

- UK1 pipeline: within 56 days beginning with 1 April (26 May), if the authority expects to pay
  more than GBP 100m under relevant contracts in the financial year.
- UK6 contract award: published before the contract is entered into. The standstill is 8
  working days beginning with the day of publication; the contract may be entered into the
  day after it ends. Voluntary under the light-touch regime.
- UK7 contract details: within 30 days beginning with the day the contract is entered into
  (120 under the light-touch regime); a contract over GBP 5m also publishes the contract
  itself within 90 days (180 light touch).
- UK9 contract performance: contracts over GBP 5m with KPIs (not light touch, not
  frameworks) at least once in every 12 months, and on termination.
- UK10 contract change: before a contract is modified, unless the change is exempt (within
  10% of the value or of the maximum term, or a light-touch contract). Whether exercising an
  extension option written into the contract is a modification is a legal judgement, so the
  duty is raised and the officer records the view if it does not apply.
- UK11 contract termination: within 30 days beginning with the day the contract ends
  (expiry counts as termination), light touch included.
- UK17 payments compliance: reporting periods end on 31 March and 30 September; published
  within 30 days beginning with the period's last day (29 April, 29 October).

The tracker has no signing date for a contract: the day it is "entered into" is taken to be
its start date, and every duty that counts from it says so, so an officer who knows the
signing date can move the milestone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from common.dates import long_date
from common.workdays import working_days_beginning_with
from contracts.terms import term_end

ONE_DAY = timedelta(days=1)

# Section 69 (payments compliance) came into force on 1 October 2025; the rest of the Act on
# 24 February 2025.
ACT_IN_FORCE = date(2025, 2, 24)
PAYMENTS_COMPLIANCE_IN_FORCE = date(2025, 10, 1)

STANDSTILL_WORKING_DAYS = 8
CONTRACT_DETAILS_DAYS = 30
CONTRACT_DETAILS_DAYS_LIGHT_TOUCH = 120
CONTRACT_COPY_DAYS = 90
CONTRACT_COPY_DAYS_LIGHT_TOUCH = 180
TERMINATION_DAYS = 30
PAYMENTS_COMPLIANCE_DAYS = 30
PIPELINE_DAYS = 56
CONTRACT_COPY_THRESHOLD = Decimal("5000000")
KPI_THRESHOLD = Decimal("5000000")
PIPELINE_SPEND_THRESHOLD = Decimal("100000000")


# --- counting days ------------------------------------------------------------------------


def days_beginning_with(day: date, count: int) -> date:
    """The last day of a period of ``count`` days whose first day is ``day``."""
    if count < 1:
        raise ValueError("a period lasts at least one day")
    return day + timedelta(days=count - 1)


def standstill_end(published_on: date) -> date:
    """The last day of the standstill after a UK6 (or a voluntary UK10) published on ``published_on``."""
    return working_days_beginning_with(published_on, STANDSTILL_WORKING_DAYS)


def latest_publication_before(entry_on: date) -> date:
    """The last day a notice can be published for its standstill to end before ``entry_on``."""
    day = entry_on - ONE_DAY
    while standstill_end(day) >= entry_on:
        day -= ONE_DAY
    return day


# --- one rule per notice ------------------------------------------------------------------


def pipeline_due(financial_year_start: date) -> date:
    """UK1: 56 days beginning with the first day of the financial year (1 April: 26 May)."""
    return days_beginning_with(financial_year_start, PIPELINE_DAYS)


def pipeline_required(expected_spend: Decimal | None) -> bool:
    """UK1 is needed only by an authority expecting to pay more than GBP 100m in the year."""
    return expected_spend is not None and expected_spend > PIPELINE_SPEND_THRESHOLD


def contract_award_due(entry_on: date, *, light_touch: bool) -> date:
    """UK6: the last day to publish so that the contract can be entered into on ``entry_on``.

    Outside the light-touch regime the 8-working-day standstill must have ended first; under
    it the standstill is voluntary and the notice need only come before the contract.
    """
    if light_touch:
        return entry_on - ONE_DAY
    return latest_publication_before(entry_on)


def contract_details_due(entered_on: date, *, light_touch: bool) -> date:
    """UK7: 30 days beginning with the day the contract is entered into (120 light touch)."""
    days = CONTRACT_DETAILS_DAYS_LIGHT_TOUCH if light_touch else CONTRACT_DETAILS_DAYS
    return days_beginning_with(entered_on, days)


def contract_copy_due(entered_on: date, *, light_touch: bool) -> date:
    """The contract itself, for contracts over GBP 5m: 90 days beginning with entry (180 light touch)."""
    days = CONTRACT_COPY_DAYS_LIGHT_TOUCH if light_touch else CONTRACT_COPY_DAYS
    return days_beginning_with(entered_on, days)


def is_kpi_contract(*, value: Decimal | None, light_touch: bool, is_framework: bool) -> bool:
    """UK9 applies to contracts over GBP 5m, which must have KPIs, outside light touch and frameworks."""
    return value is not None and value > KPI_THRESHOLD and not light_touch and not is_framework


def performance_due_dates(start: date, end: date) -> list[date]:
    """UK9: the last day of each contract year that ends before the contract does.

    A notice at least once in every 12 months: one by the end of each year of the term. The
    notice on termination is ``termination_due``'s date, listed separately.
    """
    dates, year = [], 1
    while (year_end := term_end(start, 12 * year)) < end:
        dates.append(year_end)
        year += 1
    return dates


def modification_due(modified_on: date) -> date:
    """UK10: published before the modification takes effect, so by the day before."""
    return modified_on - ONE_DAY


def termination_due(last_day: date) -> date:
    """UK11: 30 days beginning with the day the contract ends, early or at expiry."""
    return days_beginning_with(last_day, TERMINATION_DAYS)


def reporting_period_ends(first: date, last: date) -> list[date]:
    """Every 31 March and 30 September ending a payments reporting period that overlaps first..last.

    Reporting periods run from 1 October 2025 in halves of the year; payments made while a
    contract runs fall in the periods that overlap its term.
    """
    first = max(first, PAYMENTS_COMPLIANCE_IN_FORCE)
    ends = []
    for year in range(first.year, last.year + 2):
        for period_end in (date(year, 3, 31), date(year, 9, 30)):
            period_start = date(year - 1, 10, 1) if period_end.month == 3 else date(year, 4, 1)
            if period_end >= first and period_start <= last:
                ends.append(period_end)
    return ends


def payments_compliance_due(period_end: date) -> date:
    """UK17: 30 days beginning with the period's last day (29 April, 29 October)."""
    return days_beginning_with(period_end, PAYMENTS_COMPLIANCE_DAYS)


# --- what a contract or a procurement needs -----------------------------------------------


class Kind:
    """The milestone kind each duty becomes (values of commissioning's Milestone.Kind)."""

    NOTICE = "notice"
    STANDSTILL_END = "standstill_end"


@dataclass(frozen=True)
class RequiredNotice:
    """One notice (or standstill) a contract or procurement needs, and the last day for it."""

    key: str  # stable per contract or cycle, e.g. "UK7", "UK10:option:2", "UK17:2028-03-31"
    notice_type: str
    title: str
    due_on: date
    basis: str  # how the date was worked out, in words
    note: str = ""  # what the officer should weigh, e.g. a legal judgement
    kind: str = Kind.NOTICE


@dataclass(frozen=True)
class OptionFacts:
    sequence: int
    starts_on: date
    is_open: bool  # available, proposed or approved: it may still be exercised
    length_label: str = ""


@dataclass(frozen=True)
class ContractFacts:
    reference: str
    start: date
    end: date
    terminated_on: date | None = None
    light_touch: bool = False
    value: Decimal | None = None
    is_framework: bool = False
    options: Sequence[OptionFacts] = field(default_factory=tuple)


ENTRY_NOTE = (
    "The tracker counts from the contract's start date, {start}; if the contract was signed "
    "earlier, the duty runs from the signing date: move this date."
)


def contract_duties(facts: ContractFacts) -> list[RequiredNotice]:
    """The notices a contract under the Act needs over its life (see the module docstring)."""
    ref, start = facts.reference, facts.start
    regime = " (light-touch regime)" if facts.light_touch else ""
    entry_note = ENTRY_NOTE.format(start=long_date(start))
    duties = [
        RequiredNotice(
            "UK7",
            "UK7",
            f"Publish the UK7 contract details notice for {ref}",
            contract_details_due(start, light_touch=facts.light_touch),
            f"{CONTRACT_DETAILS_DAYS_LIGHT_TOUCH if facts.light_touch else CONTRACT_DETAILS_DAYS} days{regime} "
            f"beginning with {long_date(start)}, the day the contract is entered into.",
            entry_note,
        )
    ]
    if facts.value is not None and facts.value > CONTRACT_COPY_THRESHOLD:
        duties.append(
            RequiredNotice(
                "UK7:copy",
                "UK7",
                f"Publish a copy of contract {ref} (over £5 million)",
                contract_copy_due(start, light_touch=facts.light_touch),
                f"{CONTRACT_COPY_DAYS_LIGHT_TOUCH if facts.light_touch else CONTRACT_COPY_DAYS} days{regime} "
                f"beginning with {long_date(start)}: contracts over £5 million publish the contract itself.",
                entry_note,
            )
        )
    last_day = facts.terminated_on or facts.end
    if is_kpi_contract(value=facts.value, light_touch=facts.light_touch, is_framework=facts.is_framework):
        for year, due in enumerate(performance_due_dates(start, last_day), start=1):
            duties.append(
                RequiredNotice(
                    f"UK9:{due.isoformat()}",
                    "UK9",
                    f"Publish the UK9 contract performance notice for {ref}, year {year}",
                    due,
                    f"At least once in every 12 months: by the end of contract year {year}, {long_date(due)}.",
                )
            )
        duties.append(
            RequiredNotice(
                "UK9:termination",
                "UK9",
                f"Publish the UK9 contract performance notice for {ref} on termination",
                termination_due(last_day),
                f"On termination: 30 days beginning with {long_date(last_day)}, the contract's last day.",
            )
        )
    if not facts.light_touch:
        for option in facts.options:
            if not option.is_open:
                continue
            due = modification_due(option.starts_on)
            duties.append(
                RequiredNotice(
                    f"UK10:option:{option.sequence}",
                    "UK10",
                    f"Publish a UK10 contract change notice before extension option {option.sequence} of {ref}",
                    due,
                    f"Before the modification: option {option.sequence}"
                    f"{f' ({option.length_label})' if option.length_label else ''} would start on "
                    f"{long_date(option.starts_on)}. With the voluntary 8-working-day standstill, publish by "
                    f"{long_date(latest_publication_before(option.starts_on))}.",
                    "Exercising an option written into the contract may not be a modification that "
                    "needs a UK10 (for example a change within 10% of the value or of the maximum "
                    "term): that is a legal judgement. If it does not apply, record the reason.",
                )
            )
    duties.append(
        RequiredNotice(
            "UK11",
            "UK11",
            f"Publish the UK11 contract termination notice for {ref}",
            termination_due(last_day),
            f"30 days beginning with {long_date(last_day)}, the day the contract "
            f"{'is terminated' if facts.terminated_on else 'expires (expiry counts as termination)'}.",
        )
    )
    for period_end in reporting_period_ends(start, last_day):
        duties.append(
            RequiredNotice(
                f"UK17:{period_end.isoformat()}",
                "UK17",
                f"Publish the UK17 payments compliance notice for the period ending {long_date(period_end)}",
                payments_compliance_due(period_end),
                f"30 days beginning with {long_date(period_end)}, the last day of the reporting period in which "
                f"{ref} may have been paid. One notice covers all of the authority's contracts.",
            )
        )
    return duties


@dataclass(frozen=True)
class PublishedNotice:
    notice_id: str
    published_on: date


@dataclass(frozen=True)
class CycleFacts:
    name: str
    target_start: date | None
    light_touch: bool = False
    award_notices: Sequence[PublishedNotice] = field(default_factory=tuple)  # UK6s published


def cycle_duties(facts: CycleFacts) -> list[RequiredNotice]:
    """The notices a procurement needs before its contracts are entered into."""
    duties = []
    if facts.target_start is not None:
        if facts.light_touch:
            basis = (
                f"Before the contract is entered into; the new contracts start on "
                f"{long_date(facts.target_start)}. The standstill is voluntary under the light-touch regime."
            )
        else:
            basis = (
                f"Before the contract is entered into, with the 8-working-day standstill ended: the new "
                f"contracts start on {long_date(facts.target_start)}."
            )
        duties.append(
            RequiredNotice(
                "UK6",
                "UK6",
                f"Publish the UK6 contract award notice for {facts.name}",
                contract_award_due(facts.target_start, light_touch=facts.light_touch),
                basis,
                "The last day if the contract is entered into the day before it starts: sign earlier, publish earlier.",
            )
        )
    if not facts.light_touch:
        for notice in facts.award_notices:
            end = standstill_end(notice.published_on)
            duties.append(
                RequiredNotice(
                    f"UK6:standstill:{notice.notice_id}",
                    "UK6",
                    f"Standstill after UK6 {notice.notice_id} ends: the contract may be entered into from {long_date(end + ONE_DAY)}",
                    end,
                    f"8 working days beginning with {long_date(notice.published_on)}, the day the UK6 was published "
                    "(weekends and every UK bank holiday excluded).",
                    kind=Kind.STANDSTILL_END,
                )
            )
    return duties


def earliest(dates: Iterable[date]) -> date | None:
    return min(dates, default=None)
