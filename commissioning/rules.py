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

from .models import STAGE_ORDER, SUCCESSOR_DECIDED_FROM, Stage

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
    # When recommissioning should start; None when a successor or decommissioning is decided.
    start_by: date | None = None

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


def recommissioning_risk(
    today: date,
    *,
    max_end: date,
    ends_on: date,
    lead_months: int = DEFAULT_RECOMMISSIONING_LEAD_MONTHS,
    successor_stages: Sequence[str] = (),
    decommissioned: bool = False,
) -> Risk | None:
    """Is recommissioning of this contract starting in time to replace it?

    Re-buying a service takes a year or more (needs assessment, strategy, market engagement,
    tender, evaluation, award, standstill, mobilisation), so it must start a set number of
    months (``lead_months``, 18 unless the contract says otherwise) before the last day the
    contract can possibly run (``max_end``). Otherwise the service, a refuge say, is left with
    no contract behind it.

    - Green, "Successor decided": a cycle replacing the contract has reached award and
      standstill or later. "Decommissioning decided" if the decision is not to replace it.
    - Green, "Recommissioning under way (Market engagement)": a cycle replacing it has
      started but not yet awarded; the stage is the furthest any such cycle has got.
    - Red, "Recommissioning should have started by 1 September 2030": today is on or after
      the start-by date and nothing is under way.
    - Amber, "Recommissioning must start by 1 September 2030": within 3 months of it.
    - Green, "Recommissioning due to start by 1 September 2030": further off than that.

    A contract that has ended (``today`` after ``ends_on``, its current end or termination
    date) has no risk: None.
    """
    if today > ends_on:
        return None
    if decommissioned:
        return Risk(Rating.GREEN, "Decommissioning decided")
    stages = [Stage(stage) for stage in successor_stages]
    if stages:
        furthest = max(stages, key=STAGE_ORDER.__getitem__)
        if STAGE_ORDER[furthest] >= STAGE_ORDER[SUCCESSOR_DECIDED_FROM]:
            return Risk(Rating.GREEN, "Successor decided")
        return Risk(Rating.GREEN, f"Recommissioning under way ({furthest.label})")
    start_by = recommissioning_start_by(max_end, lead_months=lead_months)
    if today >= start_by:
        return Risk(Rating.RED, f"Recommissioning should have started by {long_date(start_by)}", start_by)
    if today >= terms.add_months(start_by, -AMBER_WARNING_MONTHS):
        return Risk(Rating.AMBER, f"Recommissioning must start by {long_date(start_by)}", start_by)
    return Risk(Rating.GREEN, f"Recommissioning due to start by {long_date(start_by)}", start_by)
