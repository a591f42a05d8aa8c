"""Rules about commissioning that read no database and no clock: each takes ``today``.

``commissioning.selectors`` feeds them from the models; the dashboard, the contract pages and
anything else that shows a risk call the selector, so every screen gives the same answer.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from common.dates import long_date
from contracts import terms

from . import cover
from .models import DEFAULT_STAGE_MONTHS, STAGE_ORDER, SUCCESSOR_DECIDED_FROM, Stage

DEFAULT_RECOMMISSIONING_LEAD_MONTHS = 18
# How long before the start-by date a contract turns amber.
AMBER_WARNING_MONTHS = 3


class Rating(enum.StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


RATING_LABELS = {Rating.RED: "Red", Rating.AMBER: "Amber", Rating.GREEN: "Green"}
RATING_TAGS = {Rating.RED: "govuk-tag--red", Rating.AMBER: "govuk-tag--orange", Rating.GREEN: "govuk-tag--green"}


@dataclass(frozen=True)
class Risk:
    """A red, amber or green rating with the one line that tells the officer why."""

    rating: Rating
    reason: str
    # When recommissioning should start, or the first day without cover; None when on track.
    start_by: date | None = None
    # The days with no contract, when the rating is about a gap in cover.
    gap: cover.Period | None = None

    @property
    def label(self) -> str:
        return RATING_LABELS[self.rating]

    @property
    def tag_class(self) -> str:
        return RATING_TAGS[self.rating]

    @property
    def needs_attention(self) -> bool:
        return self.rating != Rating.GREEN


def recommissioning_start_by(max_end: date, *, lead_months: int = DEFAULT_RECOMMISSIONING_LEAD_MONTHS) -> date:
    """The day recommissioning should start: the maximum end date less the lead time."""
    return terms.add_months(max_end, -lead_months)


# How long each stage takes, in months, for a team that has not set its own (models.StageTimings).
STAGE_MONTHS = DEFAULT_STAGE_MONTHS


def stages_left(stage: str) -> list[Stage]:
    """The stages after ``stage`` that a cycle must still go through before its contract starts."""
    return [later for later in Stage if STAGE_ORDER[later] > STAGE_ORDER[Stage(stage)] and later != Stage.LIVE]


def _joined(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _after_cover(boundary: cover.Boundary) -> str:
    """How the new cover meets the old: "the day after cover ends", "overlapping it by 31 days"."""
    if boundary.overlap_days:
        return f"overlapping {boundary.service}'s current cover by {boundary.overlap_days} days"
    return f"the day after {boundary.service}'s current cover ends"


def _cycle_on_track(boundary: cover.Boundary, today: date) -> Risk | None:
    """Red or amber when the cycle replacing the old contract cannot start its contract in time."""
    cycle = boundary.cycle
    if cycle is None or Stage(cycle.stage) == Stage.LIVE:
        return None
    if cycle.overdue:
        oldest_title, oldest_days = max(cycle.overdue, key=lambda item: item[1])
        count = len(cycle.overdue)
        what = "milestone" if count == 1 else "milestones"
        return Risk(
            Rating.RED,
            f"{count} {what} of {cycle.name} overdue (\u201c{oldest_title}\u201d by {oldest_days} days): "
            f"the new contract may not start by {long_date(boundary.first_day or boundary.last_day)}",
            boundary.last_day,
        )
    needs = boundary.first_day or boundary.last_day + cover.ONE_DAY
    left = stages_left(cycle.stage)
    # The timetable of the team running the cycle (models.StageTimings), else the defaults.
    timings = dict(cycle.stage_months) or STAGE_MONTHS
    months = sum(timings[stage] for stage in left)
    earliest = terms.add_months(today, months)
    if left and earliest > needs:
        return Risk(
            Rating.RED,
            f"{cycle.name} is at {Stage(cycle.stage).label.lower()}: the stages left "
            f"({_joined([stage.label.lower() for stage in left])}) take {_months(months)} at your team's "
            f"timings, so the new contract could not start before {long_date(earliest)}; "
            f"{boundary.service}'s cover ends on {long_date(boundary.last_day)}",
            boundary.last_day,
        )
    if left and terms.add_months(earliest, AMBER_WARNING_MONTHS) > needs:
        return Risk(
            Rating.AMBER,
            f"{cycle.name} is at {Stage(cycle.stage).label.lower()} with less than {AMBER_WARNING_MONTHS} "
            f"months to spare: the stages left take {_months(months)} at your team's timings and the new "
            f"contract must start on {long_date(needs)}",
            boundary.last_day,
        )
    return None


def _months(count: int) -> str:
    return f"{count} month" if count == 1 else f"{count} months"


def _boundary_risk(boundary: cover.Boundary, today: date, *, max_end: date, lead_months: int) -> Risk:
    """The rating of one boundary of cover (see ``recommissioning_risk``)."""
    if boundary.decommissioned:
        return Risk(
            Rating.GREEN,
            f"Decommissioning decided: {boundary.service}'s cover ends on {long_date(boundary.last_day)}",
        )
    if boundary.gap is not None:
        certain = boundary.options_fall_short or not boundary.bridging
        passed = any(option.decide_by_passed for option in boundary.bridging)
        rating = Rating.RED if certain or passed else Rating.AMBER
        return Risk(rating, boundary.words, boundary.gap.first, boundary.gap)
    late = _cycle_on_track(boundary, today)
    if late is not None:
        return late
    if boundary.first_day is None:
        for option in boundary.old.options:
            if option.end > boundary.last_day and option.status == "available" and option.decide_by < today:
                if not boundary.old.decision:
                    return Risk(
                        Rating.RED,
                        f"The decide-by date for option {option.sequence} of {boundary.old.reference}, "
                        f"{long_date(option.decide_by)}, has passed with no decision: {boundary.service}'s "
                        f"cover ends on {long_date(boundary.last_day)}",
                        option.decide_by,
                    )
                break
        if boundary.cycle is not None:
            return Risk(
                Rating.AMBER,
                f"Recommissioning under way ({Stage(boundary.cycle.stage).label}), but {boundary.cycle.name} "
                f"has no start date for the new contract: {boundary.service}'s cover ends on "
                f"{long_date(boundary.last_day)}",
                boundary.last_day,
            )
        return _lead_time_risk(today, max_end=max_end, lead_months=lead_months)
    after = _after_cover(boundary)
    if boundary.cycle is not None and STAGE_ORDER[Stage(boundary.cycle.stage)] < STAGE_ORDER[SUCCESSOR_DECIDED_FROM]:
        successor = boundary.new.reference if boundary.new else "the new contract"
        return Risk(
            Rating.GREEN,
            f"Recommissioning under way ({Stage(boundary.cycle.stage).label}): {successor} is planned "
            f"from {long_date(boundary.first_day)}, {after}",
        )
    successor = boundary.new.reference if boundary.new else "the new contract"
    return Risk(Rating.GREEN, f"Successor decided: {successor} starts on {long_date(boundary.first_day)}, {after}")


def _lead_time_risk(today: date, *, max_end: date, lead_months: int) -> Risk:
    """With no successor planned: is recommissioning starting the lead time before the maximum end?"""
    start_by = recommissioning_start_by(max_end, lead_months=lead_months)
    if today >= start_by:
        return Risk(Rating.RED, f"Recommissioning should have started by {long_date(start_by)}", start_by)
    if today >= terms.add_months(start_by, -AMBER_WARNING_MONTHS):
        return Risk(Rating.AMBER, f"Recommissioning must start by {long_date(start_by)}", start_by)
    return Risk(Rating.GREEN, f"Recommissioning due to start by {long_date(start_by)}", start_by)


RATING_ORDER = {Rating.RED: 0, Rating.AMBER: 1, Rating.GREEN: 2}


def recommissioning_risk(
    today: date,
    *,
    max_end: date,
    ends_on: date,
    lead_months: int = DEFAULT_RECOMMISSIONING_LEAD_MONTHS,
    boundaries: Sequence[cover.Boundary] = (),
    decommissioned: bool = False,
) -> Risk | None:
    """Will the services this contract covers have a contract behind them every day?

    Rated from the boundaries of cover at the end of the contract (``commissioning.cover``),
    the worst one counting, each in words:

    - Red when a gap is certain ("Refuge has no contract from 1 to 31 March 2027: the new
      contract starts on 1 April 2027"), when an option that could bridge it is past its
      decide-by date, when the cycle replacing the contract has overdue milestones or the
      stages it has left do not fit before the new contract must start, and when nothing
      replaces it and recommissioning should have started (``max_end`` less ``lead_months``).
    - Amber when a gap can still be bridged by an option decided in time, when the cycle has
      less than 3 months to spare or no start date, or recommissioning must start within 3
      months.
    - Green only when continuous cover is planned and on track: a successor starting the day
      after (or overlapping), decommissioning decided, or recommissioning not yet due.

    A contract that has ended (``today`` after ``ends_on``) has no risk: None.
    """
    if today > ends_on:
        return None
    if decommissioned and not boundaries:
        return Risk(Rating.GREEN, "Decommissioning decided")
    if not boundaries:
        return _lead_time_risk(today, max_end=max_end, lead_months=lead_months)
    risks = [_boundary_risk(b, today, max_end=max_end, lead_months=lead_months) for b in boundaries]
    worst = min(risks, key=lambda risk: (RATING_ORDER[risk.rating], risk.start_by or date.max))
    others = sum(
        1 for risk in risks if risk is not worst and risk.rating == worst.rating and risk.rating != Rating.GREEN
    )
    if others:
        also = "service" if others == 1 else "services"
        return Risk(worst.rating, f"{worst.reason} (and {others} more {also})", worst.start_by, worst.gap)
    return worst
