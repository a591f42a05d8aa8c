"""What follows a change: one function per kind of change, called by whoever made it.

A service that changes a contract, an option, a cycle or a milestone ends by calling one of
these (so do the importer, the admin and the demo loader, through the services). Nothing
follows a bare ``.save()``: there are no signals doing this work behind anyone's back.

``contract_changed`` runs, in this order and inside the caller's transaction:

1. Derive the contract's milestones again (``derivation.milestones_sync_for_contract``).
2. Link notices that already carry the contract's OCID.
3. Bring its Procurement Act duties in step (``notices.services.duties_sync_for_contract``),
   which may add, move or cancel duty milestones.
4. Plan the reminders of each milestone those steps added or changed, once, after the dates
   have settled.
5. Its change can open or close a gap in cover at the end of a contract sharing a service with
   it (a successor's start moving): ``cover_changed`` for those contracts.
6. Rate its recommissioning risk again, and that of the framework above it
   (``ratings.contracts_rate``: the dashboard and the register read the stored rating).
7. Read the notices' open disagreements with it again (``notices.services.conflicts_recheck``):
   those it now agrees with are closed.

``cover_changed`` does steps 1, 4 and 6 for contracts whose cover something else changed (a cycle's
target start or contracts, a decision on expiry, a service's contracts): only their "Gap in
cover" milestones can move. ``cycle_changed`` does steps 3 and 4 for a cycle, then
``cover_changed`` for the contracts it replaces; ``milestone_changed`` does step 4 for one
milestone, then step 6 for the contracts its cycle replaces (an overdue milestone of the cycle
can make them red). Each step changes nothing when nothing changed, so calling them again is harmless.

The services these call take ``follow_up=False`` when they run inside one of these functions,
so that reminders are planned once, at the end, rather than after every milestone write.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from contracts.models import Contract

from . import derivation, ratings
from .models import CommissioningCycle, Milestone

# What reminder planning reads from a milestone: when one of these changed, so may its reminders.
PLANNED_FROM = ("due_on", "due_at", "kind", "status", "owner_id", "reminder_offsets", "acknowledged_at")


def _snapshot(milestones) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in milestones.values_list("pk", *PLANNED_FROM)}


def _plan_reminders(milestones, before: dict[int, tuple]) -> None:
    """Step 4: plan the reminders of the milestones the steps before added or changed.

    Planning an unchanged milestone changes nothing, so only these are read again: an edit
    that moves no date costs two queries here however many milestones the contract has.
    """
    # Imported here: reminders builds on commissioning, not the other way round.
    from reminders.models import ReminderRule
    from reminders.planning import reminders_plan_for_milestones

    changed = [pk for pk, values in _snapshot(milestones).items() if before.get(pk) != values]
    if not changed:
        return
    rules = dict(ReminderRule.objects.values_list("kind", "offsets"))
    to_plan = (
        milestones.filter(pk__in=changed)
        .order_by("pk")
        .select_related("owner", "contract__team__manager", "cycle__team__manager")
        .prefetch_related("reminders", "owner__quiet_days")
    )  # as reminders_plan_all reads them
    reminders_plan_for_milestones(milestones=to_plan, rules=rules)  # new rows in one insert


@transaction.atomic
def contract_changed(
    *, contract: Contract, officer: AbstractBaseUser | None = None, today: date | None = None
) -> list[str]:
    """Everything that follows a change to a contract or its options (see the module docstring).

    Returns what the duties sync changed, in words, for the importer's record of a release.
    """
    from notices import services as notices_services

    milestones = Milestone.objects.filter(contract=contract)
    before = _snapshot(milestones)
    derivation.milestones_sync_for_contract(contract=contract, officer=officer, today=today)
    notices_services.contract_link_notices(contract=contract)
    changes = notices_services.duties_sync_for_contract(contract=contract, officer=officer, today=today)
    _plan_reminders(milestones, before)
    cover_changed(contracts=derivation.contracts_sharing_a_service(contract), officer=officer, today=today)
    _rate([contract], today=today)
    # 7. The notices' disagreements with the contract: closed where it now agrees with them.
    notices_services.conflicts_recheck(contract=contract, officer=officer)
    return changes


def _rate(contracts: Iterable[Contract], *, today: date | None) -> None:
    """Step 6, for ``contracts`` and the frameworks above them (a framework is rated on its call-offs' cover)."""
    ids = [contract.pk for contract in contracts]
    if not ids:
        return
    parents = Contract.objects.filter(pk__in=ids, parent__isnull=False).values_list("parent_id", flat=True)
    ratings.contracts_rate(contracts=[*ids, *parents], today=today)


@transaction.atomic
def cover_changed(
    *, contracts: Iterable[Contract], officer: AbstractBaseUser | None = None, today: date | None = None
) -> None:
    """What follows a change to the cover of ``contracts`` made elsewhere: their derived milestones
    (a "Gap in cover" opening, moving or closing), then the reminders of those that changed.

    Each contract is synced once; their own terms did not change, so their duties are not read.
    """
    contracts = list(contracts)
    if not contracts:
        return
    milestones = Milestone.objects.filter(contract__in=[contract.pk for contract in contracts])
    before = _snapshot(milestones)
    for contract in contracts:
        derivation.milestones_sync_for_contract(contract=contract, officer=officer, today=today)
    _plan_reminders(milestones, before)
    _rate(contracts, today=today)


@transaction.atomic
def cycle_changed(
    *, cycle: CommissioningCycle, officer: AbstractBaseUser | None = None, today: date | None = None
) -> list[str]:
    """Everything that follows a change to a cycle: its duties, then its milestones' reminders,
    then the cover of the contracts it replaces (``cover_changed``)."""
    return cycles_changed(cycles=[cycle], officer=officer, today=today)[cycle.pk]


@transaction.atomic
def cycles_changed(
    *, cycles: list[CommissioningCycle], officer: AbstractBaseUser | None = None, today: date | None = None
) -> dict[int, list[str]]:
    """``cycle_changed`` for many cycles (an import's batch), by cycle: what each one's duty sync
    changed. Their duties are synced together (``duties_sync_for_cycles``: what the rules read,
    read once for them all); the reminders of the milestones that changed are then planned
    together, and the cover of the contracts they replace followed up once for them all."""
    from notices import services as notices_services

    if not cycles:
        return {}
    # The duty sync also brings in step the unsigned contracts with a cycle's OCID (their UK7
    # counts from its planned signing date): their milestones' reminders follow too.
    subjects = Q(cycle__in=[cycle.pk for cycle in cycles])
    ocids = [cycle.ocid for cycle in cycles if cycle.ocid]
    if ocids:
        subjects |= Q(contract__ocid__in=ocids)
    milestones = Milestone.objects.filter(subjects)
    before = _snapshot(milestones)
    changes = notices_services.duties_sync_for_cycles(cycles=cycles, officer=officer, today=today)
    _plan_reminders(milestones, before)
    # Their target starts and the contracts they replace move the gaps in cover at their ends.
    replaced = Contract.objects.filter(successor_cycles__in=[cycle.pk for cycle in cycles]).distinct().order_by("pk")
    cover_changed(contracts=replaced, officer=officer, today=today)
    notices_services.conflicts_recheck(cycles=[cycle.pk for cycle in cycles], officer=officer)
    return changes


def stage_timings_changed(*, team, today: date | None = None) -> None:
    """What follows a change to how long each stage takes ``team``: step 6 for the contracts its
    cycles replace (the rating counts the stages left at the team's timings). No date moves."""
    _rate(Contract.objects.filter(successor_cycles__team=team).distinct(), today=today)


def milestone_changed(*, milestone: Milestone) -> None:
    """What follows a change to one milestone: its reminders, planned again, and the notices'
    disagreements about its date read again."""
    from notices import services as notices_services
    from reminders.planning import reminders_plan_for_milestone

    reminders_plan_for_milestone(milestone=milestone)
    if milestone.cycle_id:
        _rate(Contract.objects.filter(successor_cycles=milestone.cycle_id), today=None)
    notices_services.conflicts_recheck(milestone=milestone)


def milestones_changed(*, milestones: list[Milestone]) -> None:
    """``milestone_changed`` for many milestones at once (an import's batch): the same steps,
    each a few queries for them all rather than a few for each. Reads them from the database,
    so call it once they are saved."""
    from notices import services as notices_services
    from reminders.models import ReminderRule
    from reminders.planning import reminders_plan_for_milestones

    if not milestones:
        return
    ids = [milestone.pk for milestone in milestones]
    rules = dict(ReminderRule.objects.values_list("kind", "offsets"))
    to_plan = (
        Milestone.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_related("owner", "contract__team__manager", "cycle__team__manager")
        .prefetch_related("reminders", "owner__quiet_days")
    )  # as reminders_plan_all reads them
    reminders_plan_for_milestones(milestones=to_plan, rules=rules)
    cycle_ids = {milestone.cycle_id for milestone in milestones if milestone.cycle_id}
    if cycle_ids:
        _rate(Contract.objects.filter(successor_cycles__in=cycle_ids).distinct(), today=None)
    notices_services.conflicts_recheck(milestones=ids)
