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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.terms import add_months

ONE_DAY = timedelta(days=1)
BEST_VALUE_SOURCE = "Best Value statutory guidance: at least three months' notice to a VCSE organisation"
VCSE_NOTICE_MONTHS = 3
STRATEGY_REVIEW_YEARS = 3
DOMESTIC_ABUSE_SOURCE = "Domestic Abuse Act 2021, Part 4 (ss.57 and 58) and SI 2021/990"


def _long(day: date) -> str:
    return f"{day:%-d %B %Y}"


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
                f"At least every three years (s.57): the strategy was published on {_long(published_on)}; "
                f"the review is due by {_long(due)} ({DOMESTIC_ABUSE_SOURCE}).",
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
                f"Once a year (s.58): the return on the year to 31 March, due by {_long(due)} ({DOMESTIC_ABUSE_SOURCE}).",
            )
        )
        year += 1
    return returns
