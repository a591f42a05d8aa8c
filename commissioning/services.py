"""Workflows that change cycles, decisions and milestones: each validates, writes and records who and why.

Views, the demo loader and the admin call these. Every save here tells django-simple-history
who made it (``_history_user``) and why (``_change_reason``), so each page's history can
answer "who moved this date, and on whose say-so?".

Each service that changes a cycle's dates or a milestone ends with what follows the change
(``changes.py``: duties, then reminders). ``follow_up=False`` leaves that to a caller that
makes several changes and follows them up once itself (the duty sync, the importer).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from common import history
from common.dates import long_date
from contracts.models import Contract

from . import changes, cover, selectors
from .models import CommissioningCycle, Milestone, Service, Stage, StageTimings


def _require_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


# --- cycles -------------------------------------------------------------------------------


def _cycle_check(cycle: CommissioningCycle, *, held: Iterable[str] = ()) -> None:
    """A cycle as the tracker keeps it: its text normalised, its fields checked. ``held``: links
    to rows the caller holds (a cycle's team and lead officer as objects), not looked up again."""
    history.normalise(cycle)
    cycle.full_clean(exclude=["replaces", *held])


@transaction.atomic
def cycle_save(
    *,
    cycle: CommissioningCycle,
    replaces: Iterable[Contract] | None = None,
    officer: AbstractBaseUser | None,
    reason: str,
    follow_up: bool = True,
) -> CommissioningCycle:
    """Validate and save a new or edited cycle, and the contracts it replaces if given.

    A new cycle is ``cycles_create`` of one."""
    if cycle._state.adding:
        cycles_create(cycles=[cycle], officer=officer, reason=reason)
    else:
        _cycle_check(cycle)
        if history.changed_fields(cycle):  # a save that changes nothing records nothing
            history.record(cycle, officer=officer, reason=reason)
            cycle.save()
    if replaces is not None:
        wanted = {contract.pk for contract in replaces}
        current = set(cycle.replaces.values_list("pk", flat=True))
        # Setting an unchanged list would still add a history row per call: only write changes.
        if wanted != current:
            cycle.replaces.set(wanted)
            # Contracts it no longer replaces may now have a gap in cover, or no longer one
            # (cycle_changed below follows up the ones it still replaces).
            changes.cover_changed(contracts=Contract.objects.filter(pk__in=current - wanted), officer=officer)
    if follow_up:
        changes.cycle_changed(cycle=cycle, officer=officer)
    return cycle


def cycles_create(
    *, cycles: list[CommissioningCycle], officer: AbstractBaseUser | None, reason: str = ""
) -> list[CommissioningCycle]:
    """Add new cycles, each checked as ``cycle_save`` checks one, in one insert and one insert of
    their history entries (``bulk_create_with_history``). What follows a new cycle (duties,
    reminders) is the caller's: ``cycle_save`` does it for one, an import once for its batch.

    Each entry credits ``officer`` with ``reason``, unless the cycle was given its own with
    ``history.record`` (an import's batch: each release's own). A new cycle replaces no contract
    yet, so its entry has no list of them to read (``cycle_save`` sets ``replaces`` after)."""
    for cycle in cycles:
        # The team and lead officer are rows the caller holds, not ids typed in: not looked up again.
        _cycle_check(cycle, held=[name for name in ("team", "lead_officer") if _holds(cycle, name)])
        if not hasattr(cycle, "_change_reason"):
            history.record(cycle, officer=officer, reason=reason or "Cycle added")
    bulk_create_with_history(cycles, CommissioningCycle, batch_size=500)
    return cycles


def _holds(instance, name: str) -> bool:
    """Whether ``instance`` holds the row its link ``name`` points to (not only its id)."""
    link = instance._meta.get_field(name)
    return link.is_cached(instance) and link.get_cached_value(instance) is not None


@transaction.atomic
def cycle_change_stage(
    *,
    cycle: CommissioningCycle,
    stage: str,
    officer: AbstractBaseUser | None,
    reason: str,
    today: date,
) -> CommissioningCycle:
    """Move a cycle to another stage (forwards or back), recording the date, officer and reason."""
    reason = _require_reason(reason, "Enter the reason for changing the stage")
    if stage not in Stage.values:
        raise ValidationError({"stage": "Select a stage"})
    # Lock the row so two officers changing the stage at once cannot both succeed from the same start.
    locked = CommissioningCycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.stage == stage:
        raise ValidationError({"stage": f"The cycle is already at {Stage(stage).label.lower()}"})
    locked.stage = stage
    locked.stage_changed_on = today
    history.record(locked, officer=officer, reason=reason)
    locked.save(update_fields=["stage", "stage_changed_on"])
    # The stage moves no duty, but cover takes the target start of the furthest cycle replacing
    # a contract: with two cycles, a stage change can move the gap at the contract's end.
    changes.cover_changed(contracts=locked.replaces.all(), officer=officer, today=today)
    cycle.stage, cycle.stage_changed_on = locked.stage, locked.stage_changed_on
    return locked


# --- decisions ----------------------------------------------------------------------------


def _check_decision(decision: str, decided_on: date, today: date) -> None:
    errors = {}
    if decision not in Contract.Decision.values:
        errors["decision"] = "Select the decision"
    if decided_on > today:
        errors["decided_on"] = f"The date of the decision must be today or in the past ({long_date(today)})"
    if errors:
        raise ValidationError(errors)


def _decision_reason(decision: str, reason: str) -> str:
    return f"Decision: {Contract.Decision(decision).label.lower()}: {reason}"


@transaction.atomic
def decision_record(
    *,
    contracts: Iterable[Contract],
    decision: str,
    officer: AbstractBaseUser | None,
    decided_on: date,
    reason: str,
    today: date | None = None,
) -> list[Contract]:
    """Record what happens when contracts expire (extend, extend with variations, re-tender,
    decommission), who recorded it and the date it was decided.

    The decision is held on each contract, once: a cycle's decision is recorded on the
    contracts it replaces (``CommissioningCycle.decision`` reads it back from them).
    """
    today = today or timezone.localdate()
    reason = _require_reason(reason, "Enter the reason for the decision")
    _check_decision(decision, decided_on, today)
    contracts = list(contracts)
    if not contracts:
        raise ValidationError("Add the contracts this cycle replaces first: the decision is recorded on each of them")
    for contract in contracts:
        contract.decision, contract.decision_by, contract.decision_on = decision, officer, decided_on
        history.record(contract, officer=officer, reason=_decision_reason(decision, reason))
        contract.save(update_fields=["decision", "decision_by", "decision_on"])
    # A decision moves the end of cover (decommissioning closes a gap; re-tendering means the
    # options will not bridge one) and the council's duties (notice to a VCSE provider not
    # extended): each contract's follow-up, which takes in the contracts sharing a service.
    for contract in contracts:
        changes.contract_changed(contract=contract, officer=officer, today=today)
    # A cycle reads its decision from these contracts: a procurement decided against after its
    # tender notice ends without an award (notices.duties), so its duties follow too.
    for cycle in CommissioningCycle.objects.filter(replaces__in=[c.pk for c in contracts]).distinct().order_by("pk"):
        changes.cycle_changed(cycle=cycle, officer=officer, today=today)
    return contracts


# --- services and their cover -------------------------------------------------------------


def check_service_contracts(service: Service, contracts: Iterable[Contract]) -> None:
    """A service's chain holds only its own team's contracts: the cover summaries name every
    contract in the chain, and access.policy lets a person see only their teams' contracts."""
    others = sorted(contract.reference for contract in contracts if contract.team_id != service.team_id)
    if others:
        raise ValidationError(
            {"contracts": f"Choose only contracts of the service's own team; not {', '.join(others)}"}
        )


@transaction.atomic
def service_save(
    *,
    service: Service,
    contracts: Iterable[Contract] | None = None,
    officer: AbstractBaseUser | None,
    reason: str,
) -> Service:
    """Validate and save a service and, if given, the contracts that cover it; then re-derive
    the gap-in-cover milestones of every contract whose chain that changed."""
    history.normalise(service)
    service.full_clean(exclude=["contracts"])
    if contracts is not None:
        contracts = list(contracts)
        check_service_contracts(service, contracts)
    if history.changed_fields(service):  # a save that changes nothing records nothing
        history.record(service, officer=officer, reason=reason)
        service.save()
    if contracts is not None:
        wanted = {contract.pk for contract in contracts}
        current = set(service.contracts.values_list("pk", flat=True))
        if wanted != current:
            service.contracts.set(wanted)
            changes.cover_changed(contracts=Contract.objects.filter(pk__in=wanted | current), officer=officer)
    return service


# --- a team's stage timings ----------------------------------------------------------------


@transaction.atomic
def stage_timings_save(*, timings: StageTimings, officer: AbstractBaseUser | None, reason: str) -> StageTimings:
    """Validate and save how long each stage takes a team. Only the rating reads them
    (``rules.recommissioning_risk``, at once on every page): no milestone moves."""
    timings.full_clean()
    history.record(timings, officer=officer, reason=reason)
    timings.save()
    changes.stage_timings_changed(team=timings.team)
    return timings


@contextmanager
def gaps_opened_by_change(*, officer: AbstractBaseUser, today: date | None = None) -> Iterator[list[cover.Boundary]]:
    """Make a change inside ``with``: the list it gives is filled, once the change is made, with
    the gaps in cover the change opened (or moved) in the services ``officer`` may see.

        with services.gaps_opened_by_change(officer=request.user) as opened:
            contract_save(...)
        for gap in opened: ...  # "Refuge has no contract from 1 to 31 March 2027: ..."

    The gaps are read before and after (``selectors.gaps_in_cover_for``, a fixed number of
    queries) and compared by service, contract and days (``cover.gaps_opened``). A change that
    raises opens nothing, and the list stays empty.
    """
    today = today or timezone.localdate()
    before = selectors.gaps_in_cover_for(user=officer, today=today)
    opened: list[cover.Boundary] = []
    yield opened
    opened.extend(cover.gaps_opened(before, selectors.gaps_in_cover_for(user=officer, today=today)))


# --- milestones ---------------------------------------------------------------------------

# What an officer may change on a milestone: the dates, and what it is and who owns it.
MILESTONE_DETAILS = ("kind", "title", "description", "due_on", "due_at", "ends_at", "owner")
# Changing any of these on a derived milestone overrides what the contract says; a new owner
# or description does not, so the derivation may go on moving the date.
OVERRIDES_DERIVATION = {"kind", "title", "due_on", "due_at", "ends_at"}


def _check_times(due_at: datetime | None, ends_at: datetime | None) -> None:
    """Milestone.clean checks these too; checked first here so the message names the field the form shows."""
    if ends_at is not None and due_at is None:
        raise ValidationError({"ends_at": "Only a milestone with a time of day can have an end time"})
    if ends_at is not None and ends_at <= due_at:
        raise ValidationError({"ends_at": "The end time must be after the start time"})


def milestone_new(
    *,
    contract: Contract | None = None,
    cycle: CommissioningCycle | None = None,
    kind: str = Milestone.Kind.OTHER,
    title: str,
    due_on: date,
    due_at: datetime | None = None,
    ends_at: datetime | None = None,
    description: str = "",
    owner: AbstractBaseUser | None = None,
    source: str = Milestone.Source.MANUAL,
    conflict_note: str = "",
    sources: str = "",
) -> Milestone:
    """A new milestone in memory, as ``milestone_create`` adds it: save it with ``milestones_create``.

    A milestone with a time of day keeps ``due_on`` as its date in London (``Milestone.save``),
    so ``due_on`` given here only matters for all-day milestones.
    """
    _check_times(due_at, ends_at)
    return Milestone(
        contract=contract,
        cycle=cycle,
        kind=kind,
        title=title,
        description=description,
        due_on=timezone.localtime(due_at).date() if due_at else due_on,
        due_at=due_at,
        ends_at=ends_at,
        owner=owner,
        source=source,
        conflict_note=conflict_note,
        sources=sources,
    )


def _milestone_check_new(milestone: Milestone) -> None:
    """Check a new milestone without a query: its text kept as the tracker keeps it, its fields."""
    history.normalise(milestone)
    # The contract, cycle and owner are rows the caller holds, not ids typed in: not looked up
    # again. The table's constraint (a contract or a cycle, not both) is Milestone.clean's check.
    given = [
        name
        for name, row in (("contract", milestone.contract), ("cycle", milestone.cycle), ("owner", milestone.owner))
        if row is not None
    ]
    milestone.full_clean(exclude=["derived_key", "option", *given], validate_constraints=False)
    if milestone.due_at is not None:
        milestone.due_on = timezone.localtime(milestone.due_at).date()  # as Milestone.save keeps it


@transaction.atomic
def milestone_create(
    *, officer: AbstractBaseUser | None, reason: str = "Milestone added", follow_up: bool = True, **details
) -> Milestone:
    """Add a milestone to a contract or a cycle (``details``: ``milestone_new``'s arguments)."""
    (milestone,) = milestones_create(
        milestones=[milestone_new(**details)], officer=officer, reason=reason, follow_up=follow_up
    )
    return milestone


def milestones_create(
    *, milestones: list[Milestone], officer: AbstractBaseUser | None, reason: str = "", follow_up: bool = True
) -> list[Milestone]:
    """Add new milestones (``milestone_new``), each checked as ``milestone_create`` checks it, in
    one insert and one insert of their history entries (``bulk_create_with_history``).

    Each entry credits ``officer`` with ``reason``, unless the milestone was given its own with
    ``history.record`` (an import's batch: each release's own reason). ``follow_up`` plans their
    reminders (``changes.milestones_changed``); a caller that adds more first does that once itself.
    """
    if not milestones:
        return milestones
    for milestone in milestones:
        _milestone_check_new(milestone)
        if not hasattr(milestone, "_change_reason"):
            history.record(milestone, officer=officer, reason=reason or "Milestone added")
    bulk_create_with_history(milestones, Milestone, batch_size=500)
    if follow_up:
        if len(milestones) == 1:
            changes.milestone_changed(milestone=milestones[0])
        else:
            changes.milestones_changed(milestones=milestones)
    return milestones


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, officer: AbstractBaseUser | None, reason: str = "", follow_up: bool = True, **details
) -> Milestone:
    """Change a milestone's details (any of ``MILESTONE_DETAILS``).

    Changing the date, time, title or kind of a derived milestone hands it to the officer:
    ``edited_by_hand`` is set, and recomputing from the contract leaves it alone from then on
    (``derivation.py``).
    """
    fields = _milestone_apply(milestone, details)
    if not fields:
        return milestone
    history.record(milestone, officer=officer, reason=reason or "Milestone details changed")
    milestone.save(update_fields=fields)
    if follow_up:
        changes.milestone_changed(milestone=milestone)
    return milestone


def _milestone_apply(milestone: Milestone, details: dict) -> list[str]:
    """Check and set a milestone's new details in memory (``milestone_update``'s rules); the
    fields to save, none if nothing changed. Raises ValidationError as the model's checks do."""
    unknown = set(details) - set(MILESTONE_DETAILS)
    if unknown:
        raise TypeError(f"milestone_update() cannot change {', '.join(sorted(unknown))}")
    if details.get("due_at") is not None:
        details["due_on"] = timezone.localtime(details["due_at"]).date()
    due_at = details.get("due_at", milestone.due_at)
    ends_at = details.get("ends_at", milestone.ends_at)
    _check_times(due_at, ends_at)

    # Text as the tracker keeps it, so a textarea's CRLF line endings are no change.
    details = {
        name: history.normalise_text(value) if isinstance(value, str) else value for name, value in details.items()
    }
    changed = [name for name, value in details.items() if getattr(milestone, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(milestone, name, details[name])
    fields = list(changed)
    overridden = OVERRIDES_DERIVATION.intersection(changed)
    if milestone.source == Milestone.Source.DERIVED and overridden and not milestone.edited_by_hand:
        milestone.edited_by_hand = True
        fields.append("edited_by_hand")
    # Checked in Python, without a query: a link the change left alone still points where it did
    # (its row cannot have gone while the milestone refers to it), and the one table constraint
    # these fields touch, a contract or a cycle but not both, is Milestone.clean's check too.
    unchanged_links = [name for name in ("contract", "cycle", "option", "owner") if name not in changed]
    milestone.full_clean(exclude=["derived_key", *unchanged_links], validate_constraints=False)
    return fields


class MilestoneUpdates:
    """``milestone_update`` for many milestones, written together (an import's batch).

    ``update`` checks and changes a milestone in memory at once, with the same rules and errors
    as ``milestone_update``, and keeps a history entry as of that moment with its reason; ``save``
    then writes the milestones with one ``bulk_update``, their history entries with one insert,
    and plans each milestone's reminders once, however often it moved. ``replan`` asks for a
    milestone's reminders to be planned at ``save`` (one created or marked with ``follow_up=False``).
    Call ``save`` inside the same transaction, before anything reads these milestones from the
    database.
    """

    def __init__(self, *, officer: AbstractBaseUser | None):
        self.officer = officer
        self.fields: set[str] = set()
        self.milestones: dict[int, Milestone] = {}
        self.entries: list[Milestone] = []  # copies as of each change, for the history
        self.to_replan: dict[int, Milestone] = {}

    def update(self, *, milestone: Milestone, reason: str = "", **details) -> Milestone:
        fields = _milestone_apply(milestone, details)
        if not fields:
            return milestone
        if milestone.due_at is not None:
            fields.append("due_on")  # kept as the London date of due_at (Milestone.save)
            milestone.due_on = timezone.localtime(milestone.due_at).date()
        self.fields.update(fields)
        self.milestones[milestone.pk] = milestone
        entry = copy.copy(milestone)
        history.record(entry, officer=self.officer, reason=reason or "Milestone details changed")
        self.entries.append(entry)
        self.to_replan[milestone.pk] = milestone
        return milestone

    def replan(self, milestone: Milestone) -> None:
        self.to_replan[milestone.pk] = milestone

    def save(self) -> None:
        if self.milestones:
            Milestone.objects.bulk_update(list(self.milestones.values()), sorted(self.fields), batch_size=500)
            Milestone.history.bulk_history_create(self.entries, update=True, default_user=self.officer)
        changes.milestones_changed(milestones=list(self.to_replan.values()))
        self.__init__(officer=self.officer)


@transaction.atomic
def milestone_set_status(
    *,
    milestone: Milestone,
    status: str,
    officer: AbstractBaseUser | None,
    met_on: date | None = None,
    reason: str = "",
    today: date | None = None,
    follow_up: bool = True,
) -> Milestone:
    """Mark a milestone met (on a date), missed or cancelled, or scheduled again.

    Only a met milestone keeps a date met; the derivation never overwrites a milestone that
    is no longer scheduled.
    """
    today = today or timezone.localdate()
    if status not in Milestone.Status.values:
        raise ValidationError({"status": "Select the status"})
    if status == Milestone.Status.MET:
        if met_on is None:
            raise ValidationError({"met_on": "Enter the date the milestone was met"})
        if met_on > today:
            raise ValidationError({"met_on": f"The date met must be today or in the past ({long_date(today)})"})
    else:
        met_on = None
    if (milestone.status, milestone.met_on) == (status, met_on):
        return milestone
    milestone.status, milestone.met_on = status, met_on
    label = Milestone.Status(status).label
    if status == Milestone.Status.MET:
        label += f" on {long_date(met_on)}"
    history.record(milestone, officer=officer, reason=f"{label}: {reason}" if reason else label)
    milestone.save(update_fields=["status", "met_on"])
    if follow_up:
        changes.milestone_changed(milestone=milestone)
    return milestone
