"""Reads that span relations: the dashboard, and the recommissioning risk of a contract.

Every read here takes a fixed number of queries however many rows there are: related rows
come with ``select_related``/``prefetch_related`` and the rules run on what was loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from access import policy
from common.counts import capped_counts, is_exact, more_words, total_words
from common.history import FieldChange, HistoryEntry, person_name
from contracts import terms
from contracts.models import Contract, ServiceCategory, Team, terms_of
from notices.council_duties import DecisionCalendar

from . import cover, derivation, rules
from .models import (
    STAGE_ORDER,
    CommissioningCycle,
    ContractRating,
    Milestone,
    Service,
    ServiceCoverEnd,
    Stage,
    stage_months_of,
)

UPCOMING_DAYS = 90
ENDING_WITHIN_MONTHS = (6, 12, 18)
# Each dashboard list shows at most this many rows, with its total and a link to the full list.
DASHBOARD_CAP = 25
# The next 90 days show at most this many milestones.
UPCOMING_CAP = 100
# Cycles named under each stage.
STAGE_CAP = 10


# --- the recommissioning risk of one contract ------------------------------------------------


Calendars = Mapping[int, DecisionCalendar]


def decision_calendars() -> Calendars:
    """Every buyer's meeting calendar by buyer id, read once per page and passed down
    (``derivation.decision_calendars``) so that rating many contracts costs one query for them."""
    return derivation.decision_calendars()


def _term(contract: Contract, calendars: Calendars) -> cover.Term:
    """A contract as ``commissioning.cover`` sees it (reads ``options`` once: prefetch them).

    Its options' decide-by dates are the derived milestones' (``derivation.option_decisions``),
    through its buyer's meeting calendar in ``calendars`` when one is recorded."""
    end = contract.current_end_date
    terminated = contract.terminated_on is not None
    if terminated:
        end = min(end, contract.terminated_on)
    # Read once and worked out here as Contract.option_periods and Contract.last_day do, so that
    # an unprefetched contract (the derivation's) costs one query for its options, not three.
    ordered = sorted(contract.options.all(), key=lambda option: option.sequence)
    months, ruled_out = terms_of(ordered)
    possible = [option.length_months for option in ordered if not option.is_ruled_out]
    last_day = terms.last_day(
        current_end=contract.current_end_date,
        max_extent=terms.max_extent(
            contract.start_date, contract.initial_term_months, possible, contract.max_extent_date
        ),
        terminated_on=contract.terminated_on,
    )
    open_options = []
    if not terminated:
        periods = terms.option_periods(contract.start_date, contract.initial_term_months, months, ruled_out)
        decisions = derivation.option_decisions(contract, ordered, calendars.get(contract.buyer_id))
        for option, period in zip(ordered, periods):
            if not option.is_open or period.start <= contract.current_end_date:
                continue
            if contract.max_extent_date and period.end > contract.max_extent_date:
                break  # beyond the maximum extent: it can never be exercised
            decide_by = decisions[option.sequence].due_on
            open_options.append(cover.OpenOption(option.sequence, period.start, period.end, decide_by, option.status))
    return cover.Term(
        reference=contract.reference,
        start=contract.start_date,
        end=end,
        options=tuple(open_options),
        decision=contract.decision,
        terminated=terminated,
        pk=contract.pk,
        recommission_by=rules.recommissioning_start_by(last_day, lead_months=contract.recommissioning_lead_months),
    )


def _cycle(cycle: CommissioningCycle, today: date) -> cover.Cycle:
    overdue = getattr(cycle, "overdue_milestones", None)
    if overdue is None:
        overdue = cycle.milestones.needing_action_before(today)
    return cover.Cycle(
        name=cycle.name,
        stage=cycle.stage,
        target_start=cycle.target_start_date,
        overdue=tuple((milestone.title, (today - milestone.due_on).days) for milestone in overdue),
        pk=cycle.pk,
        stage_months=tuple((stage_months_of(cycle.team) or {}).items()),
    )


def _cycles_for_cover() -> QuerySet[CommissioningCycle]:
    """What cover reads of a cycle: its stage, target start and its team's stage timings."""
    return CommissioningCycle.objects.select_related("team__stage_timings").only(
        "id", "name", "stage", "target_start_date", "team__id", "team__stage_timings"
    )


def _services_of(contract: Contract) -> list[Service]:
    """The services a contract covers: its own and, for a framework, its call-offs'."""
    found = {service.pk: service for service in contract.services_covered.all()}
    for child in contract.children.all():
        for service in child.services_covered.all():
            found.setdefault(service.pk, service)
    return sorted(found.values(), key=lambda service: service.name)


def service_cover(service: Service, *, today: date, calendars: Calendars | None = None) -> cover.ServiceCover:
    """One service's chain of contracts and its boundaries (reads prefetched relations; pass
    ``calendars`` from ``decision_calendars`` when doing many)."""
    if calendars is None:
        calendars = decision_calendars()
    contracts = list(service.contracts.all())
    chain = [_term(contract, calendars) for contract in contracts]
    cycles = {c.reference: [_cycle(cycle, today) for cycle in c.successor_cycles.all()] for c in contracts}
    boundaries = cover.service_boundaries(service.name, chain, cycles, today=today, stage_order=_STAGE_ORDER)
    return cover.ServiceCover(service.name, tuple(sorted(chain, key=lambda t: t.start)), tuple(boundaries), service.pk)


_STAGE_ORDER = {stage.value: index for stage, index in STAGE_ORDER.items()}


def contract_cover(contract: Contract, *, today: date, calendars: Calendars | None = None) -> list[cover.ServiceCover]:
    """The cover of every service a contract takes part in; a contract linked to no service is
    treated as a service of its own, replaced only through the cycles replacing it."""
    if calendars is None:
        calendars = decision_calendars()
    services = _services_of(contract)
    if services:
        return [service_cover(service, today=today, calendars=calendars) for service in services]
    term = _term(contract, calendars)
    cycles = {contract.reference: [_cycle(cycle, today) for cycle in contract.successor_cycles.all()]}
    boundaries = cover.service_boundaries(contract.title, [term], cycles, today=today, stage_order=_STAGE_ORDER)
    return [cover.ServiceCover(contract.title, (term,), tuple(boundaries))]


def contract_recommissioning_risk(
    contract: Contract,
    *,
    today: date,
    boundaries: list[cover.Boundary] | None = None,
    calendars: Calendars | None = None,
) -> rules.Risk | None:
    """``rules.recommissioning_risk`` for a contract, from the cover of the services it covers.

    Reads ``options``, ``successor_cycles``, ``services_covered`` and ``children``: prefetch
    them (see ``contracts_with_risk_relations``) when rating many contracts.
    """
    if boundaries is None:
        boundaries = contract_cover_of(contract, today=today, calendars=calendars).boundaries
    max_end = contract.last_day
    ends_on = contract.current_end_date
    if contract.terminated_on is not None:
        ends_on = min(ends_on, contract.terminated_on)
    return rules.recommissioning_risk(
        today, max_end=max_end, ends_on=ends_on, lead_months=contract.recommissioning_lead_months, boundaries=boundaries
    )


def cover_lookups(today: date) -> list:
    """The prefetches that let ``contract_cover_of`` rate contracts with no query per row."""
    overdue = Prefetch(
        "milestones",
        queryset=Milestone.objects.needing_action_before(today).only("id", "cycle_id", "title", "due_on"),
        to_attr="overdue_milestones",
    )
    cycles = _cycles_for_cover().prefetch_related(overdue)
    chain = Contract.objects.prefetch_related("options", Prefetch("successor_cycles", queryset=cycles))
    services = Service.objects.prefetch_related(Prefetch("contracts", queryset=chain))
    return [
        "options",
        Prefetch("successor_cycles", queryset=cycles),
        Prefetch("services_covered", queryset=services),
        "children",
        Prefetch("children__services_covered", queryset=services),
    ]


def contracts_with_risk_relations(contracts: QuerySet[Contract], *, today: date | None = None) -> QuerySet[Contract]:
    """What a contract row with its risk and cover shows, in a fixed number of queries."""
    lookups = cover_lookups(today or timezone.localdate())
    return contracts.select_related("provider", "team", "lead_officer").prefetch_related(*lookups)


@dataclass(frozen=True)
class ContractCover:
    """A contract's recommissioning risk with the cover it is rated on."""

    risk: rules.Risk | None
    # The boundaries at the end of this contract (or its call-offs), and every service it covers.
    boundaries: list[cover.Boundary]
    services: list[cover.ServiceCover]
    # The contract and its call-offs, by id.
    own: frozenset[int] = frozenset()

    @property
    def without_successor(self) -> list[cover.Boundary]:
        """Where this contract's (or a call-off's) cover ends with nothing to take over: "No successor"."""
        return [boundary for boundary in self.boundaries if boundary.no_successor]

    @property
    def gaps(self) -> list[cover.Boundary]:
        """The gaps this contract leaves, or its late start causes: it carries "Gap in cover"."""
        return [
            boundary
            for service in self.services
            for boundary in service.gaps
            if boundary.old.pk in self.own or (boundary.new is not None and boundary.new.pk in self.own)
        ]


def contract_cover_of(contract: Contract, *, today: date, calendars: Calendars | None = None) -> ContractCover:
    """The risk and cover of one contract (prefetch ``cover_lookups`` and pass ``calendars``
    from ``decision_calendars`` when doing many)."""
    services = contract_cover(contract, today=today, calendars=calendars)
    own = {contract.pk, *(child.pk for child in contract.children.all())}
    boundaries = [b for service in services for b in service.boundaries if b.old.pk in own]
    risk = contract_recommissioning_risk(contract, today=today, boundaries=boundaries)
    return ContractCover(risk, boundaries, services, frozenset(own))


def covers_of(contracts, *, today: date, calendars: Calendars | None = None) -> dict[int, ContractCover]:
    """``contract_cover_of`` for each of ``contracts`` (a page of the register, say), by id, in a
    fixed number of queries however many there are."""
    contracts = list(contracts)
    prefetch_related_objects(contracts, *cover_lookups(today))
    if calendars is None:
        calendars = decision_calendars()
    return {contract.pk: contract_cover_of(contract, today=today, calendars=calendars) for contract in contracts}


@dataclass(frozen=True)
class CycleCover:
    """The cover of the contracts a cycle replaces: the worst of their risks, their gaps and services."""

    risk: rules.Risk | None
    covers: dict[int, ContractCover]
    services: list[cover.ServiceCover]
    gaps: list[cover.Boundary]


def cycle_cover_of(cycle: CommissioningCycle, *, today: date) -> CycleCover:
    """Reads ``cycle.replaces`` (prefetched or not) and the cover of each, in a fixed number of queries."""
    covers = covers_of(cycle.replaces.all(), today=today)
    risks = [c.risk for c in covers.values() if c.risk is not None]
    worst = min(risks, key=lambda risk: rules.RATING_ORDER[risk.rating], default=None)
    services, gaps = {}, {}
    for contract_cover_ in covers.values():
        for service in contract_cover_.services:
            services.setdefault((service.pk, service.name), service)
        for boundary in contract_cover_.gaps:
            gaps.setdefault((boundary.service, boundary.old.reference, boundary.gap), boundary)
    return CycleCover(worst, covers, sorted(services.values(), key=lambda s: s.name), list(gaps.values()))


def _chain_of_visible_contracts(user, today: date) -> Prefetch:
    """A service's ``contracts`` as cover reads them: only those the person may see, each with
    its options and the cycles replacing it (with their overdue milestones)."""
    overdue = Prefetch(
        "milestones",
        queryset=Milestone.objects.needing_action_before(today).only("id", "cycle_id", "title", "due_on"),
        to_attr="overdue_milestones",
    )
    cycles = _cycles_for_cover().prefetch_related(overdue)
    chain = policy.contracts_visible_to(user).prefetch_related("options", Prefetch("successor_cycles", queryset=cycles))
    return Prefetch("contracts", queryset=chain)


def services_seen_by(user, *, team: Team | None = None) -> QuerySet[Service]:
    """The services with a contract the person may see (of ``team``, if given)."""
    services = Service.objects.filter(contracts__in=policy.contracts_visible_to(user)).distinct()
    if team is not None:
        services = services.filter(team=team)
    return services


def services_cover_for(
    *,
    user,
    today: date,
    team: Team | None = None,
    calendars: Calendars | None = None,
    only=None,
    limit: int | None = None,
) -> list[cover.ServiceCover]:
    """The cover of every service with a contract the person may see (``services_seen_by``; of
    ``only``, ids, if given; the first ``limit`` by team and name, if given), in a fixed number
    of queries; each chain holds only the contracts they may see, and only the services returned
    have their chain read."""
    services = services_seen_by(user, team=team).prefetch_related(_chain_of_visible_contracts(user, today))
    if only is not None:
        services = services.filter(pk__in=only)
    if calendars is None:
        calendars = decision_calendars()
    ordered = services.order_by("team__name", "name", "pk")
    if limit is not None:
        ordered = ordered[:limit]
    return [service_cover(service, today=today, calendars=calendars) for service in ordered]


def gaps_in_cover_for(*, user, today: date, team: Team | None = None) -> list[cover.Boundary]:
    """Every gap in the cover of the services the person may see (``services_cover_for``): what
    ``services.gaps_opened_by_change`` reads before and after a change to find the new ones."""
    return [boundary for service in services_cover_for(user=user, today=today, team=team) for boundary in service.gaps]


@dataclass(frozen=True)
class ServiceRow:
    """A service with its cover, for the services list and a service's page."""

    service: Service
    cover: cover.ServiceCover

    @property
    def contracts(self) -> list[Contract]:
        """Its contracts the person may see, in start order."""
        return sorted(self.service.contracts.all(), key=lambda contract: (contract.start_date, contract.reference))


def services_for(*, user, today: date, queryset: QuerySet[Service] | None = None) -> list[ServiceRow]:
    """The services a person may see (``access.policy``), each with its cover, in a fixed number
    of queries however many services and contracts there are; a service with no contracts yet
    is listed too."""
    services = policy.services_visible_to(user, queryset).select_related("team")
    services = services.prefetch_related(_chain_of_visible_contracts(user, today)).order_by("team__name", "name", "pk")
    calendars = decision_calendars()
    return [ServiceRow(service, service_cover(service, today=today, calendars=calendars)) for service in services]


def service_history(service: Service) -> list[HistoryEntry]:
    """Who added or changed a service, its contracts included, when and why, newest first."""
    verbs = {"+": "added", "~": "changed", "-": "deleted"}
    labels = {"name": "Name", "category": "Service area", "team_id": "Team"}
    # Each historical row's contracts (django-simple-history's m2m_fields), read in one query.
    records = list(service.history.select_related("history_user").prefetch_related("historicalservice_contracts_set"))
    ids = {row.contract_id for record in records for row in record.historicalservice_contracts_set.all()}
    references = dict(Contract.objects.filter(pk__in=ids).values_list("pk", "reference"))

    def contracts_of(record) -> str | None:
        rows = record.historicalservice_contracts_set.all()
        return ", ".join(sorted(references.get(row.contract_id, "a deleted contract") for row in rows)) or None

    entries, previous = [], None
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        changes = []
        if previous is not None:
            for name, label in labels.items():
                old, new = getattr(previous, name), getattr(record, name)
                if old != new:
                    changes.append(FieldChange(label, _service_value(name, old), _service_value(name, new)))
        before = contracts_of(previous) if previous is not None else None
        if contracts_of(record) != before:
            changes.append(FieldChange("Contracts", before, contracts_of(record)))
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=person_name(record.history_user),
                what=f"Service {verbs[record.history_type]}",
                why=record.history_change_reason or "",
                changes=changes,
                order=(record.history_date, record.history_id),
            )
        )
        previous = record
    return sorted(entries, key=lambda entry: entry.order, reverse=True)


def _service_value(name: str, value):
    if name == "category":
        return ServiceCategory(value).label if value in ServiceCategory.values else value
    if name == "team_id":
        return Team.objects.filter(pk=value).values_list("name", flat=True).first() or value
    return value


# --- the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    """Which items the dashboard shows: one team's, and/or only the signed-in officer's."""

    team: Team | None = None
    mine: bool = False


@dataclass(frozen=True)
class OverdueMilestone:
    milestone: Milestone
    days_overdue: int


@dataclass
class Week:
    commencing: date
    milestones: list[Milestone] = field(default_factory=list)


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    risk: rules.Risk | None
    gaps: tuple[cover.Boundary, ...] = ()
    # From the stored rating, which keeps whether the contract leaves a gap but not the gap itself.
    own_gap: bool = False

    @property
    def has_gap(self) -> bool:
        return bool(self.gaps) or self.own_gap

    @property
    def decision_status(self) -> str:
        return self.contract.get_decision_display() or "No decision recorded"


@dataclass(frozen=True)
class EndingGroup:
    """Contracts ending after ``after_months`` (if any) and within ``months`` of today."""

    months: int
    after_months: int | None
    rows: list[ContractRow]
    # How many there are: ``rows`` holds the first DASHBOARD_CAP.
    total: int = 0
    # Whether ``total`` was counted exactly, not up to common.counts.COUNT_CAP.
    exact: bool = True

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)

    @property
    def total_words(self) -> str:
        return total_words(self.total, exact=self.exact)

    @property
    def heading(self) -> str:
        if self.after_months is None:
            return f"Ending within {self.months} months"
        return f"Ending in {self.after_months} to {self.months} months"


@dataclass(frozen=True)
class StageGroup:
    stage: Stage
    # The first STAGE_CAP by name.
    cycles: list[CommissioningCycle]
    count: int = 0

    @property
    def more(self) -> int:
        return max(self.count - len(self.cycles), 0)


@dataclass(frozen=True)
class GapInCover:
    """A run of days a service would have no contract, and the contracts and cycles it touches."""

    boundary: cover.Boundary
    contracts: list[Contract]

    @property
    def what_would_close_it(self) -> str:
        text = self.boundary.closes_it
        return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class NoSuccessor:
    """A service whose cover ends, or has ended, with nothing to take over and no decommissioning decided."""

    service: cover.ServiceCover
    boundary: cover.Boundary


@dataclass(frozen=True)
class Dashboard:
    today: date
    overdue: list[OverdueMilestone]
    weeks: list[Week]
    upcoming_until: date
    ending: list[EndingGroup]
    # Contracts at red or amber, whenever they end: the ones whose recommissioning is late.
    at_risk: list[ContractRow]
    stages: list[StageGroup]
    # Every gap in the cover of the services these contracts cover, the soonest first.
    gaps: list[GapInCover] = field(default_factory=list)
    # The cycles replacing a contract with a gap in cover, by id: they carry the "Gap in cover" tag.
    cycles_with_gaps: frozenset[int] = frozenset()
    # Services whose last contract ends, or has ended, with no successor, the soonest first.
    without_successor: list[NoSuccessor] = field(default_factory=list)
    # The totals of the capped lists.
    overdue_total: int = 0
    upcoming_total: int = 0
    at_risk_total: int = 0
    gap_contracts_total: int = 0
    without_successor_total: int = 0
    # Whether the totals were counted exactly, not up to common.counts.COUNT_CAP.
    totals_exact: bool = True

    @property
    def overdue_more(self) -> int:
        return max(self.overdue_total - len(self.overdue), 0)

    @property
    def without_successor_more(self) -> int:
        return max(self.without_successor_total - len(self.without_successor), 0)

    @property
    def at_risk_more(self) -> int:
        return max(self.at_risk_total - len(self.at_risk), 0)

    @property
    def upcoming_shown(self) -> int:
        return sum(len(week.milestones) for week in self.weeks)

    @property
    def upcoming_more(self) -> int:
        return max(self.upcoming_total - self.upcoming_shown, 0)

    @property
    def cycle_count(self) -> int:
        return sum(group.count for group in self.stages)

    # The totals in words: counted up to ``common.counts.COUNT_CAP``, "more than 1,000" past it.
    @property
    def overdue_more_words(self) -> str:
        return more_words(self.overdue_total, len(self.overdue), exact=self.totals_exact)

    @property
    def upcoming_total_words(self) -> str:
        return total_words(self.upcoming_total, exact=self.totals_exact)

    @property
    def at_risk_total_words(self) -> str:
        return total_words(self.at_risk_total, exact=self.totals_exact)

    @property
    def at_risk_counted(self) -> bool:
        """Whether the at-risk total is exact (not "more than")."""
        return is_exact(self.at_risk_total, exact=self.totals_exact)

    @property
    def gap_contracts_total_words(self) -> str:
        return total_words(self.gap_contracts_total, exact=self.totals_exact)

    @property
    def without_successor_total_words(self) -> str:
        return total_words(self.without_successor_total, exact=self.totals_exact)


def week_commencing(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


# The columns the dashboard's milestone rows read (commissioning/templatetags/dashboard_rows.py
# and ``Milestone.shown_status``), of the milestone and the three rows joined to it: about 100
# otherwise, whose selecting and building was a tenth of the dashboard's CPU (issue 24).
MILESTONE_ROW_FIELDS = (
    "kind",
    "title",
    "status",
    "due_on",
    "due_at",
    "ends_at",
    "conflict_note",
    "contract__reference",
    "contract__title",
    "cycle__name",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def milestones_for_dashboard(filters: DashboardFilters, user) -> QuerySet[Milestone]:
    """Every milestone a person may see that the dashboard's filters match, in date order
    (the dashboard shows the open ones; the milestones download, exports.sources, all of them)."""
    # All-day milestones first within a day, on every database (NULL sorts differently).
    milestones = policy.milestones_visible_to(
        user, Milestone.objects.select_related("contract", "cycle", "owner")
    ).order_by("due_on", F("due_at").asc(nulls_first=True), "title", "pk")
    if filters.team is not None:
        milestones = milestones.filter(Q(contract__team=filters.team) | Q(cycle__team=filters.team))
    if filters.mine:
        milestones = milestones.filter(owner=user)
    return milestones


def _live_contracts(filters: DashboardFilters, user, today: date) -> QuerySet[Contract]:
    """Contracts not yet ended or terminated (the SQL twin of ``rules.recommissioning_risk``
    returning None for an ended contract)."""
    contracts = policy.contracts_visible_to(user).filter(current_end_date__gte=today).exclude(terminated_on__lt=today)
    if filters.team is not None:
        contracts = contracts.filter(team=filters.team)
    if filters.mine:
        contracts = contracts.filter(lead_officer=user)
    return contracts


def _cycles(filters: DashboardFilters, user) -> QuerySet[CommissioningCycle]:
    """The cycles the stage table names: their names and links only, so the rows numbered per
    stage are narrow (an admin's every cycle at 100,000 contracts was sorted with its team and lead)."""
    cycles = policy.cycles_visible_to(user, CommissioningCycle.objects.only("pk", "name", "stage"))
    if filters.team is not None:
        cycles = cycles.filter(team=filters.team)
    if filters.mine:
        cycles = cycles.filter(lead_officer=user)
    return cycles.order_by("name", "pk")


def stored_risk(rating: ContractRating | None, today: date) -> rules.Risk | None:
    """The risk ``ratings`` stored, as the rule returned it (less the gap's period, which no page
    reads from a row); None for an ended contract or one not rated today."""
    if rating is None or rating.rated_on != today or not rating.rating:
        return None
    return rules.Risk(rules.Rating(rating.rating), rating.reason, rating.start_by)


def stored_or_fresh_rows(
    contracts: QuerySet[Contract], *, today: date, calendars: Calendars | None = None
) -> list[ContractRow]:
    """Rows for a short list of contracts (the dashboard caps each), with the rating stored today,
    or rated now for a row whose stored rating is older (the nightly refresh has not yet run)
    or missing. Reads ``provider`` and ``rating`` with the rows; rates only the stale ones."""
    contracts = list(contracts.select_related("provider", "rating"))
    stale = [
        contract
        for contract in contracts
        if getattr(contract, "rating", None) is None or contract.rating.rated_on != today
    ]
    fresh = covers_of(stale, today=today, calendars=calendars) if stale else {}
    rows = []
    for contract in contracts:
        if contract.pk in fresh:
            rows.append(ContractRow(contract, fresh[contract.pk].risk, tuple(fresh[contract.pk].gaps)))
        else:
            rows.append(ContractRow(contract, stored_risk(contract.rating, today), own_gap=contract.rating.own_gap))
    return rows


def _gaps(contracts: list[Contract], *, today: date, calendars: Calendars) -> dict:
    """Every gap in the services ``contracts`` cover, with the contracts it touches."""
    gaps = {}
    for contract_id, cover_of in covers_of(contracts, today=today, calendars=calendars).items():
        contract = next(contract for contract in contracts if contract.pk == contract_id)
        # Every gap in the services it covers, an ongoing one after an ended contract included.
        for service in cover_of.services:
            for boundary in service.gaps:
                key = (service.name, service.pk, boundary.old.reference, boundary.gap)
                found = gaps.setdefault(key, GapInCover(boundary, []))
                if contract not in found.contracts:
                    found.contracts.append(contract)
    return gaps


def _services_seen_in_part(filters: DashboardFilters, user) -> set[int]:
    """The services the person sees only some contracts of: their chain on the person's pages is
    the contracts they may see, so whether nothing takes over is worked out on that, not read
    from ``ServiceCoverEnd`` (rated on every contract). None for someone who sees every team."""
    if policy.sees_every_team(user):
        return set()
    visible = policy.contracts_visible_to(user).values("pk")
    links = Service.contracts.through.objects
    # Per service of a contract they see (an index read), not a pass over every contract.
    hidden = links.filter(service_id=OuterRef("pk")).exclude(contract_id__in=visible)
    services = Service.objects.filter(pk__in=links.filter(contract_id__in=visible).values("service_id")).filter(
        Exists(hidden)
    )
    if filters.team is not None:
        services = services.filter(team=filters.team)
    return set(services.values_list("pk", flat=True))


def _without_successor(
    filters: DashboardFilters, user, today: date, calendars: Calendars
) -> tuple[list[NoSuccessor], QuerySet[ServiceCoverEnd], int]:
    """The first ``DASHBOARD_CAP`` services the person may see whose cover ends with nothing
    after it, the soonest first, with what to count for how many there are (the stored rows, and
    the number found among the services seen in part): read from the services rather than the
    live contracts, so a service whose last contract has already ended is there too.

    Chosen, counted and ordered in SQL from the stored ``ServiceCoverEnd`` rows (written with the
    ratings); the cover is worked out only for the services shown, and for those the person
    sees only some contracts of (``_services_seen_in_part``), whose chain differs from the stored one.
    """
    partial = _services_seen_in_part(filters, user)
    stored = ServiceCoverEnd.objects.filter(contract__in=policy.contracts_visible_to(user)).exclude(service__in=partial)
    if filters.team is not None:
        stored = stored.filter(service__team=filters.team)
    if filters.mine:
        stored = stored.filter(contract__lead_officer=user)
    # The order ``services_cover_for`` and the sort below give: soonest, then service, then chain.
    order = ("last_day", "service__name", "service__team__name", "service_id", "contract__start_date")
    first = list(
        stored.order_by(*order, "contract__reference").values_list("service_id", "contract_id")[:DASHBOARD_CAP]
    )
    shown = set(first)
    covers = services_cover_for(
        user=user, today=today, team=filters.team, calendars=calendars, only={pk for pk, _ in first} | partial
    )
    found = [
        NoSuccessor(service, boundary)
        for service in covers
        for boundary in service.without_successor
        if service.pk in partial or (service.pk, boundary.old.pk) in shown
    ]
    if filters.mine and partial:
        mine = set(policy.contracts_visible_to(user).filter(lead_officer=user).values_list("pk", flat=True))
        found = [item for item in found if item.service.pk not in partial or item.boundary.old.pk in mine]
    in_part = sum(1 for item in found if item.service.pk in partial)
    found.sort(key=lambda item: (item.boundary.last_day, item.service.name))
    return found[:DASHBOARD_CAP], stored, in_part


def dashboard_for(*, user, today: date, filters: DashboardFilters = DashboardFilters()) -> Dashboard:
    """Everything the dashboard shows on ``today``, in a fixed number of queries whatever the
    number of contracts: every list is chosen, counted and capped in SQL (``DASHBOARD_CAP`` rows,
    with the total, counted up to ``COUNT_CAP``, and a link to the full list), and risks are read from the stored ratings
    (``commissioning.ratings``) rather than worked out for every live contract.

    1. Overdue: open milestones due before today that someone has to act on.
    2. The next 90 days: open milestones from today on, grouped by week commencing Monday.
    3. Gaps in cover: every gap in the services of the live contracts whose stored rating says a
       service they cover has one (their cover worked out for the first ``DASHBOARD_CAP``).
    4. Live contracts ending within 6, 12 and 18 months (each in the first group it fits), and
       those rated red or amber, whenever they end, the most pressing first.
    5. Cycles by stage, every stage in order, empty ones included, up to ``STAGE_CAP`` named.
    6. Services whose cover ends, or has ended, with no successor: chosen, counted and ordered
       from the stored ``ServiceCoverEnd`` rows, the cover worked out for the first ``DASHBOARD_CAP``.
    """
    milestones = milestones_for_dashboard(filters, user).only(*MILESTONE_ROW_FIELDS)
    overdue_all = milestones.needing_action_before(today)
    overdue = [
        OverdueMilestone(milestone, (today - milestone.due_on).days) for milestone in overdue_all[:DASHBOARD_CAP]
    ]

    upcoming_until = today + timedelta(days=UPCOMING_DAYS)
    upcoming_all = milestones.open().due_between(today, upcoming_until)
    weeks: dict[date, Week] = {}
    for milestone in upcoming_all[:UPCOMING_CAP]:
        monday = week_commencing(milestone.due_on)
        weeks.setdefault(monday, Week(monday)).milestones.append(milestone)

    live = _live_contracts(filters, user, today)
    # Read once for every cover worked out below (the decide-by dates in a gap's words).
    calendars = decision_calendars()
    limits = [terms.add_months(today, months) for months in ENDING_WITHIN_MONTHS]
    bands = []
    for index, limit in enumerate(limits):
        band = Q(current_end_date__lte=limit)
        if index:
            band &= Q(current_end_date__gt=limits[index - 1])
        bands.append(band)
    needs_attention = Q(rating__rating__in=[rules.Rating.RED, rules.Rating.AMBER])
    stages = _stages(filters, user)
    without_successor, without_successor_stored, without_successor_in_part = _without_successor(
        filters, user, today, calendars
    )
    # Every list's total in one query (common.counts), counted up to COUNT_CAP for someone who
    # sees every team: counted exactly they were passes over an admin's whole service (150 ms
    # at 100,000 contracts). Someone else's lists are their teams', counted exactly.
    exact = not policy.sees_every_team(user)
    counts = capped_counts(
        exact=exact,
        **{f"band{index}": live.filter(band) for index, band in enumerate(bands)},
        at_risk=live.filter(needs_attention),
        gaps=live.filter(rating__service_gap=True),
        overdue=overdue_all,
        upcoming=upcoming_all,
        without_successor=without_successor_stored,
    )
    ending, earlier = [], None
    for index, (months, band) in enumerate(zip(ENDING_WITHIN_MONTHS, bands, strict=True)):
        rows = stored_or_fresh_rows(
            live.filter(band).order_by("current_end_date", "reference")[:DASHBOARD_CAP],
            today=today,
            calendars=calendars,
        )
        ending.append(EndingGroup(months, earlier, rows, total=counts[f"band{index}"], exact=exact))
        earlier = months
    # The day recommissioning must start by, the soonest first: every red or amber rating names
    # one (``rules.recommissioning_risk``), so this reads the index ``rating_needs_attention`` in
    # order and stops at the 25th, rather than sorting every red and amber contract of the service.
    at_risk = stored_or_fresh_rows(
        live.filter(needs_attention).order_by(F("rating__start_by").asc(nulls_last=True), "reference")[:DASHBOARD_CAP],
        today=today,
        calendars=calendars,
    )
    with_gaps = list(
        live.filter(rating__service_gap=True)
        .select_related("provider")
        .order_by("current_end_date", "reference")[:DASHBOARD_CAP]
    )
    gaps = _gaps(with_gaps, today=today, calendars=calendars)

    return Dashboard(
        today=today,
        overdue=overdue,
        weeks=sorted(weeks.values(), key=lambda week: week.commencing),
        upcoming_until=upcoming_until,
        ending=ending,
        at_risk=at_risk,
        stages=stages,
        gaps=sorted(gaps.values(), key=lambda gap: (gap.boundary.gap.first, gap.boundary.service)),
        cycles_with_gaps=frozenset(
            gap.boundary.cycle.pk for gap in gaps.values() if gap.boundary.cycle and gap.boundary.cycle.pk
        ),
        # Counted always, not only when a list is full, so the page's queries do not depend on the data.
        overdue_total=counts["overdue"],
        upcoming_total=counts["upcoming"],
        at_risk_total=counts["at_risk"],
        gap_contracts_total=counts["gaps"],
        without_successor=without_successor,
        without_successor_total=counts["without_successor"] + without_successor_in_part,
        totals_exact=exact,
    )


def _stages(filters: DashboardFilters, user) -> list[StageGroup]:
    """Every stage in order with its number of cycles and the first ``STAGE_CAP`` by name: one
    query for the counts and one for the names, however many cycles there are."""
    cycles = _cycles(filters, user)
    totals = dict(cycles.order_by().values_list("stage").annotate(n=Count("pk")))
    named = cycles.annotate(
        place=Window(RowNumber(), partition_by=[F("stage")], order_by=[F("name").asc(), F("pk").asc()])
    ).filter(place__lte=STAGE_CAP)
    by_stage = defaultdict(list)
    for cycle in named:
        by_stage[cycle.stage].append(cycle)
    return [StageGroup(stage, by_stage.get(stage.value, []), totals.get(stage.value, 0)) for stage in Stage]


def stage_timings_history(timings) -> list[HistoryEntry]:
    """Who changed a team's stage timings, what, when and why, newest first."""
    if timings is None or timings.pk is None:
        return []
    records = list(timings.history.select_related("history_user").order_by("history_date", "history_id"))
    entries, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            for change in record.diff_against(previous, excluded_fields=["id", "team"]).changes:
                label = record.instance_type._meta.get_field(change.field).verbose_name
                changes.append(FieldChange(f"{label} (months)", change.old, change.new))
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=person_name(record.history_user),
                what="Stage timings set" if record.history_type == "+" else "Stage timings changed",
                why=record.history_change_reason or "",
                changes=changes,
                order=(record.history_date, record.history_id),
            )
        )
        previous = record
    return entries[::-1]
