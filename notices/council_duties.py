"""Dated duties from outside the Procurement Act that a council's commissioning team keeps beside it.

Pure functions on dates: no ORM, no clock.

- Best Value statutory guidance (Department for Levelling Up, Housing and Communities,
  "Revised Best Value Statutory Guidance", 2015, para. 5 and 7, kept in the 2024 revision):
  at least three months' notice to a voluntary or community organisation, and its service
  users, before reducing or ending its funding, a contract included.
- Domestic Abuse Act 2021, Part 4 (ss.57 and 58, and the Domestic Abuse Support (Local
  Authority Strategies and Annual Reports) Regulations 2021, SI 2021/990): a
  safe-accommodation needs assessment and strategy, reviewed at least every three years with
  the domestic abuse local partnership board; and an annual report to the Secretary of State
  on how the duty was met.
- Key decisions: the Local Authorities (Executive Arrangements) (Meetings and Access to
  Information) (England) Regulations 2012 (SI 2012/2089), reg 9: a key decision (above the
  council's own financial threshold) is published at least 28 clear days before the meeting
  that takes it; "clear days" count neither the day of publication nor the meeting day. The
  report is due to democratic services a number of working days before the meeting (each
  council sets its own; the tracker keeps it per authority).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from common.dates import long_date
from common.workdays import working_days_before
from contracts.terms import add_months, option_decision_due

ONE_DAY = timedelta(days=1)
BEST_VALUE_SOURCE = "Best Value statutory guidance: at least three months' notice to a VCSE organisation"
VCSE_NOTICE_MONTHS = 3
STRATEGY_REVIEW_YEARS = 3
DOMESTIC_ABUSE_SOURCE = "Domestic Abuse Act 2021, Part 4 (ss.57 and 58) and SI 2021/990"
KEY_DECISION_CLEAR_DAYS = 28
KEY_DECISION_SOURCE = "SI 2012/2089 reg 9: 28 clear days' notice of a key decision"


def vcse_notice_due(last_day: date) -> date:
    """Best Value: three months before the funding ends, the day after the contract's last day.

    A contract whose last day is 31 March 2027 stops paying on 1 April 2027: notice by
    1 January 2027 gives the provider the whole three months (1 January to 31 March).
    """
    return add_months(last_day + ONE_DAY, -VCSE_NOTICE_MONTHS)


@dataclass(frozen=True)
class TeamDuty:
    key: str
    title: str
    due_on: date
    basis: str


def strategy_reviews(published_on: date, *, until: date) -> list[TeamDuty]:
    """Domestic Abuse Act 2021 s.57: the needs assessment and strategy, reviewed at least every three years.

    Each review (a fresh needs assessment, the partnership board consulted, the strategy
    republished) is due by the third anniversary of the last publication, the day before it.
    """
    reviews, year = [], STRATEGY_REVIEW_YEARS
    while (due := add_months(published_on, 12 * year) - ONE_DAY) <= until:
        reviews.append(
            TeamDuty(
                f"DA:strategy:{due.isoformat()}",
                "Review the safe-accommodation needs assessment and strategy with the partnership board",
                due,
                f"At least every three years (s.57): the strategy was published on {long_date(published_on)}; "
                f"the review is due by {long_date(due)} ({DOMESTIC_ABUSE_SOURCE}).",
            )
        )
        year += STRATEGY_REVIEW_YEARS
    return reviews


def annual_returns(first_due: date, *, until: date) -> list[TeamDuty]:
    """Domestic Abuse Act 2021 s.58 and SI 2021/990: the annual report to government, each year from ``first_due``."""
    returns, year = [], 0
    while (due := add_months(first_due, 12 * year)) <= until:
        returns.append(
            TeamDuty(
                f"DA:annual-return:{due.isoformat()}",
                f"Send the Domestic Abuse Act annual return for {due.year - 1}-{str(due.year)[2:]}",
                due,
                f"Once a year (s.58): the return on the year to 31 March, due by {long_date(due)} ({DOMESTIC_ABUSE_SOURCE}).",
            )
        )
        year += 1
    return returns


# --- key decisions ------------------------------------------------------------------------


def key_decision_notice_by(meeting_on: date) -> date:
    """SI 2012/2089 reg 9: the last day to publish, leaving 28 clear days before the meeting.

    Neither the day of publication nor the meeting's day counts, so a meeting on 29 January
    needs the notice by 31 December: 1 to 28 January are the 28 clear days.
    """
    return meeting_on - timedelta(days=KEY_DECISION_CLEAR_DAYS + 1)


def report_due(meeting_on: date, *, working_days: int) -> date:
    """The council's constitution (its access to information procedure rules): the report is due to
    democratic services ``working_days`` working days before the meeting."""
    return working_days_before(meeting_on, working_days)


def calendar_reaches(day: date, meetings: Sequence[date]) -> bool:
    """Whether the recorded calendar runs to ``day``, so that its last meeting before ``day`` is known.

    A committee system exports the meetings it has fixed, a year or so ahead, at a steady
    rhythm. The calendar is taken to run one interval past its last meeting (the longest
    between two of its meetings), in which a further meeting would have been listed; beyond
    that the meetings are not known yet, not absent, so a decision years ahead is not sent
    to the last meeting in the file.
    """
    if not meetings:
        return False
    ordered = sorted(set(meetings))
    interval = max((later - earlier for earlier, later in zip(ordered, ordered[1:])), default=timedelta(0))
    return ordered[-1] + interval >= day


def decision_meeting(decide_by: date, meetings: Sequence[date]) -> date | None:
    """SI 2012/2089: the decision is taken at a meeting; the last one on or before ``decide_by``
    (``None``: the calendar has none early enough,
    or does not reach that far: ``calendar_reaches``)."""
    if not calendar_reaches(decide_by, meetings):
        return None
    earlier = [meeting for meeting in meetings if meeting <= decide_by]
    return max(earlier, default=None)


@dataclass(frozen=True)
class KeyDecisionPlan:
    """Worked backwards from an extension option's start through the council's meetings."""

    provider_notice_by: date  # the notice the contract requires, before the option starts
    meeting_on: date | None  # the meeting the decision must go to
    key_decision_notice_by: date | None
    report_due_on: date | None
    # False when the calendar ends before the provider's notice is due: no meeting can be chosen yet.
    calendar_reaches: bool = True


def provider_notice_by(option_start: date, *, notice_months: int) -> date:
    """The day the provider must have notice of the decision: the contract's notice months before the option starts.

    "N months before" is ``contracts.terms.add_months`` backwards, so a start on the 31st with
    notice landing in a shorter month moves to that month's last day.
    """
    return add_months(option_start, -notice_months)


def key_decision_plan(
    option_start: date, *, notice_months: int, meetings: Sequence[date], report_working_days: int
) -> KeyDecisionPlan:
    """From the option's start: the provider's notice, the last meeting before it, the 28 clear
    days' notice before that meeting, and the report deadline before that meeting.

    1. The provider's notice is due ``notice_months`` before the option starts.
    2. The decision must be taken by the day before, so that the notice can go the day after
       the meeting at the latest: the meeting is the last one on or before that day.
    3. The key decision notice is published 28 clear days before that meeting (reg 9).
    4. The report goes to democratic services ``report_working_days`` working days before it.
    """
    notice_by = provider_notice_by(option_start, notice_months=notice_months)
    meeting = decision_meeting(notice_by - ONE_DAY, meetings)
    if meeting is None:
        return KeyDecisionPlan(
            notice_by, None, None, None, calendar_reaches=calendar_reaches(notice_by - ONE_DAY, meetings)
        )
    return KeyDecisionPlan(
        notice_by, meeting, key_decision_notice_by(meeting), report_due(meeting, working_days=report_working_days)
    )


# --- the decide-by date of an extension option ---------------------------------------------


@dataclass(frozen=True)
class DecisionCalendar:
    """A buyer's meetings that take its decisions, and its key-decision rules (``KeyDecisionPolicy``)."""

    body: str  # "Cabinet"
    meetings: tuple[date, ...]
    report_working_days: int
    key_decision_threshold: Decimal | None = None


@dataclass(frozen=True)
class DecideBy:
    """When an extension option must be decided, and how that was worked out, in words."""

    due_on: date
    provider_notice_by: date
    meeting_on: date | None = None
    report_due_on: date | None = None
    key_decision_notice_by: date | None = None  # only for a key decision (or one whose value is not known)
    through_calendar: bool = False  # False: the contract's approval lead weeks stand in for a meeting
    words: str = ""


def _money(amount: Decimal) -> str:
    return f"£{amount:,.0f}"


def option_decide_by(
    option_start: date,
    *,
    notice_months: int,
    approval_weeks: int,
    calendar: DecisionCalendar | None,
    value: Decimal | None = None,
) -> DecideBy:
    """The last day to decide an extension option, worked backwards from the day it would start.

    1. The provider's notice is due the contract's notice months before the option starts
       (``provider_notice_by``).
    2. With a meeting calendar recorded, the decision is the last meeting of the decision body
       early enough for that notice (``key_decision_plan``): the report is due to democratic
       services before it and, for a key decision (worth more than the council's threshold,
       or of unknown value), the notice is published 28 clear days before it (SI 2012/2089
       reg 9). The decide-by date is the meeting's day.
    3. With no calendar, or one that has no meeting early enough or does not reach that far,
       the contract's approval lead weeks stand in for the decision route
       (``contracts.terms.option_decision_due``), and the words say so.
    """
    notice_by = provider_notice_by(option_start, notice_months=notice_months)
    chain = (
        f"The option would start on {long_date(option_start)}; the provider needs {notice_months} months' notice, "
        f"by {long_date(notice_by)}."
    )
    lead = option_decision_due(option_start, notice_months=notice_months, approval_weeks=approval_weeks)
    assumed = f"{approval_weeks} weeks before that for the decision route (the contract's approval lead time)"
    if calendar is None or not calendar.meetings:
        return DecideBy(
            lead, notice_by, words=f"{chain} This date assumes {assumed}, because no meeting calendar is recorded."
        )
    plan = key_decision_plan(
        option_start,
        notice_months=notice_months,
        meetings=sorted(calendar.meetings),
        report_working_days=calendar.report_working_days,
    )
    if plan.meeting_on is None:
        if plan.calendar_reaches:
            why = f"the meeting calendar has no {calendar.body} meeting before then"
        else:
            why = (
                f"the meeting calendar ends with the meeting on {long_date(max(calendar.meetings))}: "
                "the meetings before then are not known yet"
            )
        return DecideBy(lead, notice_by, words=f"{chain} This date assumes {assumed}, because {why}.")
    key = calendar.key_decision_threshold is not None and (value is None or value > calendar.key_decision_threshold)
    words = (
        f"{chain} The last {calendar.body} meeting before then is on {long_date(plan.meeting_on)}; the report is due "
        f"to democratic services by {long_date(plan.report_due_on)} ({calendar.report_working_days} working days before)."
    )
    if key:
        if value is None:
            opening = (
                f" Its value is not recorded: if it is a key decision (over {_money(calendar.key_decision_threshold)}), "
                "its notice must be published by"
            )
        else:
            opening = (
                f" As a key decision ({_money(value)} is over {_money(calendar.key_decision_threshold)}), "
                "its notice must be published by"
            )
        words += (
            f"{opening} {long_date(plan.key_decision_notice_by)}, 28 clear days before the meeting "
            f"({KEY_DECISION_SOURCE})."
        )
    return DecideBy(
        plan.meeting_on,
        notice_by,
        plan.meeting_on,
        plan.report_due_on,
        plan.key_decision_notice_by if key else None,
        True,
        words,
    )
