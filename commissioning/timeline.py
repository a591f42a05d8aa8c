"""The timeline's layout: dates to x positions, bars and markers. Pure: no ORM, no clock.

The view gathers plain facts (``ContractFacts``, ``CycleFacts``) and passes ``today``;
``layout`` returns every coordinate the SVG needs, so the template only prints numbers.

The drawing is in SVG user units: ``WIDTH`` across, row labels on the left, the chart from
``CHART_LEFT`` to ``CHART_RIGHT``. A day is a slice of the chart: ``Scale.x(day)`` is where
the day begins and ``Scale.x(day + 1 day)`` where it ends, so an inclusive end date is drawn
to the end of its day and two back-to-back periods meet without a gap.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from common.dates import long_date, moment_words
from contracts import terms
from contracts.terms import add_months

ONE_DAY = timedelta(days=1)

WIDTH = 1000
LABEL_LEFT = 8
CHART_LEFT = 250
CHART_RIGHT = 985
LEGEND_TOP = 6
LEGEND_LINE = 22
ROW_HEIGHT = 38
SECTION_HEIGHT = 30
BAR_OFFSET = 8  # from the top of a row to the top of its bars
BAR_HEIGHT = 18
MARKER_RADIUS = 7
BOTTOM_MARGIN = 12

# Rough text widths for truncating labels and deciding whether a label fits in a bar: SVG
# text does not wrap or measure itself, and these err on the wide side.
CHAR_WIDTH = {11: 5.7, 12: 6.2, 13: 7.4}
# Years closer together than this get a label every 2, 5 or 10 years instead.
MIN_YEAR_LABEL_GAP = 40


def truncate(text: str, width: float, font_size: int) -> str:
    """``text`` cut with an ellipsis to fit ``width`` units at ``font_size``."""
    room = int(width // CHAR_WIDTH[font_size])
    return text if len(text) <= room else text[: max(room - 1, 1)].rstrip() + "…"


# --- the window and the scale ---------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days the chart shows, both inclusive."""

    first: date
    last: date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("a window ends on or after its first day")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def overlaps(self, start: date, end: date) -> bool:
        return start <= self.last and end >= self.first

    @property
    def label(self) -> str:
        return f"{long_date(self.first)} to {long_date(self.last)}"


def default_window(today: date) -> Window:
    """From a year before ``today`` to five years after it."""
    return Window(add_months(today, -12), add_months(today, 60))


def window_spanning(days: Iterable[date]) -> Window | None:
    """Whole calendar years covering every one of ``days`` (None if there are none)."""
    days = list(days)
    if not days:
        return None
    return Window(date(min(days).year, 1, 1), date(max(days).year, 12, 31))


@dataclass(frozen=True)
class Scale:
    """Days in the window to x positions across the chart."""

    window: Window
    left: float = CHART_LEFT
    right: float = CHART_RIGHT

    @property
    def day_width(self) -> float:
        return (self.right - self.left) / self.window.days

    def x(self, day: date) -> float:
        """Where ``day`` begins (not clamped: days outside the window fall outside the chart)."""
        return round(self.left + (day - self.window.first).days * self.day_width, 2)

    def middle(self, day: date) -> float:
        """The middle of ``day``: where a marker for something on that day is drawn."""
        return round(self.x(day) + self.day_width / 2, 2)

    def span(self, start: date, end: date) -> tuple[float, float] | None:
        """The x of the start and the end of the period ``start`` to ``end`` (inclusive),
        cut to the window; None if the period is wholly outside it."""
        if not self.window.overlaps(start, end):
            return None
        first = max(start, self.window.first)
        last = min(end, self.window.last)
        return self.x(first), self.x(last + ONE_DAY)


# --- the facts the view gathers -------------------------------------------------------------


@dataclass(frozen=True)
class OptionFacts:
    """An extension option, where it falls if every option before it is exercised."""

    sequence: int
    start: date
    end: date
    status: str  # the status as the officer reads it: "Available", "Exercised"...
    length: str  # "2 years"
    exercised: bool = False
    open: bool = False  # can still be exercised: available, proposed or approved

    @property
    def period(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"


@dataclass(frozen=True)
class MilestoneFacts:
    """A milestone; ``at`` and ``ends_at`` are already in London time when it has a time."""

    day: date
    title: str
    status: str  # Milestone.shown_status's key: scheduled, passed, overdue, met, missed, cancelled
    status_label: str
    at: datetime | None = None
    status_colour: str = "blue"  # its GOV.UK tag colour, as on every page
    ends_at: datetime | None = None
    conflict_note: str = ""

    @property
    def when(self) -> str:
        """12 March 2026; 12 March 2026 at midday; 8 June 2026, 10am to 11:30am."""
        if self.at is None:
            return long_date(self.day)
        return moment_words(self.at, self.ends_at)

    @property
    def description(self) -> str:
        text = f"{self.title}: {self.when} ({self.status_label.lower()})"
        if self.conflict_note:
            text += f". Sources disagree: {self.conflict_note}"
        return text


@dataclass(frozen=True)
class ContractFacts:
    reference: str
    title: str
    url: str
    start: date
    initial_end: date
    current_end: date
    max_extent: date  # as written in the contract, or where the last option would end
    max_extent_set: bool = True  # False when max_extent is only where the last option ends
    options: tuple[OptionFacts, ...] = ()
    milestones: tuple[MilestoneFacts, ...] = ()
    terminated_on: date | None = None
    parent_reference: str = ""  # the framework it sits under, if shown just above it

    @property
    def open_options(self) -> list[OptionFacts]:
        return [option for option in self.options if option.open]

    @property
    def last_day(self) -> date:
        """The last day the contract could run, for deciding whether it is in the window."""
        return terms.last_day(
            current_end=self.current_end, max_extent=self.max_extent, terminated_on=self.terminated_on
        )

    def days(self) -> list[date]:
        return [self.start, self.last_day, *(m.day for m in self.milestones)]


@dataclass(frozen=True)
class CycleFacts:
    name: str
    url: str
    stage: str
    target_start: date | None = None
    replaces: tuple[str, ...] = ()
    milestones: tuple[MilestoneFacts, ...] = ()

    @property
    def work_start(self) -> date | None:
        """The first dated step of the recommissioning: its earliest milestone."""
        return min((m.day for m in self.milestones), default=None)

    def days(self) -> list[date]:
        days = [m.day for m in self.milestones]
        return days + [self.target_start] if self.target_start else days


# --- what is drawn --------------------------------------------------------------------------


class BarKind(enum.StrEnum):
    INITIAL = "initial"
    EXERCISED = "exercised"
    OPEN = "open"  # an option not yet exercised, up to the maximum extent
    CYCLE = "cycle"  # a recommissioning, from its first milestone to the new contracts' start
    COVER = "cover"  # a contract's cover of a service, to the last day planned
    GAP = "gap"  # days a service has no contract (commissioning.cover)


@dataclass(frozen=True)
class Bar:
    kind: BarKind
    start: date  # the whole period, as the title says; x and width are the part in the window
    end: date
    title: str
    label: str
    x: float
    width: float
    y: float = 0
    continues_before: bool = False  # the period starts before the window
    continues_after: bool = False  # and runs on after it
    label_start: float | None = None  # where the label begins, if not at the bar's left end

    @property
    def display_label(self) -> str:
        """The label inside the bar, with arrows where the period runs on outside the chart."""
        return f"{'← ' if self.continues_before else ''}{self.label}{' →' if self.continues_after else ''}"

    @property
    def label_width(self) -> float:
        return len(self.display_label) * CHAR_WIDTH[11]

    @property
    def label_x(self) -> float:
        return round(self.x + 5 if self.label_start is None else self.label_start, 2)

    @property
    def shows_label(self) -> bool:
        return bool(self.label) and self.label_x + self.label_width + 3 <= self.x + self.width

    @property
    def label_y(self) -> float:
        return round(self.y + BAR_HEIGHT / 2 + 4, 2)


def make_bar(scale: Scale, kind: BarKind, start: date, end: date, *, title: str, label: str) -> Bar | None:
    """A bar for ``start`` to ``end``, cut to the window; None if none of it is in the window."""
    span = scale.span(start, end)
    if span is None:
        return None
    x0, x1 = span
    window = scale.window
    return Bar(
        kind,
        start,
        end,
        title,
        label,
        x0,
        round(max(x1 - x0, 1), 2),
        continues_before=start < window.first,
        continues_after=end > window.last,
    )


def contract_bars(scale: Scale, contract: ContractFacts) -> list[Bar]:
    """The initial term, each exercised extension and each option still open.

    1. The initial term runs from the start to the end of the initial term.
    2. Exercised options follow, each in the period ``option_periods`` gives it.
    3. Open options (available, proposed, approved) follow, cut at the maximum extent: the
       contract can never run past it. Declined and lapsed options are not drawn.
    4. A contract terminated early stops there: later periods are not drawn and the period
       it ended in is cut at the termination date.
    """
    periods = [(BarKind.INITIAL, contract.start, contract.initial_end, None)]
    for option in sorted(contract.options, key=lambda o: o.sequence):
        if option.exercised:
            periods.append((BarKind.EXERCISED, option.start, option.end, option))
        elif option.open and option.start <= contract.max_extent:
            periods.append((BarKind.OPEN, option.start, min(option.end, contract.max_extent), option))

    bars = []
    for kind, start, end, option in periods:
        notes = []
        if option is not None:
            notes.append(f"option {option.sequence}, {option.length}")
        if option is not None and end < option.end:
            notes.append(f"cut at the maximum extent, {long_date(contract.max_extent)}")
        if contract.terminated_on is not None and kind == BarKind.OPEN:
            continue  # a terminated contract can no longer be extended
        if contract.terminated_on is not None and end > contract.terminated_on:
            if start > contract.terminated_on:
                continue
            notes.append(f"terminated early; was to end {long_date(end)}")
            end = contract.terminated_on
        if kind == BarKind.INITIAL:
            title, label = f"Initial term: {long_date(start)} to {long_date(end)}", "Initial term"
        elif kind == BarKind.EXERCISED:
            title = f"Extension (exercised): {long_date(start)} to {long_date(end)}"
            label = f"Extension {option.sequence}"
        else:
            title = f"Extension ({option.status.lower()}): {long_date(start)} to {long_date(end)}"
            label = f"Option {option.sequence}"
        if notes:
            title += f" ({'; '.join(notes)})"
        bar = make_bar(scale, kind, start, end, title=f"{contract.reference}. {title}", label=label)
        if bar is not None:
            bars.append(bar)
    return bars


def cycle_bars(scale: Scale, cycle: CycleFacts) -> list[Bar]:
    """The recommissioning work: from the first milestone to the day before the new start."""
    start, target = cycle.work_start, cycle.target_start
    if start is None or target is None or target <= start:
        return []
    end = target - ONE_DAY
    title = f"{cycle.name}. Recommissioning ({cycle.stage.lower()}): {long_date(start)} to {long_date(end)}"
    # No label inside: the stage is written under the cycle's name already.
    bar = make_bar(scale, BarKind.CYCLE, start, end, title=title, label="")
    return [bar] if bar else []


@dataclass(frozen=True)
class CoverFacts:
    """One contract in a service's chain, as far as its cover is planned."""

    reference: str
    start: date
    end: date


@dataclass(frozen=True)
class GapFacts:
    first: date
    last: date
    words: str  # the gap and what would close it, as commissioning.cover says it


@dataclass(frozen=True)
class ServiceFacts:
    """A service as one row: its chain of contracts and any gap in red."""

    name: str
    chain: tuple[CoverFacts, ...]
    gaps: tuple[GapFacts, ...] = ()

    def days(self) -> list[date]:
        return [day for term in self.chain for day in (term.start, term.end)]


def service_bars(scale: Scale, service: ServiceFacts) -> list[Bar]:
    """Each contract's cover, labelled with its reference, and each gap, labelled "No contract"."""
    bars = []
    for term in service.chain:
        title = f"{service.name}. {term.reference}: {long_date(term.start)} to {long_date(term.end)}"
        bars.append(make_bar(scale, BarKind.COVER, term.start, term.end, title=title, label=term.reference))
    for gap in service.gaps:
        bars.append(make_bar(scale, BarKind.GAP, gap.first, gap.last, title=f"{gap.words}", label="No contract"))
    return [bar for bar in bars if bar is not None]


class MarkerKind(enum.StrEnum):
    SCHEDULED = "scheduled"
    MET = "met"
    MISSED = "missed"
    OVERDUE = "overdue"
    TARGET_START = "target-start"


@dataclass(frozen=True)
class Marker:
    kind: MarkerKind
    day: date
    title: str
    x: float
    y: float  # the middle of the row's bars

    @property
    def points(self) -> str:
        """A diamond for a milestone; a triangle pointing up for a target start."""
        r, x, y = MARKER_RADIUS, self.x, self.y
        if self.kind == MarkerKind.TARGET_START:
            corners = [(x, y - r), (x + r, y + r), (x - r, y + r)]
        else:
            corners = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
        return " ".join(f"{round(cx, 2)},{round(cy, 2)}" for cx, cy in corners)

    @property
    def cross(self) -> str:
        """The path of the cross drawn over a missed milestone."""
        d, x, y = MARKER_RADIUS / 2, self.x, self.y
        return f"M{x - d:.2f},{y - d:.2f}L{x + d:.2f},{y + d:.2f}M{x - d:.2f},{y + d:.2f}L{x + d:.2f},{y - d:.2f}"


def milestone_markers(scale: Scale, milestones: Sequence[MilestoneFacts], *, y: float, prefix: str) -> list[Marker]:
    """A marker for each milestone in the window, in the middle of its day."""
    kinds = {"met": MarkerKind.MET, "missed": MarkerKind.MISSED, "overdue": MarkerKind.OVERDUE}
    return [
        Marker(kinds.get(m.status, MarkerKind.SCHEDULED), m.day, f"{prefix}. {m.description}", scale.middle(m.day), y)
        for m in milestones
        if scale.window.contains(m.day)
    ]


def today_x(scale: Scale, today: date) -> float | None:
    """Where the line for today goes: the middle of today, or None outside the window."""
    return scale.middle(today) if scale.window.contains(today) else None


@dataclass(frozen=True)
class YearTick:
    year: int
    x: float
    labelled: bool


def year_ticks(scale: Scale) -> list[YearTick]:
    """A gridline at each 1 January in the window; a label on every year that has room."""
    years = [
        year
        for year in range(scale.window.first.year, scale.window.last.year + 2)
        if scale.window.first <= date(year, 1, 1) <= scale.window.last + ONE_DAY
    ]
    year_width = 365.25 * scale.day_width
    step = next((s for s in (1, 2, 5, 10, 20, 50) if year_width * s >= MIN_YEAR_LABEL_GAP), 100)
    return [YearTick(year, scale.x(date(year, 1, 1)), year % step == 0) for year in years]


# --- the whole drawing ----------------------------------------------------------------------


@dataclass(frozen=True)
class LegendItem:
    kind: str  # a BarKind, a MarkerKind or "today"
    label: str
    x: float
    y: float

    @property
    def is_bar(self) -> bool:
        return self.kind in {kind.value for kind in BarKind}

    @property
    def is_marker(self) -> bool:
        return self.kind in {kind.value for kind in MarkerKind}

    @property
    def swatch_y(self) -> float:
        return round(self.y + 3, 2)

    @property
    def swatch_end_x(self) -> float:
        return round(self.x + 20, 2)

    @property
    def text_x(self) -> float:
        return round(self.x + 26, 2)

    @property
    def text_y(self) -> float:
        return round(self.y + 14, 2)

    @property
    def middle_y(self) -> float:
        return round(self.y + LEGEND_LINE / 2 - 2, 2)

    @property
    def marker(self) -> Marker:
        return Marker(MarkerKind(self.kind), date.min, self.label, self.x + 10, self.middle_y)


LEGEND = [
    (BarKind.INITIAL, "Initial term"),
    (BarKind.EXERCISED, "Extension exercised"),
    (BarKind.OPEN, "Option not yet exercised, to the maximum extent"),
    (BarKind.CYCLE, "Recommissioning"),
    (MarkerKind.SCHEDULED, "Milestone"),
    (MarkerKind.MET, "Milestone met"),
    (MarkerKind.OVERDUE, "Milestone overdue"),
    (MarkerKind.MISSED, "Milestone missed"),
    (MarkerKind.TARGET_START, "New contracts start"),
    ("today", "Today"),
]
COVER_LEGEND = [(BarKind.COVER, "A contract's cover of a service"), (BarKind.GAP, "No contract: a gap in cover")]


def legend(top: float = LEGEND_TOP, *, with_cover: bool = False) -> tuple[list[LegendItem], float]:
    """The key, laid out in lines across the width; returns the items and the y below them."""
    items, x, y = [], float(LABEL_LEFT), float(top)
    for kind, label in (COVER_LEGEND if with_cover else []) + LEGEND:
        width = 26 + len(label) * CHAR_WIDTH[12] + 22
        if x + width > WIDTH and items:
            x, y = float(LABEL_LEFT), y + LEGEND_LINE
        items.append(LegendItem(str(kind), label, round(x, 2), y))
        x += width
    return items, y + LEGEND_LINE


@dataclass
class Row:
    kind: str  # "service", "contract" or "cycle"
    facts: ServiceFacts | ContractFacts | CycleFacts
    y: float
    label: str
    sublabel: str
    url: str
    bars: list[Bar]
    markers: list[Marker]
    indent: float = 0
    shaded: bool = False

    height = ROW_HEIGHT

    @property
    def label_x(self) -> float:
        return LABEL_LEFT + self.indent

    @property
    def label_y(self) -> float:
        return round(self.y + 16, 2)

    @property
    def sublabel_y(self) -> float:
        return round(self.y + 30, 2)

    @property
    def full_label(self) -> str:
        return f"{self.label}: {self.sublabel}" if self.sublabel else self.label


@dataclass
class Section:
    title: str
    y: float
    rows: list[Row] = field(default_factory=list)

    @property
    def title_y(self) -> float:
        return round(self.y + 20, 2)


@dataclass
class Timeline:
    window: Window
    today: date
    today_x: float | None
    legend: list[LegendItem]
    axis_y: float  # the baseline of the year labels
    chart_top: float
    height: float
    years: list[YearTick]
    sections: list[Section]
    width: int = WIDTH
    chart_left: float = CHART_LEFT
    chart_right: float = CHART_RIGHT

    @property
    def contracts(self) -> list[ContractFacts]:
        return [row.facts for s in self.sections for row in s.rows if row.kind == "contract"]

    @property
    def cycles(self) -> list[CycleFacts]:
        return [row.facts for s in self.sections for row in s.rows if row.kind == "cycle"]

    @property
    def services(self) -> list[ServiceFacts]:
        return [row.facts for s in self.sections for row in s.rows if row.kind == "service"]

    @property
    def is_empty(self) -> bool:
        return not any(section.rows for section in self.sections)

    @property
    def chart_bottom(self) -> float:
        return round(self.height - BOTTOM_MARGIN, 2)

    @property
    def today_label_y(self) -> float:
        return round(self.axis_y + 18, 2)

    @property
    def description(self) -> str:
        """What the picture shows, for the SVG's <desc>."""
        contracts, cycles = len(self.contracts), len(self.cycles)
        parts = [
            f"Timeline of {contracts} contract{'s' if contracts != 1 else ''} and {cycles} "
            f"commissioning cycle{'s' if cycles != 1 else ''} from {self.window.label}."
        ]
        if self.services:
            gaps = sum(1 for service in self.services if service.gaps)
            parts.append(
                f"{len(self.services)} service{'s' if len(self.services) != 1 else ''} drawn as one row each, "
                f"{gaps} with a gap in cover."
            )
        if self.today_x is not None:
            parts.append(f"A line marks today, {long_date(self.today)}.")
        parts.append("The same dates are in the table that follows.")
        return " ".join(parts)


def _contract_row(scale: Scale, contract: ContractFacts, y: float, *, indent: bool) -> Row:
    bar_y = y + BAR_OFFSET
    bars = [_at(bar, bar_y) for bar in contract_bars(scale, contract)]
    markers = milestone_markers(scale, contract.milestones, y=bar_y + BAR_HEIGHT / 2, prefix=contract.reference)
    bars = [_clear_of_markers(bar, markers) for bar in bars]
    indent_by = 12 if indent else 0
    return Row(
        "contract",
        contract,
        y,
        label=truncate(contract.reference, CHART_LEFT - LABEL_LEFT - 10 - indent_by, 13),
        sublabel=truncate(contract.title, CHART_LEFT - LABEL_LEFT - 10 - indent_by, 11),
        url=contract.url,
        bars=bars,
        markers=markers,
        indent=indent_by,
    )


def _service_row(scale: Scale, service: ServiceFacts, y: float) -> Row:
    bars = [_at(bar, y + BAR_OFFSET) for bar in service_bars(scale, service)]
    gaps = len(service.gaps)
    return Row(
        "service",
        service,
        y,
        label=truncate(service.name, CHART_LEFT - LABEL_LEFT - 10, 13),
        sublabel=f"{gaps} gap{'s' if gaps != 1 else ''} in cover" if gaps else "Continuous cover planned",
        url="",
        bars=bars,
        markers=[],
    )


def _cycle_row(scale: Scale, cycle: CycleFacts, y: float) -> Row:
    bar_y = y + BAR_OFFSET
    middle = bar_y + BAR_HEIGHT / 2
    bars = [_at(bar, bar_y) for bar in cycle_bars(scale, cycle)]
    markers = milestone_markers(scale, cycle.milestones, y=middle, prefix=cycle.name)
    if cycle.target_start and scale.window.contains(cycle.target_start):
        title = f"{cycle.name}. New contracts start: {long_date(cycle.target_start)}"
        markers.append(Marker(MarkerKind.TARGET_START, cycle.target_start, title, scale.x(cycle.target_start), middle))
    return Row(
        "cycle",
        cycle,
        y,
        label=truncate(cycle.name, CHART_LEFT - LABEL_LEFT - 10, 13),
        sublabel=truncate(cycle.stage, CHART_LEFT - LABEL_LEFT - 10, 11),
        url=cycle.url,
        bars=bars,
        markers=markers,
    )


def _at(bar: Bar, y: float) -> Bar:
    return dataclasses.replace(bar, y=round(y, 2))


def _clear_of_markers(bar: Bar, markers: Sequence[Marker]) -> Bar:
    """The bar with its label moved right past any marker it would sit under."""
    start = bar.label_x
    for x in sorted(marker.x for marker in markers):
        if start - MARKER_RADIUS - 2 < x < start + bar.label_width + MARKER_RADIUS + 2:
            start = x + MARKER_RADIUS + 3
    return dataclasses.replace(bar, label_start=round(start, 2))


def _in_window(window: Window, facts: ServiceFacts | ContractFacts | CycleFacts) -> bool:
    if isinstance(facts, ServiceFacts):
        return any(window.overlaps(term.start, term.end) for term in facts.chain) or any(
            window.overlaps(gap.first, gap.last) for gap in facts.gaps
        )
    if isinstance(facts, ContractFacts):
        if window.overlaps(facts.start, facts.last_day):
            return True
    elif facts.work_start and facts.target_start and window.overlaps(facts.work_start, facts.target_start):
        return True
    return any(window.contains(day) for day in facts.days())


def layout(
    *,
    contracts: Sequence[ContractFacts],
    cycles: Sequence[CycleFacts],
    window: Window,
    today: date,
    services: Sequence[ServiceFacts] = (),
) -> Timeline:
    """Every position the timeline draws, for the services, contracts and cycles with anything
    in the window. Services come first, one row each with its chain of contracts and any gap.

    Rows keep the order given, except that a contract whose framework is shown goes under it.
    """
    scale = Scale(window)
    shown_services = [service for service in services if _in_window(window, service)]
    items, legend_bottom = legend(with_cover=bool(shown_services))
    axis_y = legend_bottom + 16
    chart_top = axis_y + 26  # room for the year labels and the "Today" label
    y = chart_top
    sections = []
    if shown_services:
        section = Section("Services", y)
        y += SECTION_HEIGHT
        for service in shown_services:
            section.rows.append(_service_row(scale, service, y))
            y += ROW_HEIGHT
        sections.append(section)
    shown = [c for c in contracts if _in_window(window, c)]
    shown_refs = {c.reference for c in shown}
    if shown:
        section = Section("Contracts", y)
        y += SECTION_HEIGHT
        for contract in _parents_first(shown):
            indent = contract.parent_reference in shown_refs
            section.rows.append(_contract_row(scale, contract, y, indent=indent))
            y += ROW_HEIGHT
        sections.append(section)
    shown_cycles = [c for c in cycles if _in_window(window, c)]
    if shown_cycles:
        section = Section("Commissioning cycles", y)
        y += SECTION_HEIGHT
        for cycle in shown_cycles:
            section.rows.append(_cycle_row(scale, cycle, y))
            y += ROW_HEIGHT
        sections.append(section)
    for index, row in enumerate(row for section in sections for row in section.rows):
        row.shaded = index % 2 == 1
    return Timeline(
        window=window,
        today=today,
        today_x=today_x(scale, today),
        legend=items,
        axis_y=axis_y,
        chart_top=chart_top,
        height=round(y + BOTTOM_MARGIN, 2),
        years=year_ticks(scale),
        sections=sections,
    )


def _parents_first(contracts: Sequence[ContractFacts]) -> list[ContractFacts]:
    """The given order, with each contract moved to just after its framework (if shown)."""
    children: dict[str, list[ContractFacts]] = {}
    refs = {c.reference for c in contracts}
    for contract in contracts:
        if contract.parent_reference in refs:
            children.setdefault(contract.parent_reference, []).append(contract)
    ordered: list[ContractFacts] = []

    def add(contract: ContractFacts) -> None:
        ordered.append(contract)
        for child in children.get(contract.reference, []):
            add(child)

    for contract in contracts:
        if contract.parent_reference not in refs:
            add(contract)
    # Frameworks that (wrongly) sit under each other would otherwise never be reached.
    placed = {id(c) for c in ordered}
    return ordered + [c for c in contracts if id(c) not in placed]
