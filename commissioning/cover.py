"""Continuity of cover: which days a service has a contract behind it. Pure: no ORM, no clock.

A service (a refuge, an IDVA service) is what residents depend on; contracts cover it for
periods. For each service the chain of its contracts, in start order, has a boundary wherever
one contract's cover ends and the next one's begins. ``service_boundaries`` works out each
boundary that still matters on ``today``:

1. The old contract's last day of cover: its current end (or termination), moved on by the
   extension options already approved, or by the next open option when "extend" is decided.
2. The new cover's first day: the start of the next contract in the chain that runs beyond
   the old one (a successor may replace several old contracts: it appears in each of their
   services' chains); failing that, the target start of a cycle replacing the old contract.
3. A gap is every day between the two that no other contract in the chain covers; an overlap
   is the days both run. No successor and no cycle is a boundary with no successor at all,
   unless decommissioning is decided: a decided end of cover is never a gap. A service whose
   last contract has ended with nothing recorded after it keeps that boundary, however long
   ago: it has had no contract since (``Boundary.uncovered_since``). Nothing taking over is
   flagged once recommissioning should have started (``Boundary.no_successor``).
4. For a gap, the open options of the old contract that could bridge it, in the order they
   would have to be exercised, each with its decide-by date and whether that has passed.

``commissioning.selectors`` builds the inputs from the models and ``rules.recommissioning_risk``
rates the boundaries; term arithmetic comes from ``contracts.terms`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from contracts.terms import ONE_DAY

# Decision values (contracts.models.Contract.Decision), repeated here to keep this module pure.
EXTEND = "extend"
EXTEND_WITH_VARIATIONS = "extend_with_variations"
RETENDER = "retender"
DECOMMISSION = "decommission"

# Option statuses that count: approved ones are planned cover, available and proposed ones could be.
APPROVED = "approved"
OPEN = ("available", "proposed", "approved")


def day(value: date) -> str:
    return f"{value:%-d %B %Y}"


@dataclass(frozen=True)
class Period:
    """Days from ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def words(self) -> str:
        """ "from 1 to 31 March 2027", "from 30 March to 2 April 2027", "on 1 March 2027"."""
        if self.first == self.last:
            return f"on {day(self.first)}"
        if self.first.year != self.last.year:
            return f"from {day(self.first)} to {day(self.last)}"
        if self.first.month != self.last.month:
            return f"from {self.first:%-d %B} to {day(self.last)}"
        return f"from {self.first.day} to {day(self.last)}"


@dataclass(frozen=True)
class OpenOption:
    """An extension option that can still be exercised, where it falls and when to decide."""

    sequence: int
    start: date
    end: date
    decide_by: date
    status: str = "available"


@dataclass(frozen=True)
class Term:
    """One contract as cover sees it: when it runs, what it could run to, what was decided."""

    reference: str
    start: date
    end: date  # the current end date, or the termination date if earlier
    options: tuple[OpenOption, ...] = ()  # open options only, in sequence
    decision: str = ""
    terminated: bool = False
    pk: int | None = None
    # When recommissioning should start (the maximum end less the lead time): until then a
    # missing successor is not yet a concern. None: always a concern.
    recommission_by: date | None = None

    @property
    def planned_end(self) -> date:
        """The last day of cover already planned: approved options, or the next one when
        "extend" is decided (a decision is reflected at once, before the option is exercised)."""
        if self.terminated:
            return self.end
        end = self.end
        for option in self.options:
            if option.status == APPROVED:
                end = option.end
            else:
                break
        if self.decision in (EXTEND, EXTEND_WITH_VARIATIONS):
            following = [option for option in self.options if option.end > end]
            if following:
                end = following[0].end
        return end


@dataclass(frozen=True)
class Cycle:
    """A commissioning cycle replacing a contract, as cover sees it."""

    name: str
    stage: str
    target_start: date | None = None
    # Open milestones of the cycle due before today that someone must act on: (title, days overdue).
    overdue: tuple[tuple[str, int], ...] = ()
    pk: int | None = None
    # Months each stage takes the cycle's team, (stage, months); empty for the defaults.
    stage_months: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class BridgingOption:
    """An option of the old contract that would have to be exercised to close a gap."""

    reference: str
    option: OpenOption
    decide_by_passed: bool


@dataclass(frozen=True)
class Boundary:
    """Where one contract's cover of a service ends and what comes after it."""

    service: str
    old: Term
    last_day: date  # the last day of cover planned under the old contract
    new: Term | None = None  # the successor contract, if there is one
    cycle: Cycle | None = None  # the cycle replacing the old contract, if any
    first_day: date | None = None  # the first day of new cover, if planned
    gap: Period | None = None
    overlap_days: int = 0
    bridging: tuple[BridgingOption, ...] = ()
    # Every open option together cannot reach the new cover's start.
    options_fall_short: bool = False
    decommissioned: bool = False
    # The old contract has ended, no contract follows it and no decommissioning was decided:
    # the service has had no contract since this day.
    uncovered_since: date | None = None
    # Another contract in the chain runs past the old one's last day (a longer parallel contract).
    covered_after: bool = False
    # The old cover has ended, or recommissioning should have started (``Term.recommission_by``).
    successor_due: bool = True

    @property
    def has_successor(self) -> bool:
        return self.first_day is not None

    @property
    def no_successor(self) -> bool:
        """Nothing will take over, and something should by now: no successor contract and no
        cycle replacing the old one (or only one whose new contract has not appeared though the
        old cover has ended), once recommissioning should have started or the cover has ended."""
        if self.decommissioned or self.new is not None or self.covered_after or not self.successor_due:
            return False
        return self.cycle is None or self.uncovered_since is not None

    @property
    def no_successor_words(self) -> str:
        """ "Refuge has had no contract since 1 March 2027: nothing replaces MK-SPF-REFUGE"."""
        if not self.no_successor:
            return ""
        if self.uncovered_since is not None:
            return (
                f"{self.service} has had no contract since {day(self.uncovered_since)}: "
                f"nothing replaces {self.old.reference}"
            )
        return f"Nothing replaces {self.old.reference}: {self.service}'s cover ends on {day(self.last_day)}"

    @property
    def target_moved(self) -> bool:
        """The successor contract starts on a different day from the one its cycle targeted."""
        return bool(self.new and self.cycle and self.cycle.target_start and self.cycle.target_start != self.new.start)

    @property
    def gap_words(self) -> str:
        """ "Refuge has no contract from 1 to 31 March 2027: the new contract starts on 1 April 2027"."""
        if self.gap is None:
            return ""
        successor = f"{self.new.reference} starts" if self.new else "the new contract is planned to start"
        text = f"{self.service} has no contract {self.gap.words}: {successor} on {day(self.first_day)}"
        if self.target_moved:
            text += f", not {day(self.cycle.target_start)} as its cycle planned"
        return text

    @property
    def closes_it(self) -> str:
        """What would close the gap, in words: "option 1 of MK-SPF-REFUGE could bridge it, decide
        by 30 November 2026"; the first option's decide-by date, or the first one that has passed."""
        if self.gap is None:
            return ""
        start_by = f"starting the new contract by {day(self.gap.first)}"
        if not self.bridging and self.old.decision == RETENDER and self.old.options:
            return f"re-tender is decided, so no option will bridge it: only {start_by} closes it"
        if not self.bridging:
            return f"no option can bridge it: only {start_by}, or other cover for the {self.gap.days} days, closes it"
        sequences = [str(bridge.option.sequence) for bridge in self.bridging]
        which = (
            f"option {sequences[0]}"
            if len(sequences) == 1
            else f"options {', '.join(sequences[:-1])} and {sequences[-1]}"
        )
        which += f" of {self.bridging[0].reference}"
        passed = next((bridge for bridge in self.bridging if bridge.decide_by_passed), None)
        if passed is not None:
            deadline = f"but the decide-by date for option {passed.option.sequence}, {day(passed.option.decide_by)}, has passed"
        else:
            deadline = f"decide by {day(self.bridging[0].option.decide_by)}"
        if self.options_fall_short:
            return f"{which} would shorten it ({deadline}); only {start_by} closes it"
        return f"{which} could bridge it, {deadline}"

    @property
    def summary(self) -> str:
        """The boundary in one line, for the cover summaries on contract and cycle pages."""
        if self.gap is not None:
            return self.words
        if self.decommissioned:
            return f"Cover under {self.old.reference} ends on {day(self.last_day)}: decommissioning decided"
        if self.no_successor:
            return self.no_successor_words
        if self.first_day is None:
            return f"Nothing replaces {self.old.reference} yet: its cover ends on {day(self.last_day)}"
        successor = self.new.reference if self.new else "The new contract"
        if self.overlap_days:
            return (
                f"{successor} starts on {day(self.first_day)}, overlapping {self.old.reference} "
                f"by {self.overlap_days} day{'s' if self.overlap_days != 1 else ''}"
            )
        return f"{successor} takes over on {day(self.first_day)}, the day after {self.old.reference} ends"

    @property
    def words(self) -> str:
        """The gap and what would close it, in one sentence."""
        return f"{self.gap_words}; {self.closes_it}" if self.gap else ""


def _uncovered(first: date, last: date, covered: Iterable[tuple[date, date]]) -> Period | None:
    """The first run of days from ``first`` to ``last`` that no (start, end) in ``covered`` includes."""
    day_ = first
    for start, end in sorted(covered):
        if end < day_:
            continue
        if start > day_:
            break
        day_ = end + ONE_DAY
        if day_ > last:
            return None
    if day_ > last:
        return None
    gap_end = last
    for start, _end in sorted(covered):
        if day_ <= start <= gap_end:
            gap_end = start - ONE_DAY
            break
    return Period(day_, gap_end)


def _bridging(old: Term, last_day: date, first_day: date, today: date) -> tuple[tuple[BridgingOption, ...], bool]:
    """The open options after ``last_day`` needed, in order, to run to the day before ``first_day``."""
    if old.terminated:
        return (), True
    needed = []
    reached = last_day
    for option in old.options:
        if option.end <= last_day:
            continue
        needed.append(BridgingOption(old.reference, option, option.decide_by < today))
        reached = option.end
        if reached >= first_day - ONE_DAY:
            return tuple(needed), False
    return tuple(needed), True


def _furthest(cycles: Sequence[Cycle], stage_order: Mapping[str, int]) -> Cycle | None:
    if not cycles:
        return None
    return max(cycles, key=lambda cycle: (stage_order.get(cycle.stage, -1), cycle.target_start or date.min))


def service_boundaries(
    service: str,
    chain: Sequence[Term],
    cycles: Mapping[str, Sequence[Cycle]],
    *,
    today: date,
    stage_order: Mapping[str, int] | None = None,
) -> list[Boundary]:
    """The boundaries of one service's cover that still matter on ``today`` (module docstring).

    ``chain`` is every contract that covers the service, in any order; ``cycles`` maps a
    contract's reference to the cycles replacing it. A boundary whose old contract has ended
    and whose successor has started is history and left out.
    """
    stage_order = stage_order or {}
    ordered = sorted(chain, key=lambda term: (term.start, term.end, term.reference))
    boundaries = []
    for index, old in enumerate(ordered):
        successor = next((term for term in ordered[index + 1 :] if term.start > old.start and term.end > old.end), None)
        replacing = cycles.get(old.reference, ())
        cycle = _furthest(replacing, stage_order)
        # A cycle's decision on expiry is held on the contracts it replaces, so ``old.decision`` is it.
        decommissioned = successor is None and old.decision == DECOMMISSION
        last_day = old.planned_end
        first_day = (
            None if decommissioned else (successor.start if successor else (cycle.target_start if cycle else None))
        )
        gap, overlap, bridging, falls_short = None, 0, (), False
        if first_day is not None and first_day > last_day + ONE_DAY:
            others = [(t.start, t.planned_end) for t in ordered if t is not old and t is not successor]
            gap = _uncovered(last_day + ONE_DAY, first_day - ONE_DAY, others)
            if gap is not None and old.decision in (RETENDER, DECOMMISSION):
                falls_short = True  # the options will not be used: the decision says so
            elif gap is not None:
                bridging, falls_short = _bridging(old, last_day, first_day, today)
        elif first_day is not None:
            overlap = (last_day - first_day).days + 1
        # The old contract has ended and nothing is recorded after it: the service is uncovered now.
        covered_after = any(term.planned_end > last_day for term in ordered if term is not old)
        uncovered_since = None
        if last_day < today and successor is None and not decommissioned and not covered_after:
            uncovered_since = last_day + ONE_DAY
        # History: the old contract has ended and no gap is still to come.
        if last_day < today and (gap is None or gap.last < today) and uncovered_since is None:
            continue
        boundaries.append(
            Boundary(
                service=service,
                old=old,
                last_day=last_day,
                new=successor,
                cycle=cycle,
                first_day=first_day,
                gap=gap,
                overlap_days=overlap,
                bridging=bridging,
                options_fall_short=falls_short,
                decommissioned=decommissioned,
                uncovered_since=uncovered_since,
                covered_after=covered_after,
                successor_due=(
                    uncovered_since is not None or old.recommission_by is None or today >= old.recommission_by
                ),
            )
        )
    return boundaries


def gap_key(boundary: Boundary) -> tuple:
    """What makes a gap the same gap in two readings: its service, the contract it follows and its days."""
    return (boundary.service, boundary.old.reference, boundary.gap)


def gaps_opened(before: Iterable[Boundary], after: Iterable[Boundary]) -> list[Boundary]:
    """The gaps in ``after`` that ``before`` did not have, in date order: a gap that grew or
    moved counts as opened, since its days are not the ones the officer knew about."""
    known = {gap_key(boundary) for boundary in before if boundary.gap is not None}
    opened = [boundary for boundary in after if boundary.gap is not None and gap_key(boundary) not in known]
    return sorted(opened, key=lambda boundary: (boundary.gap.first, boundary.service))


@dataclass(frozen=True)
class ServiceCover:
    """One service's chain and boundaries, as the timeline and the cover summaries show it."""

    name: str
    chain: tuple[Term, ...]
    boundaries: tuple[Boundary, ...] = field(default_factory=tuple)
    pk: int | None = None

    @property
    def gaps(self) -> list[Boundary]:
        return [boundary for boundary in self.boundaries if boundary.gap is not None]

    @property
    def without_successor(self) -> list[Boundary]:
        """Boundaries after which nothing takes over (``Boundary.no_successor``)."""
        return [boundary for boundary in self.boundaries if boundary.no_successor]
