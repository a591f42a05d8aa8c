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

from dataclasses import dataclass
from datetime import date, timedelta

from common.dates import long_date
from common.workdays import working_days_before
from contracts.terms import add_months

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
    """The report is due to democratic services ``working_days`` working days before the meeting."""
    return working_days_before(meeting_on, working_days)


def decision_meeting(decide_by: date, meetings: list[date]) -> date | None:
    """The last meeting on or before ``decide_by`` (``None``: the calendar has none early enough)."""
    earlier = [meeting for meeting in meetings if meeting <= decide_by]
    return max(earlier, default=None)


@dataclass(frozen=True)
class KeyDecisionPlan:
    """Worked backwards from an extension option's start through the council's meetings."""

    provider_notice_by: date  # the notice the contract requires, before the option starts
    meeting_on: date | None  # the meeting the decision must go to
    key_decision_notice_by: date | None
    report_due_on: date | None


def key_decision_plan(
    option_start: date, *, notice_months: int, meetings: list[date], report_working_days: int
) -> KeyDecisionPlan:
    """From the option's start: the provider's notice, the last meeting before it, the 28 clear
    days' notice before that meeting, and the report deadline before that meeting.

    The decision must be taken by the day before the provider's notice is due, so that the
    notice can go the day the decision is made at the latest.
    """
    notice_by = add_months(option_start, -notice_months)
    meeting = decision_meeting(notice_by - ONE_DAY, meetings)
    if meeting is None:
        return KeyDecisionPlan(notice_by, None, None, None)
    return KeyDecisionPlan(
        notice_by, meeting, key_decision_notice_by(meeting), report_due(meeting, working_days=report_working_days)
    )
