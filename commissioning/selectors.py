"""Reads that span relations: the dashboard, and the recommissioning risk of a contract.

Every read here takes a fixed number of queries however many rows there are: related rows
come with ``select_related``/``prefetch_related`` and the rules run on what was loaded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F, Prefetch, Q, QuerySet

from access import policy
from contracts import terms
from contracts.models import Contract, Team

from . import rules
from .models import CommissioningCycle, Milestone, Stage

UPCOMING_DAYS = 90
ENDING_WITHIN_MONTHS = (6, 12, 18)


# --- the recommissioning risk of one contract ------------------------------------------------


def contract_recommissioning_risk(contract: Contract, *, today: date) -> rules.Risk | None:
    """``rules.recommissioning_risk`` for a contract.

    Reads ``contract.options`` and ``contract.successor_cycles``: prefetch both (see
    ``contracts_with_risk_relations``) when rating many contracts.
    """
    cycles = list(contract.successor_cycles.all())
    max_end = contract.last_day
    ends_on = contract.current_end_date
    if contract.terminated_on is not None:
        ends_on = min(ends_on, contract.terminated_on)
    decommission = Contract.Decision.DECOMMISSION
    return rules.recommissioning_risk(
        today,
        max_end=max_end,
        ends_on=ends_on,
        lead_months=contract.recommissioning_lead_months,
        successor_stages=[cycle.stage for cycle in cycles],
        # A cycle's decision is held on the contracts it replaces, so this one's is the answer.
        decommissioned=contract.decision == decommission,
    )


def contracts_with_risk_relations(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """What a contract row with its risk shows, in a fixed number of queries."""
    return contracts.select_related("provider", "team", "lead_officer").prefetch_related(
        "options",
        Prefetch("successor_cycles", queryset=CommissioningCycle.objects.only("id", "stage")),
    )


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

    @property
    def decision_status(self) -> str:
        return self.contract.get_decision_display() or "No decision recorded"


@dataclass(frozen=True)
class EndingGroup:
    """Contracts ending after ``after_months`` (if any) and within ``months`` of today."""

    months: int
    after_months: int | None
    rows: list[ContractRow]

    @property
    def heading(self) -> str:
        if self.after_months is None:
            return f"Ending within {self.months} months"
        return f"Ending in {self.after_months} to {self.months} months"


@dataclass(frozen=True)
class StageGroup:
    stage: Stage
    cycles: list[CommissioningCycle]

    @property
    def count(self) -> int:
        return len(self.cycles)


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

    @property
    def cycle_count(self) -> int:
        return sum(group.count for group in self.stages)


def week_commencing(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


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
    return contracts_with_risk_relations(contracts).order_by("current_end_date", "reference")


def _cycles(filters: DashboardFilters, user) -> QuerySet[CommissioningCycle]:
    cycles = policy.cycles_visible_to(user, CommissioningCycle.objects.select_related("team", "lead_officer"))
    if filters.team is not None:
        cycles = cycles.filter(team=filters.team)
    if filters.mine:
        cycles = cycles.filter(lead_officer=user)
    return cycles.order_by("name", "pk")


def dashboard_for(*, user, today: date, filters: DashboardFilters = DashboardFilters()) -> Dashboard:
    """Everything the dashboard shows on ``today``, in a fixed number of queries.

    1. Overdue: open milestones due before today that someone has to act on.
    2. The next 90 days: open milestones from today on, grouped by week commencing Monday.
    3. Live contracts, each with its recommissioning risk; those ending within 6, 12 and 18
       months (each contract in the first group it fits), and every one at red or amber.
    4. Cycles by stage, every stage in order, empty ones included.
    """
    milestones = milestones_for_dashboard(filters, user)
    overdue = [
        OverdueMilestone(milestone, (today - milestone.due_on).days)
        for milestone in milestones.needing_action_before(today)
    ]

    upcoming_until = today + timedelta(days=UPCOMING_DAYS)
    weeks: dict[date, Week] = {}
    for milestone in milestones.open().due_between(today, upcoming_until):
        monday = week_commencing(milestone.due_on)
        weeks.setdefault(monday, Week(monday)).milestones.append(milestone)

    rows = [
        ContractRow(contract, contract_recommissioning_risk(contract, today=today))
        for contract in _live_contracts(filters, user, today)
    ]
    ending, earlier, earlier_limit = [], None, None
    for months in ENDING_WITHIN_MONTHS:
        limit = terms.add_months(today, months)
        ending.append(
            EndingGroup(
                months,
                earlier,
                [
                    row
                    for row in rows
                    if row.contract.current_end_date <= limit
                    and (earlier_limit is None or row.contract.current_end_date > earlier_limit)
                ],
            )
        )
        earlier, earlier_limit = months, limit
    at_risk = sorted(
        (row for row in rows if row.risk is not None and row.risk.needs_attention),
        key=lambda row: (row.risk.start_by, row.contract.reference),
    )

    by_stage = defaultdict(list)
    for cycle in _cycles(filters, user):
        by_stage[cycle.stage].append(cycle)
    stages = [StageGroup(stage, by_stage.get(stage.value, [])) for stage in Stage]

    return Dashboard(
        today=today,
        overdue=overdue,
        weeks=sorted(weeks.values(), key=lambda week: week.commencing),
        upcoming_until=upcoming_until,
        ending=ending,
        at_risk=at_risk,
        stages=stages,
    )
