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

- UK8 contract payment (s.70): for procurements commenced on or after 1 April 2026, each
  quarter in which a payment over GBP 30,000 (VAT included) was made: 30 days beginning with
  the quarter's last day (29 July, 29 October, 29 January, 29 April).
- UK9 on a breach (s.71): 30 days beginning with a breach that led to termination, damages or
  a settlement, or a failure to improve after a notice to do so.
- UK12 procurement termination (s.55): as soon as reasonably practicable after deciding not to
  award; the tracker shows a target of 30 days.
- Assessment summaries (s.50(3)): to every assessed supplier before the UK6 is published.
- UK5 transparency (s.44): before a direct award.
- Below-threshold contract details (s.87): as soon as reasonably practicable after entering
  into a notifiable below-threshold contract; the tracker shows a target of 30 days.

The day a contract is "entered into" is the day it was signed (``ContractFacts.entered_on``).
Until the tracker knows it, the duties that count from it are provisional and count from the
planned signing date in the procurement's timetable, or failing that the start date, and say
so. When duties came into force, and the thresholds that decide which apply, are dated tables
with their sources in ``notices.thresholds``; duties from outside the Act that the tracker
keeps beside them (Best Value, key decisions, the Domestic Abuse Act 2021) are in
``notices.council_duties``; ``contract_council_duties`` applies them to a contract, under the
Act or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from common.dates import long_date
from common.workdays import working_days_beginning_with
from contracts.terms import term_end

from . import council_duties
from .thresholds import (
    ENGLAND,
    Classification,
    Regime,
    classify_contract,
    in_force_from,
)

ONE_DAY = timedelta(days=1)

# When each duty came into force: notices.thresholds.COMMENCEMENTS, with their sources.
ACT_IN_FORCE = in_force_from("act")
PAYMENTS_COMPLIANCE_IN_FORCE = in_force_from("UK17")  # 1 January 2026 in England

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
PIPELINE_CONTRACT_THRESHOLD = Decimal("2000000")
PIPELINE_PERIOD_MONTHS = 18
PAYMENT_NOTICE_THRESHOLD = Decimal("30000")
CONTRACT_PAYMENT_DAYS = 30
BREACH_DAYS = 30
# "As soon as reasonably practicable": the target the tracker shows.
PRACTICABLE_TARGET_DAYS = 30


# --- counting days ------------------------------------------------------------------------


def days_beginning_with(day: date, count: int) -> date:
    """The last day of a period of ``count`` days whose first day is ``day``."""
    if count < 1:
        raise ValueError("a period lasts at least one day")
    return day + timedelta(days=count - 1)


def standstill_end(published_on: date) -> date:
    """s.51 (the same for a voluntary UK10): the last of the 8 working days of standstill beginning with publication."""
    return working_days_beginning_with(published_on, STANDSTILL_WORKING_DAYS)


def latest_publication_before(entry_on: date) -> date:
    """s.51: the last day a notice can be published for its standstill to end before ``entry_on``."""
    day = entry_on - ONE_DAY
    while standstill_end(day) >= entry_on:
        day -= ONE_DAY
    return day


# --- one rule per notice ------------------------------------------------------------------


def pipeline_due(financial_year_start: date) -> date:
    """UK1 (s.93): 56 days beginning with the first day of the financial year (1 April: 26 May)."""
    return days_beginning_with(financial_year_start, PIPELINE_DAYS)


def pipeline_required(expected_spend: Decimal | None) -> bool:
    """UK1 (s.93) is needed only by an authority expecting to pay more than GBP 100m in the year."""
    return expected_spend is not None and expected_spend > PIPELINE_SPEND_THRESHOLD


def contract_award_due(entry_on: date, *, light_touch: bool) -> date:
    """UK6 (s.50, standstill s.51): the last day to publish so that the contract can be entered into on ``entry_on``.

    Outside the light-touch regime the 8-working-day standstill must have ended first; under
    it the standstill is voluntary and the notice need only come before the contract.
    """
    if light_touch:
        return entry_on - ONE_DAY
    return latest_publication_before(entry_on)


def contract_details_due(entered_on: date, *, light_touch: bool) -> date:
    """UK7 (s.53): 30 days beginning with the day the contract is entered into (120 light touch)."""
    days = CONTRACT_DETAILS_DAYS_LIGHT_TOUCH if light_touch else CONTRACT_DETAILS_DAYS
    return days_beginning_with(entered_on, days)


def contract_copy_due(entered_on: date, *, light_touch: bool) -> date:
    """s.53: the contract itself, for contracts over GBP 5m: 90 days beginning with entry (180 light touch)."""
    days = CONTRACT_COPY_DAYS_LIGHT_TOUCH if light_touch else CONTRACT_COPY_DAYS
    return days_beginning_with(entered_on, days)


def is_kpi_contract(*, value: Decimal | None, light_touch: bool, is_framework: bool) -> bool:
    """s.52: UK9 applies to contracts over GBP 5m, which must have KPIs, outside light touch and frameworks."""
    return value is not None and value > KPI_THRESHOLD and not light_touch and not is_framework


def performance_due_dates(start: date, end: date) -> list[date]:
    """UK9 (s.71): the last day of each contract year that ends before the contract does.

    A notice at least once in every 12 months: one by the end of each year of the term. The
    notice on termination is ``termination_due``'s date, listed separately.
    """
    dates, year = [], 1
    while (year_end := term_end(start, 12 * year)) < end:
        dates.append(year_end)
        year += 1
    return dates


def modification_due(modified_on: date) -> date:
    """UK10 (s.75): published before the modification takes effect, so by the day before."""
    return modified_on - ONE_DAY


def termination_due(last_day: date) -> date:
    """UK11 (s.80): 30 days beginning with the day the contract ends, early or at expiry."""
    return days_beginning_with(last_day, TERMINATION_DAYS)


def reporting_period_ends(first: date, last: date, *, nation: str = ENGLAND) -> list[date]:
    """Every 31 March and 30 September ending a payments reporting period that overlaps first..last.

    s.69 and regulation 38: periods are the halves of the year ending 31 March and 30
    September, from the day s.69 came into force (1 January 2026 in England, so the first
    period runs 1 January to 31 March 2026); payments made while a contract runs fall in the
    periods that overlap its term.
    """
    in_force = in_force_from("UK17", nation)
    if in_force is None:
        return []
    first = max(first, in_force)
    ends = []
    for year in range(first.year, last.year + 2):
        for period_end in (date(year, 3, 31), date(year, 9, 30)):
            period_start = max(date(year - 1, 10, 1) if period_end.month == 3 else date(year, 4, 1), in_force)
            if period_end >= first and period_start <= last:
                ends.append(period_end)
    return ends


def payments_compliance_due(period_end: date) -> date:
    """UK17 (s.69): 30 days beginning with the period's last day (29 April, 29 October)."""
    return days_beginning_with(period_end, PAYMENTS_COMPLIANCE_DAYS)


def quarter_end(day: date) -> date:
    """s.70: the last day of the quarter (ending 30 June, 30 September, 31 December, 31 March) ``day`` is in."""
    month = ((day.month - 1) // 3 + 1) * 3
    return date(day.year, month, 30 if month in (6, 9) else 31)


def contract_payment_due(quarter_last_day: date) -> date:
    """UK8 (s.70): 30 days beginning with the quarter's last day (29 July, 29 October, 29 January, 29 April)."""
    return days_beginning_with(quarter_last_day, CONTRACT_PAYMENT_DAYS)


def contract_payment_applies(procurement_started_on: date, *, nation: str = ENGLAND) -> bool:
    """UK8 (s.70) applies only to contracts whose procurement commenced on or after 1 April 2026 (England)."""
    in_force = in_force_from("UK8", nation)
    return in_force is not None and procurement_started_on >= in_force


def payment_needs_notice(amount_with_vat: Decimal) -> bool:
    """UK8 (s.70(1)): a payment of more than £30,000, VAT included."""
    return amount_with_vat > PAYMENT_NOTICE_THRESHOLD


def breach_notice_due(event_on: date) -> date:
    """UK9 on a breach (s.71): 30 days beginning with the termination, damages, settlement or failure to improve."""
    return days_beginning_with(event_on, BREACH_DAYS)


def procurement_termination_due(decided_on: date) -> date:
    """UK12 (s.55): as soon as reasonably practicable after deciding not to award; target 30 days."""
    return days_beginning_with(decided_on, PRACTICABLE_TARGET_DAYS)


def below_threshold_details_due(entered_on: date) -> date:
    """Below-threshold contract details (s.87): as soon as reasonably practicable after entry; target 30 days."""
    return days_beginning_with(entered_on, PRACTICABLE_TARGET_DAYS)


def assessment_summaries_due(award_notice_due: date) -> date:
    """Assessment summaries (s.50(3)): to every assessed supplier before the UK6, so by the UK6's own last day."""
    return award_notice_due


def transparency_notice_due(entry_on: date) -> date:
    """UK5 (s.44): published before a direct award is made, so by the day before the contract is entered into."""
    return entry_on - ONE_DAY


def pipeline_period(financial_year_start: date) -> tuple[date, date]:
    """s.93(2): the 18 months beginning with the first day of the financial year."""
    from contracts.terms import term_end as _term_end

    return financial_year_start, _term_end(financial_year_start, PIPELINE_PERIOD_MONTHS)


def in_pipeline(
    financial_year_start: date,
    *,
    value_with_vat: Decimal | None,
    tender_published_on: date | None,
    planned_tender_on: date | None,
) -> bool:
    """UK1 (s.93): a procurement over £2m whose tender (or transparency) notice is planned in the period.

    A procurement whose tender notice was already published before the year began is not in
    that year's pipeline; one with no planned tender date cannot be placed, so is left out.
    """
    if value_with_vat is None or value_with_vat <= PIPELINE_CONTRACT_THRESHOLD:
        return False
    first, last = pipeline_period(financial_year_start)
    if tender_published_on is not None and tender_published_on < first:
        return False
    return planned_tender_on is not None and first <= planned_tender_on <= last


# --- what a contract or a procurement needs -----------------------------------------------


class Kind:
    """The milestone kind each duty becomes (values of commissioning's Milestone.Kind)."""

    NOTICE = "notice"
    STANDSTILL_END = "standstill_end"
    OTHER = "other"  # a duty that is not a notice (assessment summaries, notice to a provider)
    DECISION_MEETING = "decision_meeting"


@dataclass(frozen=True)
class RequiredNotice:
    """One notice (or standstill, or other dated duty) a contract or procurement needs, and the last day for it."""

    key: str  # stable per contract or cycle, e.g. "UK7", "UK10:option:2", "UK17:2028-03-31"
    notice_type: str  # "" for a duty that is not a notice
    title: str
    due_on: date
    basis: str  # how the date was worked out, in words
    note: str = ""  # what the officer should weigh, e.g. a legal judgement
    kind: str = Kind.NOTICE
    provisional: bool = False  # counted from a date the tracker does not know yet


@dataclass(frozen=True)
class OptionFacts:
    sequence: int
    starts_on: date
    is_open: bool  # available, proposed or approved: it may still be exercised
    length_label: str = ""
    declined: bool = False
    value: Decimal | None = None  # what exercising it is worth: the option's value, or the annual value for its length


@dataclass(frozen=True)
class KeyDecisionFacts:
    """The buyer's key-decision rules and its decision body's meeting days (SI 2012/2089)."""

    threshold: Decimal
    body: str
    report_working_days: int
    meetings: Sequence[date]
    provider_notice_months: int


@dataclass(frozen=True)
class PaymentFacts:
    paid_on: date
    amount: Decimal  # VAT included


@dataclass(frozen=True)
class BreachFacts:
    occurred_on: date
    what: str  # in words: "terminated for breach", "damages paid"...


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
    # The day the contract was entered into (signed), once known; until then the planned
    # signing date from the procurement's timetable, and where that date came from.
    entered_on: date | None = None
    planned_entry_on: date | None = None
    planned_entry_source: str = ""
    value_includes_vat: bool | None = None
    procurement_started_on: date | None = None  # None: taken to be the start date
    nation: str = ENGLAND
    payments: Sequence[PaymentFacts] = field(default_factory=tuple)
    breaches: Sequence[BreachFacts] = field(default_factory=tuple)
    provider_is_vcse: bool = False
    decision: str = ""  # Contract.Decision's value: extend, retender, decommission...
    decided_on: date | None = None
    key_decisions: KeyDecisionFacts | None = None


@dataclass(frozen=True)
class Entry:
    """The day the duties count from, and whether it is only planned."""

    day: date
    provisional: bool
    words: str  # "1 December 2026, the day the contract was entered into (signed)"


def entry_day(facts: ContractFacts) -> Entry:
    """s.53 counts from the day the contract is entered into: the signing date, else the planned one, else the start."""
    if facts.entered_on is not None:
        return Entry(
            facts.entered_on, False, f"{long_date(facts.entered_on)}, the day the contract was entered into (signed)"
        )
    if facts.planned_entry_on is not None:
        source = f" ({facts.planned_entry_source})" if facts.planned_entry_source else ""
        return Entry(
            facts.planned_entry_on, True, f"{long_date(facts.planned_entry_on)}, the planned signing date{source}"
        )
    return Entry(
        facts.start, True, f"{long_date(facts.start)}, the contract's start date (no signing date is known yet)"
    )


PROVISIONAL_NOTE = (
    "Provisional: the tracker does not know the day the contract was signed, so it counts from "
    "{words}. Record the date signed on the contract and this date follows it."
)


def classify(facts: ContractFacts) -> Classification:
    """The contract's regime under the Act (notices.thresholds.classify_contract)."""
    return classify_contract(
        value=facts.value,
        includes_vat=facts.value_includes_vat,
        light_touch=facts.light_touch,
        procurement_started_on=facts.procurement_started_on or facts.start,
        nation=facts.nation,
    )


def contract_duties(facts: ContractFacts) -> list[RequiredNotice]:
    """The duties a contract under the Act has over its life (see the module docstring).

    Which apply depends on the contract's regime (``classify``): a notifiable below-threshold
    contract has only the below-threshold contract details notice (s.87), a contract under
    £30,000 none at all; public contracts have the rest.
    """
    classification = classify(facts)
    if classification.regime in (Regime.NO_NOTICE, Regime.OUTSIDE_ACT):
        return []
    ref = facts.reference
    entry = entry_day(facts)
    entry_note = PROVISIONAL_NOTE.format(words=entry.words) if entry.provisional else ""
    if classification.regime == Regime.BELOW_THRESHOLD:
        return [
            RequiredNotice(
                "UK7",
                "UK7",
                f"Publish the below-threshold contract details notice for {ref}",
                below_threshold_details_due(entry.day),
                f"As soon as reasonably practicable after the contract is entered into (s.87); the tracker's "
                f"target is 30 days beginning with {entry.words}. {classification.explanation}",
                entry_note,
                provisional=entry.provisional,
            ),
        ]
    regime = " (light-touch regime)" if facts.light_touch else ""
    details_days = CONTRACT_DETAILS_DAYS_LIGHT_TOUCH if facts.light_touch else CONTRACT_DETAILS_DAYS
    duties = [
        RequiredNotice(
            "UK7",
            "UK7",
            f"Publish the UK7 contract details notice for {ref}",
            contract_details_due(entry.day, light_touch=facts.light_touch),
            f"{details_days} days{regime} beginning with {entry.words} (s.53).",
            entry_note,
            provisional=entry.provisional,
        )
    ]
    if facts.value is not None and facts.value > CONTRACT_COPY_THRESHOLD:
        copy_days = CONTRACT_COPY_DAYS_LIGHT_TOUCH if facts.light_touch else CONTRACT_COPY_DAYS
        duties.append(
            RequiredNotice(
                "UK7:copy",
                "UK7",
                f"Publish a copy of contract {ref} (over £5 million)",
                contract_copy_due(entry.day, light_touch=facts.light_touch),
                f"{copy_days} days{regime} beginning with {entry.words}: contracts over £5 million publish the "
                "contract itself (s.53).",
                entry_note,
                provisional=entry.provisional,
            )
        )
    last_day = facts.terminated_on or facts.end
    performance_from = in_force_from("UK9", facts.nation)
    if performance_from is not None and is_kpi_contract(
        value=facts.value, light_touch=facts.light_touch, is_framework=facts.is_framework
    ):
        for year, due in enumerate(performance_due_dates(facts.start, last_day), start=1):
            if due < performance_from:
                continue
            duties.append(
                RequiredNotice(
                    f"UK9:{due.isoformat()}",
                    "UK9",
                    f"Publish the UK9 contract performance notice for {ref}, year {year}",
                    due,
                    f"At least once in every 12 months (s.71): by the end of contract year {year}, {long_date(due)}.",
                )
            )
        duties.append(
            RequiredNotice(
                "UK9:termination",
                "UK9",
                f"Publish the UK9 contract performance notice for {ref} on termination",
                termination_due(last_day),
                f"On termination (s.71): 30 days beginning with {long_date(last_day)}, the contract's last day.",
            )
        )
    if performance_from is not None:
        for breach in facts.breaches:
            if breach.occurred_on < performance_from:
                continue
            duties.append(
                RequiredNotice(
                    f"UK9:breach:{breach.occurred_on.isoformat()}",
                    "UK9",
                    f"Publish a UK9 contract performance notice for {ref}: {breach.what}",
                    breach_notice_due(breach.occurred_on),
                    f"30 days beginning with {long_date(breach.occurred_on)}, the day of the breach or failure "
                    f"({breach.what}) (s.71).",
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
                    f"Before the modification (s.75): option {option.sequence}"
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
            f"{'is terminated' if facts.terminated_on else 'expires (expiry counts as termination)'} (s.80).",
        )
    )
    for period_end in reporting_period_ends(facts.start, last_day, nation=facts.nation):
        duties.append(
            RequiredNotice(
                f"UK17:{period_end.isoformat()}",
                "UK17",
                f"Publish the UK17 payments compliance notice for the period ending {long_date(period_end)}",
                payments_compliance_due(period_end),
                f"30 days beginning with {long_date(period_end)}, the last day of the reporting period in which "
                f"{ref} may have been paid (s.69). One notice covers all of the authority's contracts.",
            )
        )
    duties.extend(contract_payment_duties(facts))
    return duties


def contract_payment_duties(facts: ContractFacts) -> list[RequiredNotice]:
    """UK8 (s.70): one notice for each quarter in which a payment over £30,000 was made."""
    started = facts.procurement_started_on or facts.start
    if not contract_payment_applies(started, nation=facts.nation):
        return []
    quarters: dict[date, list[PaymentFacts]] = {}
    for payment in facts.payments:
        if payment_needs_notice(payment.amount):
            quarters.setdefault(quarter_end(payment.paid_on), []).append(payment)
    duties = []
    for last_day in sorted(quarters):
        paid = sorted(quarters[last_day], key=lambda payment: payment.paid_on)
        listed = ", ".join(f"£{payment.amount:,.2f} on {long_date(payment.paid_on)}" for payment in paid)
        duties.append(
            RequiredNotice(
                f"UK8:{last_day.isoformat()}",
                "UK8",
                f"Publish the UK8 contract payment notice for {facts.reference}, quarter ending {long_date(last_day)}",
                contract_payment_due(last_day),
                f"30 days beginning with {long_date(last_day)}, the last day of the quarter in which {len(paid)} "
                f"payment{'s' if len(paid) != 1 else ''} over £30,000 including VAT {'were' if len(paid) != 1 else 'was'} "
                f"made: {listed} (s.70).",
            )
        )
    return duties


def contract_council_duties(facts: ContractFacts) -> list[RequiredNotice]:
    """The council's own duties for a contract, under the Act or not: Best Value's VCSE notice and key decisions."""
    return vcse_notice_duties(facts) + key_decision_duties(facts)


def key_decision_duties(facts: ContractFacts) -> list[RequiredNotice]:
    """SI 2012/2089 reg 9: each open option worth more than the key-decision threshold, worked back
    through the council's meetings (``council_duties.key_decision_plan``): the report to democratic
    services and the key decision notice, 28 clear days before the meeting. The meeting is the
    option's decide-by milestone; with no meeting early enough, one duty says to find one."""
    rules = facts.key_decisions
    if rules is None:
        return []
    meetings = sorted(rules.meetings)
    duties = []
    for option in facts.options:
        if not option.is_open or option.value is None or option.value <= rules.threshold:
            continue
        plan = council_duties.key_decision_plan(
            option.starts_on,
            notice_months=rules.provider_notice_months,
            meetings=meetings,
            report_working_days=rules.report_working_days,
        )
        name = f"extension option {option.sequence} of {facts.reference}"
        worth = f"£{option.value:,.0f}, over the key-decision threshold of £{rules.threshold:,.0f}"
        key = f"KD:option:{option.sequence}"
        if plan.meeting_on is None:
            missing = (
                f"the calendar has no {rules.body} meeting before then"
                if plan.calendar_reaches
                else f"the calendar's last {rules.body} meeting is on {long_date(max(meetings))}: the meetings before then are not known yet"
                if meetings
                else f"no {rules.body} meetings are recorded"
            )
            duties.append(
                RequiredNotice(
                    f"{key}:meeting",
                    "",
                    f"Find a {rules.body} meeting for the key decision on {name}",
                    plan.provider_notice_by - ONE_DAY,
                    f"The option starts on {long_date(option.starts_on)} and the provider needs notice by "
                    f"{long_date(plan.provider_notice_by)}; {missing}. "
                    f"Import the meeting calendar, or take the decision another way ({worth}).",
                    kind=Kind.DECISION_MEETING,
                    provisional=True,
                )
            )
            continue
        chain = (
            f"The option starts on {long_date(option.starts_on)}; the provider needs {rules.provider_notice_months} months' "
            f"notice, by {long_date(plan.provider_notice_by)}; the last {rules.body} before then meets on {long_date(plan.meeting_on)}."
        )
        duties += [
            RequiredNotice(
                f"{key}:report",
                "",
                f"Send the report on {name} to democratic services for {rules.body}, {long_date(plan.meeting_on)}",
                plan.report_due_on,
                f"{chain} Reports are due {rules.report_working_days} working days before the meeting ({worth}).",
                kind=Kind.OTHER,
            ),
            RequiredNotice(
                f"{key}:notice",
                "",
                f"Publish the key decision notice for {name}",
                plan.key_decision_notice_by,
                f"{chain} A key decision needs 28 clear days' notice before the meeting, neither the day of "
                f"publication nor the meeting's day counting ({council_duties.KEY_DECISION_SOURCE}; {worth}).",
                kind=Kind.OTHER,
            ),
            # The meeting itself is the option's derived decide-by milestone
            # (commissioning.derivation, through council_duties.option_decide_by): not a second one.
        ]
    return duties


def vcse_notice_duties(facts: ContractFacts) -> list[RequiredNotice]:
    """Best Value: three months' notice to a VCSE provider whose contract is not extended or is decommissioned."""
    if not facts.provider_is_vcse:
        return []
    declined = any(option.declined for option in facts.options)
    if facts.decision not in ("decommission", "retender") and not declined:
        return []
    last_day = facts.terminated_on or facts.end
    due = council_duties.vcse_notice_due(last_day)
    why = "to decommission" if facts.decision == "decommission" else "not to extend"
    return [
        RequiredNotice(
            "VCSE:notice",
            "",
            f"Give the provider and its service users three months' notice that {facts.reference} ends",
            due,
            f"The decision {why}: the contract's last day is {long_date(last_day)}, so notice is due by {long_date(due)}, "
            f"three months before its funding ends ({council_duties.BEST_VALUE_SOURCE}).",
            "Mark the milestone met on the day the notice was given.",
            kind=Kind.OTHER,
        )
    ]


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
    value: Decimal | None = None
    value_includes_vat: bool | None = None
    procurement_started_on: date | None = None  # the first tender or transparency notice
    planned_entry_on: date | None = None  # the planned signing date in the cycle's timetable
    direct_award: bool = False
    direct_award_justification: str = ""  # the Schedule 5 ground (s.41) or s.43, as the officer recorded it
    not_awarded_on: date | None = None  # the day the authority decided not to award
    pipeline_years: Sequence[date] = field(default_factory=tuple)  # financial years whose UK1 lists it


def cycle_entry(facts: CycleFacts) -> tuple[date, str] | None:
    """The day the new contracts are to be entered into: the planned signing date, else at the latest the start."""
    if facts.planned_entry_on is not None:
        return facts.planned_entry_on, f"the planned signing date, {long_date(facts.planned_entry_on)}"
    if facts.target_start is not None:
        return facts.target_start, f"{long_date(facts.target_start)} at the latest, the day the new contracts start"
    return None


def cycle_duties(facts: CycleFacts) -> list[RequiredNotice]:
    """The duties a procurement has before its contracts are entered into (and if it ends without an award).

    A procurement whose estimated value is under the threshold has none of these (s.87 is the
    contract's); its contracts carry the below-threshold contract details notice.
    """
    started = facts.procurement_started_on or facts.target_start
    if started is not None:
        classification = classify_contract(
            value=facts.value,
            includes_vat=facts.value_includes_vat,
            light_touch=facts.light_touch,
            procurement_started_on=started,
        )
        if not classification.is_public_contract:
            return []
    duties = []
    for year_start in facts.pipeline_years:
        due = pipeline_due(year_start)
        first, last = pipeline_period(year_start)
        duties.append(
            RequiredNotice(
                f"UK1:{year_start.year}",
                "UK1",
                f"List {facts.name} in the UK1 pipeline notice for {year_start.year}-{str(year_start.year + 1)[2:]}",
                due,
                f"56 days beginning with {long_date(year_start)} (s.93): the authority expects to pay more than £100 million "
                f"this year, and this procurement (over £2 million) plans its tender notice between {long_date(first)} "
                f"and {long_date(last)}. One notice lists every such procurement.",
            )
        )
    if facts.not_awarded_on is not None:
        duties.append(
            RequiredNotice(
                "UK12",
                "UK12",
                f"Publish the UK12 procurement termination notice for {facts.name}",
                procurement_termination_due(facts.not_awarded_on),
                f"As soon as reasonably practicable after deciding, on {long_date(facts.not_awarded_on)}, not to award "
                "(s.55); the tracker's target is 30 days.",
            )
        )
        return duties
    entry = cycle_entry(facts)
    if entry is None:
        return duties
    entry_on, entry_words = entry
    if facts.direct_award:
        duties.append(
            RequiredNotice(
                "UK5",
                "UK5",
                f"Publish the UK5 transparency notice for {facts.name}",
                transparency_notice_due(entry_on),
                f"Before the direct award is made (s.44): the contract is to be entered into on {entry_words}."
                + (
                    f" The justification recorded: {facts.direct_award_justification}."
                    if facts.direct_award_justification
                    else ""
                ),
            )
        )
    award_due = contract_award_due(entry_on, light_touch=facts.light_touch)
    if facts.light_touch:
        basis = (
            f"Before the contract is entered into (s.50): {entry_words}. The standstill is voluntary under the "
            "light-touch regime."
        )
    else:
        basis = f"Before the contract is entered into (s.50), with the 8-working-day standstill ended (s.51): {entry_words}."
    if not facts.direct_award:
        duties.append(
            RequiredNotice(
                "UK6:summaries",
                "",
                f"Send an assessment summary to every supplier assessed in {facts.name}",
                assessment_summaries_due(award_due),
                "Before the UK6 contract award notice is published (s.50(3)): each supplier that submitted an "
                f"assessed tender gets its own summary. The UK6 is due by {long_date(award_due)}.",
                "Mark the milestone met on the day the summaries went out.",
                kind=Kind.OTHER,
            )
        )
    duties.append(
        RequiredNotice(
            "UK6",
            "UK6",
            f"Publish the UK6 contract award notice for {facts.name}",
            award_due,
            basis,
            ""
            if facts.planned_entry_on
            else "The last day if the contract is entered into on the day it starts: sign earlier, publish earlier.",
            provisional=facts.planned_entry_on is None,
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
                    "(weekends and every UK bank holiday excluded; s.51).",
                    kind=Kind.STANDSTILL_END,
                )
            )
    return duties


def earliest(dates: Iterable[date]) -> date | None:
    return min(dates, default=None)
