"""Workflows for notices, duties and conflicts: each validates, writes and records who and why.

Duties (``duties_sync_for_contract`` / ``duties_sync_for_cycle``) are the only writers of
``Duty`` rows and their milestones. They may run any number of times:

1. Work out what the Act requires now (``notices.duties``, no writes).
2. Add the duties that are missing, each with a milestone (kind "notice", or "standstill_end").
3. Move a due duty whose date changed, and its milestone unless an officer moved it.
4. Mark a due duty met when a notice of its type is recorded or imported for the same
   contract or cycle (the earliest due first).
5. Let lapse the due duties the contract no longer implies (an option declined).

Duties that an officer settled (met, or does not apply) are never changed by a sync.

A sync plans no reminders: it runs inside ``commissioning.changes.contract_changed`` /
``cycle_changed``, which plan the reminders of every milestone once the duties are in step.

Which contracts and cycles have duties: those with at least one notice under the Act (a
notice imported or recorded for them), or duties already. Contracts procured before the Act
(24 February 2025) have no UK notices, so they get none.

The duty milestones' source is ``Milestone.Source.DUTY`` ("Required by the Procurement Act");
each one's ``Duty`` row (and its description) says which duty. The derivation in
commissioning only touches "derived" milestones, so it leaves these alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from commissioning import services as commissioning_services
from commissioning.changes import contract_changed, cycle_changed, milestone_changed
from commissioning.models import CommissioningCycle, Milestone
from common import history
from common.dates import long_date, moment_words
from common.history import person_name
from contracts import services as contract_services
from contracts import terms
from contracts.models import Contract, ExtensionOption, Organisation

from . import duties as rules
from .meetings import read_meetings_ics
from .models import (
    AuthoritySpend,
    Conflict,
    ContractBreach,
    CouncilMeeting,
    Duty,
    ImportedValue,
    KeyDecisionPolicy,
    Notice,
    Payment,
    Release,
)
from .notice_types import NoticeType
from .ocds.parser import LONDON
from .payments import RowProblem, read_payments_csv
from .thresholds import value_with_vat

DUTY_REMINDERS = "1 month, 2 weeks, 1 week, 2 working days, morning of"
SYNC_REASON = "Procurement Act duty: worked out from the dates"
# The notice types that meet a contract's or a cycle's duties (notices.duties).
CONTRACT_DUTY_TYPES = {"UK7", "UK8", "UK9", "UK10", "UK11", "UK17"}
CYCLE_DUTY_TYPES = {"UK1", "UK5", "UK6", "UK12"}


def _officer_name(officer: AbstractBaseUser | None) -> str:
    return person_name(officer, nobody="the system")


# --- duties -------------------------------------------------------------------------------


# Notices that commence a procurement (Schedule 3's "commenced"): the thresholds and s.70
# count from the first of them; other notices (a UK2, say) only stand in when none exists.
COMMENCING_TYPES = ("UK4", "UK5", "UK6", "UK7")


def _first_published(notices) -> date | None:
    notices = list(notices)
    commencing = [notice for notice in notices if notice.notice_type in COMMENCING_TYPES]
    chosen = commencing or notices
    if not chosen:
        return None
    return timezone.localtime(min(notice.published_at for notice in chosen)).date()


def _procurement_of(contract: Contract) -> CommissioningCycle | None:
    """The cycle that procured the contract: the one with its OCID."""
    if not contract.ocid:
        return None
    return CommissioningCycle.objects.filter(ocid=contract.ocid).order_by("pk").first()


def planned_signing(cycle: CommissioningCycle | None, known: CycleReads | None = None) -> Milestone | None:
    """The planned signing date in a cycle's timetable: its scheduled contract award milestone."""
    if cycle is None:
        return None
    if known is not None:  # its milestones not cancelled, by date
        return next((m for m in known.milestones[cycle.pk] if m.kind == Milestone.Kind.AWARD), None)
    return (
        cycle.milestones.filter(kind=Milestone.Kind.AWARD)
        .exclude(status=Milestone.Status.CANCELLED)
        .order_by("due_on")
        .first()
    )


def contract_facts(contract: Contract) -> rules.ContractFacts:
    ordered = sorted(contract.options.all(), key=lambda option: option.sequence)
    periods = contract.option_periods()
    cycle = _procurement_of(contract)
    signing = planned_signing(cycle) if contract.date_signed is None else None
    notices = list(contract.notices.all())
    if cycle is not None:
        notices += list(cycle.notices.all())
    return rules.ContractFacts(
        reference=contract.reference,
        start=contract.start_date,
        end=contract.current_end_date,
        terminated_on=contract.terminated_on,
        light_touch=contract.is_light_touch,
        value=contract.total_value,
        is_framework=contract.kind == Contract.Kind.FRAMEWORK,
        options=tuple(
            rules.OptionFacts(
                sequence=option.sequence,
                starts_on=periods[option.sequence].start,
                is_open=option.status in ExtensionOption.OPEN_STATUSES,
                length_label=option.length_label,
                declined=option.status == ExtensionOption.Status.DECLINED,
                value=_option_value(contract, option),
            )
            for option in ordered
        ),
        entered_on=contract.date_signed,
        planned_entry_on=signing.due_on if signing else None,
        planned_entry_source=f"'{signing.title}' in the timetable of {cycle.name}" if signing else "",
        value_includes_vat=contract.value_includes_vat,
        nation=contract.nation,
        procurement_started_on=_first_published(notices),
        payments=tuple(rules.PaymentFacts(payment.paid_on, payment.amount) for payment in contract.payments.all()),
        breaches=tuple(
            rules.BreachFacts(breach.occurred_on, breach.get_what_display().lower())
            for breach in contract.breaches.all()
        ),
        provider_is_vcse=bool(contract.provider_id and contract.provider.is_vcse),
        decision=contract.decision,
        decided_on=contract.decision_on,
        key_decisions=_key_decision_facts(contract),
    )


def _option_value(contract: Contract, option: ExtensionOption) -> Decimal | None:
    return terms.option_worth(option.value, annual_value=contract.annual_value, length_months=option.length_months)


def _key_decision_facts(contract: Contract) -> rules.KeyDecisionFacts | None:
    policy = KeyDecisionPolicy.objects.filter(buyer_id=contract.buyer_id).first()
    if policy is None:
        return None
    meetings = CouncilMeeting.objects.filter(buyer_id=contract.buyer_id, body=policy.decision_body).values_list(
        "meets_on", flat=True
    )
    return rules.KeyDecisionFacts(
        threshold=policy.threshold,
        body=policy.decision_body,
        report_working_days=policy.report_working_days,
        meetings=tuple(meetings),
        provider_notice_months=contract.provider_notice_months,
    )


def _scope(contract: Contract) -> tuple[bool, bool]:
    """Cheap first look, in one query: is the contract under the Act (``contract_in_scope``), and
    can it have the council's own duties (only a VCSE provider's contract or a buyer with
    key-decision rules can)? Every change to a contract asks, so it is asked once."""
    notice, act_duty, vcse, key_decisions = (
        Contract.objects.filter(pk=contract.pk)
        .annotate(
            has_notice=Exists(Notice.objects.filter(contracts=OuterRef("pk"))),
            has_act_duty=Exists(Duty.objects.filter(contract=OuterRef("pk")).exclude(notice_type="")),
            has_policy=Exists(KeyDecisionPolicy.objects.filter(buyer=OuterRef("buyer"))),
        )
        .values_list("has_notice", "has_act_duty", "provider__is_vcse", "has_policy")
        .get()
    )
    return notice or act_duty, bool(vcse) or key_decisions


class CycleReads:
    """What the duty rules read about some cycles, each part read for them all at once when first
    needed (a query each), rather than a few queries per cycle: ``duties_sync_for_cycles`` and
    ``cycle_facts`` read through it. Read it after the changes it should see are written; the
    sync adds the duties it creates to ``duties``."""

    def __init__(self, cycles: list[CommissioningCycle]):
        self.cycles = cycles
        self.ids = [cycle.pk for cycle in cycles]

    def _by_cycle(self, rows) -> dict[int, list]:
        found: dict[int, list] = {pk: [] for pk in self.ids}
        for row in rows:
            found[row.cycle_id].append(row)
        return found

    @cached_property
    def notices(self) -> dict[int, list[Notice]]:
        return self._by_cycle(Notice.objects.filter(cycle_id__in=self.ids))

    @cached_property
    def duties(self) -> dict[int, list[Duty]]:
        return self._by_cycle(Duty.objects.filter(cycle_id__in=self.ids).select_related("milestone"))

    @cached_property
    def milestones(self) -> dict[int, list[Milestone]]:
        """Each cycle's milestones, not cancelled, by date; ``with_duty`` says whether a duty has it."""
        return self._by_cycle(
            Milestone.objects.filter(cycle_id__in=self.ids)
            .exclude(status=Milestone.Status.CANCELLED)
            .annotate(with_duty=Exists(Duty.objects.filter(milestone=OuterRef("pk"))))
            .order_by("due_on", "pk")
        )

    @cached_property
    def buyers(self) -> dict[int, set[int]]:
        """The buyers of the contracts each cycle replaces and of its releases."""
        found: dict[int, set[int]] = {pk: set() for pk in self.ids}
        replaced = CommissioningCycle.replaces.through.objects.filter(commissioningcycle_id__in=self.ids)
        for cycle_id, buyer_id in replaced.values_list("commissioningcycle_id", "contract__buyer_id"):
            found[cycle_id].add(buyer_id)
        releases = Release.objects.filter(cycle_id__in=self.ids).exclude(buyer=None).order_by()
        for cycle_id, buyer_id in releases.values_list("cycle_id", "buyer_id").distinct():
            found[cycle_id].add(buyer_id)
        return found

    @cached_property
    def spends(self) -> list[AuthoritySpend]:
        buyers = set().union(*self.buyers.values())
        return list(AuthoritySpend.objects.filter(buyer_id__in=buyers).order_by("financial_year_start"))

    def spends_of(self, cycle: CommissioningCycle) -> list[AuthoritySpend]:
        buyers = self.buyers[cycle.pk]
        return [spend for spend in self.spends if spend.buyer_id in buyers] if buyers else []

    @cached_property
    def notices_counted(self) -> set[int]:
        """The cycles' notices that already meet a duty."""
        return set(Duty.objects.filter(notice__cycle_id__in=self.ids).values_list("notice_id", flat=True).order_by())

    @cached_property
    def unsigned_contracts(self) -> dict[str, list[Contract]]:
        """The contracts not yet signed with each cycle's OCID."""
        ocids = {cycle.ocid for cycle in self.cycles if cycle.ocid}
        found: dict[str, list[Contract]] = {}
        if ocids:
            for contract in Contract.objects.filter(ocid__in=ocids, date_signed__isnull=True).order_by("pk"):
                found.setdefault(contract.ocid, []).append(contract)
        return found


def _pipeline_years(
    cycle: CommissioningCycle, *, tender_published_on: date | None, known: CycleReads
) -> tuple[date, ...]:
    """The financial years whose UK1 must list the cycle (s.93): its buyer expects over £100m, it is over £2m."""
    spends = known.spends_of(cycle)
    if not spends:
        return ()
    planned = next(
        (
            milestone.due_on
            for milestone in known.milestones[cycle.pk]
            if milestone.kind in (Milestone.Kind.NOTICE, Milestone.Kind.TENDER_DEADLINE) and not milestone.with_duty
        ),
        None,
    )
    years = []
    for spend in spends:
        if not rules.pipeline_required(spend.expected_spend):
            continue
        if rules.in_pipeline(
            spend.financial_year_start,
            value_with_vat=None
            if cycle.estimated_value is None
            else value_with_vat(cycle.estimated_value, includes_vat=cycle.estimated_value_includes_vat),
            tender_published_on=tender_published_on,
            planned_tender_on=planned,
        ):
            years.append(spend.financial_year_start)
    return tuple(years)


def cycle_facts(cycle: CommissioningCycle, known: CycleReads | None = None) -> rules.CycleFacts:
    """What the duty rules need to know of a cycle; ``known``: read with other cycles' (``CycleReads``)."""
    known = known or CycleReads([cycle])
    notices = known.notices[cycle.pk]
    awards = sorted(
        (notice for notice in notices if notice.notice_type == NoticeType.UK6), key=lambda notice: notice.published_at
    )
    tenders = [notice for notice in notices if notice.notice_type in ("UK4", "UK5")]
    tender_published_on = timezone.localtime(min(n.published_at for n in tenders)).date() if tenders else None
    signing = planned_signing(cycle, known)
    # A procurement that had begun (a tender notice) and was then decided against ends without an award.
    not_awarded = (
        tender_published_on is not None
        and not awards
        and cycle.decision
        in (Contract.Decision.EXTEND, Contract.Decision.EXTEND_WITH_VARIATIONS, Contract.Decision.DECOMMISSION)
        and cycle.decision_on is not None
    )
    return rules.CycleFacts(
        name=cycle.name,
        target_start=cycle.target_start_date,
        light_touch=cycle.is_light_touch,
        award_notices=tuple(
            rules.PublishedNotice(
                notice.fts_notice_id or f"recorded {notice.pk}", timezone.localtime(notice.published_at).date()
            )
            for notice in awards
        ),
        value=cycle.estimated_value,
        value_includes_vat=cycle.estimated_value_includes_vat,
        procurement_started_on=_first_published(notices),
        planned_entry_on=signing.due_on if signing else None,
        # Recorded on the cycle, or shown by a UK5 already published.
        direct_award=cycle.direct_award or any(notice.notice_type == "UK5" for notice in notices),
        direct_award_justification=cycle.direct_award_justification.strip(),
        not_awarded_on=cycle.decision_on if not_awarded else None,
        pipeline_years=_pipeline_years(cycle, tender_published_on=tender_published_on, known=known),
    )


def contract_in_scope(contract: Contract, *, notices=None, duties=None) -> bool:
    """Under the Act: a notice, or a duty under it already (the council's own duties do not count).

    ``notices`` and ``duties``, when given, are all of the contract's, already read (the contract
    page lists them): the rule is then answered from them instead of two more queries."""
    if notices is not None and duties is not None:
        return bool(notices) or any(duty.notice_type != "" for duty in duties)
    return contract.notices.exists() or contract.duties.exclude(notice_type="").exists()


def cycle_in_scope(cycle: CommissioningCycle, known: CycleReads | None = None) -> bool:
    """Under the Act: a notice, a direct award recorded (its UK5 comes before any other notice),
    or a duty already (being listed in a UK1 pipeline does not count)."""
    known = known or CycleReads([cycle])
    return (
        cycle.direct_award
        or bool(known.notices[cycle.pk])
        or any(not duty.key.startswith("UK1:") for duty in known.duties[cycle.pk])
    )


def _duty_description(required: rules.RequiredNotice) -> str:
    what = f"Procurement Act 2023 duty ({NoticeType(required.notice_type).label})" if required.notice_type else "Duty"
    text = f"{what}. Due by {long_date(required.due_on)}: {required.basis}"
    if required.note:
        text += f"\n\n{required.note}"
    return text


def new_duty(required: rules.RequiredNotice, *, contract=None, cycle=None, owner=None) -> tuple[Milestone, Duty]:
    """A duty and its milestone as the sync adds them, unsaved (save the milestone first), for
    ``duties_create``, which the sync and callers that add many at once (contracts' bulk path) use."""
    milestone = Milestone(
        contract=contract,
        cycle=cycle,
        kind=required.kind,
        title=required.title[:255],
        description=_duty_description(required),
        due_on=required.due_on,
        owner=owner,
        source=Milestone.Source.DUTY,
        # Unique per contract (a database constraint), so a duty cannot be added twice.
        derived_key=f"duty:{required.key}"[:50] if contract is not None else "",
        reminder_offsets="" if required.kind == rules.Kind.STANDSTILL_END else DUTY_REMINDERS,
    )
    duty = Duty(
        contract=contract,
        cycle=cycle,
        key=required.key,
        notice_type=required.notice_type,
        kind=required.kind,
        title=required.title[:255],
        due_on=required.due_on,
        basis=required.basis,
        note=required.note,
        milestone=milestone,
    )
    return milestone, duty


def duties_create(pairs: list[tuple[Milestone, Duty]], *, officer: AbstractBaseUser | None) -> list[Duty]:
    """Add new duties with their milestones (``new_duty``'s pairs), as the duty sync adds them:
    the milestones in one insert with their history (``milestones_create``, not followed up: the
    caller plans their reminders once its dates have settled), then the duties in one."""
    if not pairs:
        return []
    commissioning_services.milestones_create(
        milestones=[milestone for milestone, _ in pairs], officer=officer, reason=SYNC_REASON, follow_up=False
    )
    duties = [duty for _, duty in pairs]
    for duty in duties:
        history.record(duty, officer=officer, reason=SYNC_REASON)
    # Each duty's milestone is saved now: Django takes its id as the duty is inserted.
    bulk_create_with_history(duties, Duty, batch_size=500)
    return duties


def _sync(
    wanted: list[rules.RequiredNotice],
    existing: dict[str, Duty],
    *,
    officer,
    today: date,
    new: list[tuple[Milestone, Duty]] | None = None,
    **subject,
) -> list[str]:
    """Add, move, lapse and restore ``subject``'s duties to match ``wanted``; what changed, in words.
    The duties to add are added here, or with ``new`` given, left there (``new_duty``'s pairs)
    for the caller to add with others (``duties_create``)."""
    changes, added = [], []
    to_add = new if new is not None else []
    owner = subject.get("contract").lead_officer if subject.get("contract") else subject["cycle"].lead_officer
    for required in wanted:
        duty = existing.get(required.key)
        if duty is None:
            to_add.append(new_duty(required, owner=owner, **subject))
            added.append(required)
            continue
        if duty.status == Duty.Status.LAPSED:
            duty.status, duty.reason = Duty.Status.DUE, ""
            history.record(duty, officer=officer, reason="Required again")
            duty.save(update_fields=["status", "reason"])
            if duty.milestone and duty.milestone.status == Milestone.Status.CANCELLED:
                commissioning_services.milestone_set_status(
                    milestone=duty.milestone,
                    status=Milestone.Status.SCHEDULED,
                    officer=officer,
                    reason="Required again",
                    today=today,
                    follow_up=False,
                )
        if duty.status != Duty.Status.DUE:
            continue
        if (duty.due_on, duty.title, duty.basis) == (required.due_on, required.title[:255], required.basis):
            continue
        previous = duty.due_on
        duty.due_on, duty.title, duty.basis, duty.note = (
            required.due_on,
            required.title[:255],
            required.basis,
            required.note,
        )
        history.record(duty, officer=officer, reason=SYNC_REASON)
        duty.save(update_fields=["due_on", "title", "basis", "note"])
        milestone = duty.milestone
        # An officer who moved the milestone (a signing date before the start) keeps their date.
        if (
            milestone
            and milestone.status == Milestone.Status.SCHEDULED
            and milestone.due_at is None
            and milestone.due_on == previous
        ):
            commissioning_services.milestone_update(
                milestone=milestone,
                officer=officer,
                reason=SYNC_REASON,
                due_on=required.due_on,
                title=required.title[:255],
                description=_duty_description(required),
                follow_up=False,
            )
        if previous != required.due_on:
            changes.append(
                f"Moved the duty '{required.title}' from {long_date(previous)} to {long_date(required.due_on)}"
            )
    if new is None:
        duties_create(to_add, officer=officer)
    wanted_keys = {required.key for required in wanted}
    for key, duty in existing.items():
        if key in wanted_keys or duty.status != Duty.Status.DUE:
            continue
        duty.status, duty.reason = Duty.Status.LAPSED, "No longer required by the contract's dates and options"
        history.record(duty, officer=officer, reason="No longer required")
        duty.save(update_fields=["status", "reason"])
        if duty.milestone and duty.milestone.status == Milestone.Status.SCHEDULED:
            commissioning_services.milestone_set_status(
                milestone=duty.milestone,
                status=Milestone.Status.CANCELLED,
                officer=officer,
                reason="No longer required",
                today=today,
                follow_up=False,
            )
        changes.append(f"The duty '{duty.title}' is no longer required")
    if len(added) == 1:
        changes.insert(0, f"Added the duty: {added[0].title}, due by {long_date(added[0].due_on)}")
    elif added:
        first = min(added, key=lambda required: required.due_on)
        name = subject["contract"].reference if subject.get("contract") else subject["cycle"].name
        codes = sorted(
            {required.notice_type for required in added if required.notice_type}, key=lambda code: int(code[2:])
        )
        others = sum(1 for required in added if not required.notice_type)
        types = ", ".join(codes + ([f"{others} other{'s' if others != 1 else ''}"] if others else []))
        changes.insert(
            0,
            f"Planned {len(added)} Procurement Act duties for {name} ({types}), the first due by {long_date(first.due_on)}",
        )
    return changes


def _meet_with_milestones(duties: list[Duty], *, officer) -> list[str]:
    """A duty that is not a notice (assessment summaries, notice to a provider) is met when its milestone is."""
    changes = []
    for duty in duties:
        milestone = duty.milestone
        if (
            duty.is_due
            and not duty.needs_a_notice
            and duty.kind != rules.Kind.STANDSTILL_END
            and milestone
            and milestone.status == Milestone.Status.MET
        ):
            duty.status, duty.decided_on = Duty.Status.MET, milestone.met_on
            history.record(duty, officer=officer, reason="Its milestone was met")
            duty.save(update_fields=["status", "decided_on"])
            changes.append(f"{duty.title}: done on {long_date(milestone.met_on)}")
    return changes


def _meet_with_notices(duties: list[Duty], waiting, *, officer, today: date) -> list[str]:
    """Step 4: each notice not yet counted meets the earliest due duty of its type.
    ``waiting(types)``: the subject's notices of those types that meet no duty yet, oldest first."""
    wanted_types = {d.notice_type for d in duties if d.is_due and d.needs_a_notice}
    if not wanted_types:
        return []
    notices = waiting(wanted_types)
    changes = []
    for notice in notices:
        candidates = [d for d in duties if d.is_due and d.needs_a_notice and d.notice_type == notice.notice_type]
        if not candidates:
            continue
        duty = min(candidates, key=lambda d: d.due_on)
        duty_meet(duty=duty, notice=notice, officer=officer, today=today, follow_up=False)
        changes.append(f"{duty.title}: met by {notice}")
    return changes


@transaction.atomic
def duties_sync_for_contract(
    *, contract: Contract, officer: AbstractBaseUser | None = None, today: date | None = None
) -> list[str]:
    """Bring a contract's Procurement Act duties in step (see the module docstring)."""
    today = today or timezone.localdate()
    under_the_act, council = _scope(contract)
    if not under_the_act and not council:
        return []
    facts = contract_facts(contract)
    # The Act's duties only for a contract under it; the council's own (Best Value, key decisions) for any.
    wanted = (rules.contract_duties(facts) if under_the_act else []) + rules.contract_council_duties(facts)
    existing = {duty.key: duty for duty in contract.duties.select_related("milestone")}
    changes = _sync(wanted, existing, officer=officer, today=today, contract=contract)
    duties = list(contract.duties.select_related("milestone"))
    changes += _meet_with_notices(
        duties,
        lambda types: list(
            contract.notices.filter(notice_type__in=types, duties_met__isnull=True).order_by("published_at", "pk")
        ),
        officer=officer,
        today=today,
    )
    changes += _meet_with_milestones(duties, officer=officer)
    return changes


def duties_sync_for_cycle(
    *, cycle: CommissioningCycle, officer: AbstractBaseUser | None = None, today: date | None = None
) -> list[str]:
    """Bring a cycle's Procurement Act duties in step (see the module docstring)."""
    return duties_sync_for_cycles(cycles=[cycle], officer=officer, today=today)[cycle.pk]


@transaction.atomic
def duties_sync_for_cycles(
    *, cycles: list[CommissioningCycle], officer: AbstractBaseUser | None = None, today: date | None = None
) -> dict[int, list[str]]:
    """``duties_sync_for_cycle`` for each of ``cycles`` (an import's batch), by cycle: what each
    rule reads is read for them all at once (``CycleReads``), and the duties they all need added
    are added together, with their milestones (``duties_create``), before any is met."""
    today = today or timezone.localdate()
    known = CycleReads(cycles)
    found: dict[int, list[str]] = {}
    synced: list[tuple[CommissioningCycle, list[tuple[Milestone, Duty]]]] = []
    for cycle in cycles:
        found[cycle.pk] = []
        in_scope = cycle_in_scope(cycle, known)
        # A cycle with no notice yet has no duties of its own, but may belong in its authority's UK1.
        if not in_scope and not _cycle_buyers_expect_pipeline(cycle, known):
            continue
        wanted = rules.cycle_duties(cycle_facts(cycle, known))
        if not in_scope:
            wanted = [required for required in wanted if required.notice_type == "UK1"]
        existing = {duty.key: duty for duty in known.duties[cycle.pk]}
        if wanted or existing:
            to_add: list[tuple[Milestone, Duty]] = []
            found[cycle.pk] += _sync(wanted, existing, officer=officer, today=today, new=to_add, cycle=cycle)
            synced.append((cycle, to_add))
    duties_create([pair for _, to_add in synced for pair in to_add], officer=officer)
    for cycle, to_add in synced:
        duties = sorted(
            [*known.duties[cycle.pk], *(duty for _, duty in to_add)], key=lambda duty: (duty.due_on, duty.key)
        )  # as Duty.Meta.ordering reads them
        found[cycle.pk] += _meet_with_notices(
            duties,
            lambda types, cycle=cycle: sorted(
                (
                    notice
                    for notice in known.notices[cycle.pk]
                    if notice.notice_type in types and notice.pk not in known.notices_counted
                ),
                key=lambda notice: (notice.published_at, notice.pk),
            ),
            officer=officer,
            today=today,
        )
        found[cycle.pk] += _meet_with_milestones(duties, officer=officer)
    for cycle in cycles:
        # Its contracts not yet signed count their UK7 from this cycle's planned signing date.
        for contract in known.unsigned_contracts.get(cycle.ocid, []) if cycle.ocid else []:
            found[cycle.pk] += duties_sync_for_contract(contract=contract, officer=officer, today=today)
    return found


def _cycle_buyers_expect_pipeline(cycle: CommissioningCycle, known: CycleReads) -> bool:
    return any(spend.expected_spend > rules.PIPELINE_SPEND_THRESHOLD for spend in known.spends_of(cycle))


@transaction.atomic
def duty_meet(
    *, duty: Duty, notice: Notice, officer: AbstractBaseUser | None, today: date | None = None, follow_up: bool = True
) -> Duty:
    """Mark a duty met by a published notice, and its milestone met on the day it was published."""
    today = today or timezone.localdate()
    published_on = timezone.localtime(notice.published_at).date()
    duty.status, duty.notice, duty.decided_by, duty.decided_on = Duty.Status.MET, notice, officer, published_on
    history.record(duty, officer=officer, reason=f"Met by {notice}")
    duty.save(update_fields=["status", "notice", "decided_by", "decided_on"])
    if duty.milestone and duty.milestone.status != Milestone.Status.MET:
        commissioning_services.milestone_set_status(
            milestone=duty.milestone,
            status=Milestone.Status.MET,
            met_on=published_on,
            officer=officer,
            reason=f"{notice} published",
            today=max(today, published_on),
            follow_up=follow_up,
        )
    return duty


@transaction.atomic
def duty_not_applicable(
    *, duty: Duty, reason: str, officer: AbstractBaseUser | None, today: date | None = None
) -> Duty:
    """Record that a duty does not apply and why (for example the legal view on an extension option).

    The reason is kept whole on the duty (and in its history) and on the milestone, which is
    cancelled so that no more reminders go.
    """
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why this duty does not apply"})
    locked = Duty.objects.select_for_update().get(pk=duty.pk)
    if locked.status != Duty.Status.DUE:
        raise ValidationError({"reason": f"This duty is already settled: {locked.get_status_display().lower()}"})
    locked.status, locked.reason, locked.decided_by, locked.decided_on = (
        Duty.Status.NOT_APPLICABLE,
        reason,
        officer,
        today,
    )
    history.record(locked, officer=officer, reason=f"Does not apply: {reason}")
    locked.save(update_fields=["status", "reason", "decided_by", "decided_on"])
    milestone = locked.milestone
    if milestone is not None:
        commissioning_services.milestone_update(
            milestone=milestone,
            officer=officer,
            reason="Duty does not apply",
            follow_up=False,  # the status change below plans its reminders
            description=f"{milestone.description}\n\nDoes not apply ({_officer_name(officer)}, {long_date(today)}): {reason}",
        )
        commissioning_services.milestone_set_status(
            milestone=milestone,
            status=Milestone.Status.CANCELLED,
            officer=officer,
            reason=f"Does not apply: {reason}",
            today=today,
        )
    duty.refresh_from_db()
    return locked


@transaction.atomic
def duty_reopen(*, duty: Duty, officer: AbstractBaseUser | None, today: date | None = None) -> Duty:
    """Undo "does not apply": the duty is due again and its milestone scheduled."""
    today = today or timezone.localdate()
    if duty.status != Duty.Status.NOT_APPLICABLE:
        raise ValidationError("Only a duty recorded as not applying can be reopened")
    duty.status, duty.decided_by, duty.decided_on = Duty.Status.DUE, officer, today
    history.record(duty, officer=officer, reason="Reopened: the duty applies after all")
    duty.save(update_fields=["status", "decided_by", "decided_on"])
    if duty.milestone is not None:
        commissioning_services.milestone_set_status(
            milestone=duty.milestone,
            status=Milestone.Status.SCHEDULED,
            officer=officer,
            reason="Duty reopened",
            today=today,
        )
    return duty


def contract_date_signed_from_notice(
    *, contracts: list[Contract], signed: list[date], officer: AbstractBaseUser | None
) -> list[str]:
    """An award or contract notice's ``dateSigned`` fills in the date signed of the one contract with its OCID.

    Only when the tracker has no date yet, and only when one contract has the OCID (with
    several, which was signed when is the officer's to say). A date the officer recorded is
    kept; a notice that disagrees is reported in the import's changes.
    """
    if len(contracts) != 1 or not signed:
        return []
    contract, day = contracts[0], min(signed)
    if contract.date_signed == day:
        return []
    if contract.date_signed is not None:
        return [
            f"The notice says {contract.reference} was signed on {long_date(day)}; the tracker keeps {long_date(contract.date_signed)}"
        ]
    contract.date_signed = day
    history.record(contract, officer=officer, reason="Date signed from the notice (dateSigned)")
    contract.save(update_fields=["date_signed"])
    return [
        f"{contract.reference} was signed on {long_date(day)} (the notice's dateSigned): its duties count from that day"
    ]


def contract_link_notices(*, contract: Contract) -> None:
    """A contract given the OCID of notices already imported is linked to them: those of its own
    team's cycles only (or of no cycle), so that an OCID typed on a contract never reaches into
    another team's notices."""
    if not contract.ocid:
        return
    own = Q(cycle__isnull=True) | Q(cycle__team_id=contract.team_id)
    linked_elsewhere = Notice.contracts.through.objects.exclude(contract__team_id=contract.team_id).values("notice_id")
    missing = list(
        Notice.objects.filter(own, ocid=contract.ocid).exclude(contracts=contract).exclude(pk__in=linked_elsewhere)
    )
    for notice in missing:
        notice.contracts.add(contract)


# --- notices recorded by hand -------------------------------------------------------------


def _published_at(day: date) -> datetime:
    # An officer gives the day only: noon London time stands for it, so the London date is
    # the same whichever way it is converted.
    return datetime.combine(day, time(12, 0), tzinfo=LONDON)


@transaction.atomic
def notice_record(
    *,
    notice_type: str,
    published_on: date,
    fts_notice_id: str = "",
    url: str = "",
    description: str = "",
    contract: Contract | None = None,
    cycle: CommissioningCycle | None = None,
    duty: Duty | None = None,
    officer: AbstractBaseUser | None,
    today: date | None = None,
) -> Notice:
    """Record a notice the team published (on Find a Tender, by hand), and meet the duty it answers.

    A UK17 payments compliance notice covers the whole authority: it also meets the same
    period's duty on the buyer's other contracts.
    """
    today = today or timezone.localdate()
    if bool(contract) == bool(cycle):
        raise ValidationError("Record a notice from a contract's or a cycle's page")
    errors = {}
    if notice_type not in NoticeType.values:
        errors["notice_type"] = "Select the type of notice"
    if published_on > today:
        errors["published_on"] = f"The date published must be today or in the past ({long_date(today)})"
    fts_notice_id = fts_notice_id.strip()
    if fts_notice_id and Notice.objects.filter(fts_notice_id=fts_notice_id).exists():
        errors["fts_notice_id"] = f"Notice {fts_notice_id} is already in the tracker"
    if duty is not None and not duty.notice_type:
        errors["notice_type"] = "This duty is not a notice: mark its milestone met when it is done"
    elif duty is not None and duty.notice_type != notice_type:
        errors["notice_type"] = f"This duty needs a {NoticeType(duty.notice_type).label}"
    if errors:
        raise ValidationError(errors)
    subject = contract or cycle
    # A contract's notice also belongs to the procurement with the same OCID, if the tracker has it.
    # Only a cycle of the contract's own team: another team's cycle is never written to from here.
    notice_cycle = cycle or (
        CommissioningCycle.objects.filter(ocid=contract.ocid, team_id=contract.team_id).first()
        if contract.ocid
        else None
    )
    notice = Notice(
        notice_type=notice_type,
        fts_notice_id=fts_notice_id,
        ocid=subject.ocid,
        published_at=_published_at(published_on),
        url=url.strip(),
        description=description.strip(),
        source=Notice.Source.RECORDED,
        cycle=notice_cycle,
        recorded_by=officer,
    )
    notice.full_clean()
    history.record(notice, officer=officer, reason="Notice recorded")
    notice.save()
    if contract is not None:
        notice.contracts.add(contract)
    if duty is not None and duty.is_due:
        # Its contract or cycle is followed up below, reminders and all.
        duty_meet(duty=duty, notice=notice, officer=officer, today=today, follow_up=False)
        if notice_type == NoticeType.UK17 and contract is not None:
            same_period = (
                Duty.objects.filter(key=duty.key, status=Duty.Status.DUE, contract__buyer=contract.buyer)
                .exclude(pk=duty.pk)
                .select_related("milestone", "contract")
            )
            for other in same_period:
                notice.contracts.add(other.contract)
                duty_meet(duty=other, notice=notice, officer=officer, today=today)
    if contract is not None:
        contract_changed(contract=contract, officer=officer, today=today)
    if notice_cycle is not None:
        cycle_changed(cycle=notice_cycle, officer=officer, today=today)
    return notice


# --- conflicts ----------------------------------------------------------------------------


def _when_words(value: dict) -> str:
    due_on = date.fromisoformat(value["due_on"])
    if not value.get("due_at"):
        return f"{long_date(due_on)} (all day)"
    start = datetime.fromisoformat(value["due_at"])
    end = datetime.fromisoformat(value["ends_at"]) if value.get("ends_at") else None
    return moment_words(start, end)


def _append_conflict_note(milestone: Milestone, line: str, *, officer, reason: str) -> None:
    if line in milestone.conflict_note:
        return
    milestone.conflict_note = f"{milestone.conflict_note}\n\n{line}".strip()
    history.record(milestone, officer=officer, reason=reason)
    milestone.save(update_fields=["conflict_note"])


def _notice_contract(conflict: Conflict, contract: Contract) -> Contract:
    """``contract`` with the notice's value of ``conflict`` set on it, not saved."""
    value = conflict.theirs_value
    field = value["field"]
    if field == "end_date":
        contract_services.contract_set_initial_end(contract, date.fromisoformat(value["value"]))
    elif field == "total_value":
        contract.total_value = Decimal(value["value"])
        if value.get("includes_vat") is not None:  # the notice said (notices.ocds.parser.money_value)
            contract.value_includes_vat = value["includes_vat"]
    else:
        setattr(contract, field, date.fromisoformat(value["value"]))
    return contract


@dataclass(frozen=True)
class Consequence:
    """What using a notice's value would do, in words, or why it cannot be used."""

    changes: list[str]
    problems: list[str]


def _date_words(day: date | None) -> str:
    return long_date(day) if day else "not set"


CONTRACT_DATES = [
    ("start_date", "Start date"),
    ("initial_end_date", "End of the initial term"),
    ("current_end_date", "Current end date"),
    ("max_extent_date", "Maximum extent date"),
]


def conflict_consequences(*, conflict: Conflict) -> Consequence | None:
    """What choosing the notice's value would change, checked the way the save will check it,
    for the officer to read before choosing (None: nothing to show)."""
    value = conflict.theirs_value
    if not value or not conflict.is_open:
        return None
    if value.get("target") == "contract" and conflict.contract_id:
        before = Contract.objects.get(pk=conflict.contract_id)
        after = Contract.objects.get(pk=conflict.contract_id)
        try:
            _notice_contract(conflict, after)
            contract_services.contract_check(after)
        except ValidationError as error:
            return Consequence(changes=[], problems=error.messages)
        after.refresh_end_dates()
        changes = [
            f"{label}: {_date_words(getattr(before, name))} → {_date_words(getattr(after, name))}"
            for name, label in CONTRACT_DATES
            if getattr(before, name) != getattr(after, name)
        ]
        if before.total_value != after.total_value:
            changes.append(f"Total value: {conflict.ours} → {conflict.theirs}")
        changes.append("Its milestones, Procurement Act duties and reminders follow the new dates")
        return Consequence(changes=changes, problems=[])
    if value.get("target") == "milestone" and conflict.milestone_id:
        return Consequence(
            changes=[
                f"The milestone moves from {conflict.ours} to {conflict.theirs}",
                "Its reminders are planned again for the new date",
            ],
            problems=[],
        )
    return Consequence(changes=[f"{conflict.ours} → {conflict.theirs}"], problems=[])


@transaction.atomic
def conflict_resolve(
    *, conflict: Conflict, use_notice: bool, officer: AbstractBaseUser | None, today: date | None = None
) -> Conflict:
    """The officer's choice between the tracker's value and the notice's.

    Using the notice's value changes the milestone, the contract or the cycle through the usual
    services (the same checks, history and reminders as an edit on its own page); keeping the
    tracker's changes nothing else. Either way the choice, who made it and when are kept on the
    conflict and in the milestone's note. The choice is recorded first, so that the re-check of
    open disagreements the change sets off (``conflicts_recheck``) leaves this one alone.
    """
    today = today or timezone.localdate()
    locked = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if not locked.is_open:
        raise ValidationError(f"This has already been decided: {locked.get_status_display().lower()}")
    if use_notice and not locked.can_use_notice:
        raise ValidationError("There is nothing to copy from the notice: change the record on its own page")
    locked.status = Conflict.Status.USED_NOTICE if use_notice else Conflict.Status.KEPT
    locked.resolved_by, locked.resolved_at = officer, timezone.now()
    history.record(locked, officer=officer, reason=locked.get_status_display())
    locked.save(update_fields=["status", "resolved_by", "resolved_at"])
    release = f" (release {locked.release.release_id})" if locked.release_id else ""
    if use_notice:
        value = locked.theirs_value
        if value.get("target") == "milestone" and locked.milestone_id:
            milestone = Milestone.objects.get(pk=locked.milestone_id)
            commissioning_services.milestone_update(
                milestone=milestone,
                officer=officer,
                reason=f"Chose the notice's date{release}",
                due_on=date.fromisoformat(value["due_on"]),
                due_at=datetime.fromisoformat(value["due_at"]) if value.get("due_at") else None,
                ends_at=datetime.fromisoformat(value["ends_at"]) if value.get("ends_at") else None,
            )
        elif value.get("target") == "contract" and locked.contract_id:
            contract = _notice_contract(locked, Contract.objects.get(pk=locked.contract_id))
            contract_services.contract_save(
                contract=contract, officer=officer, reason=f"Chose the notice's value{release}"
            )
        elif value.get("target") == "cycle" and value.get("field") == "stage":
            cycle = CommissioningCycle.objects.get(pk=locked.cycle_id)
            if cycle.stage != value["value"]:
                commissioning_services.cycle_change_stage(
                    cycle=cycle,
                    stage=value["value"],
                    officer=officer,
                    reason=f"Chose the notice's stage{release}",
                    today=today,
                )
        elif value.get("target") == "cycle":
            cycle = CommissioningCycle.objects.get(pk=locked.cycle_id)
            setattr(cycle, value["field"], _cycle_value(value["field"], value["value"]))
            if value["field"] == "estimated_value" and value.get("includes_vat") is not None:
                cycle.estimated_value_includes_vat = value["includes_vat"]  # the notice said
            commissioning_services.cycle_save(cycle=cycle, officer=officer, reason=f"Chose the notice's value{release}")
    if locked.milestone_id:
        chosen = locked.theirs if use_notice else locked.ours
        milestone = Milestone.objects.get(pk=locked.milestone_id)
        _append_conflict_note(
            milestone,
            f"{long_date(today)}: {_officer_name(officer)} chose {chosen}.",
            officer=officer,
            reason="Officer chose between the sources",
        )
    return locked


def _tracker_agrees(conflict: Conflict) -> bool | None:
    """Whether the tracker's value now equals the notice's (None: nothing to compare)."""
    value = conflict.theirs_value
    if not value:
        return None
    target = value.get("target")
    if target == "contract" and conflict.contract is not None:
        contract, field = conflict.contract, value["field"]
        if field == "end_date":
            return contract.initial_end_date.isoformat() == value["value"]
        if field == "total_value":
            return contract.total_value is not None and contract.total_value == Decimal(value["value"])
        current = getattr(contract, field)
        return current is not None and current.isoformat() == value["value"]
    if target == "milestone" and conflict.milestone is not None:
        milestone = conflict.milestone
        if value.get("due_at"):
            return milestone.due_at is not None and milestone.due_at == datetime.fromisoformat(value["due_at"])
        return milestone.due_at is None and milestone.due_on.isoformat() == value["due_on"]
    if target == "cycle" and conflict.cycle is not None:
        return getattr(conflict.cycle, value["field"]) == _cycle_value(value["field"], value["value"])
    return None


def _tracker_words(conflict: Conflict) -> str | None:
    """What the tracker says now, in the words of the page, where it can be read again."""
    value = conflict.theirs_value or {}
    if value.get("target") == "contract" and conflict.contract is not None:
        field = value["field"]
        if field == "end_date":
            return long_date(conflict.contract.initial_end_date)
        if field in ("start_date", "max_extent_date"):
            current = getattr(conflict.contract, field)
            return long_date(current) if current else "not set"
    return None


def conflicts_recheck(
    *,
    contract: Contract | None = None,
    cycle: CommissioningCycle | None = None,
    milestone: Milestone | None = None,
    officer: AbstractBaseUser | None = None,
    milestones: list[int] | None = None,
    cycles: list[int] | None = None,
) -> int:
    """Read the open disagreements about a record again after it changed (called by
    ``commissioning.changes``): one the tracker now agrees with is closed; another shows the
    tracker's value as it is now. Returns how many were closed. ``milestones`` (pks): those
    about any of these milestones, in one query; ``cycles`` (pks): as ``cycle`` for each.

    Issue 25: after the officer edited the contract to the notice's date, the disagreement
    still showed the old value and could only be "kept".
    """
    about = Q(contract=contract) if contract is not None else Q()
    if cycle is not None:
        about = Q(cycle=cycle, contract=None, milestone=None)
    if milestone is not None:
        about = Q(milestone=milestone)
    if milestones:
        about = Q(milestone__in=milestones)
    if cycles:
        about = Q(cycle__in=cycles, contract=None, milestone=None)
    if contract is None and cycle is None and milestone is None and not milestones and not cycles:
        return 0
    closed = 0
    waiting = Conflict.objects.filter(about, status=Conflict.Status.OPEN).select_related(
        "contract", "milestone", "cycle"
    )
    for conflict in waiting:
        agrees = _tracker_agrees(conflict)
        if agrees:
            conflict.status = Conflict.Status.AGREED
            conflict.resolved_by, conflict.resolved_at = officer, timezone.now()
            history.record(conflict, officer=officer, reason="The tracker now agrees with the notice")
            conflict.save(update_fields=["status", "resolved_by", "resolved_at"])
            closed += 1
            continue
        words = _tracker_words(conflict)
        if words is not None and words != conflict.ours:
            conflict.ours = words[:300]
            history.record(conflict, officer=officer, reason=f"The tracker now says {words}")
            conflict.save(update_fields=["ours"])
    return closed


def conflicts_close_superseded(
    *, contract: Contract, subject: str, officer: AbstractBaseUser | None, unless_from: Release | None = None
) -> int:
    """A later notice agrees with the tracker: the open disagreement about ``subject`` is over.

    One raised by ``unless_from`` stays open: a release whose contract changes the term (UK10) while
    its lot still gives the old dates has not agreed with the tracker, and the officer decides."""
    closed = 0
    conflicts = Conflict.objects.filter(contract=contract, subject=subject, status=Conflict.Status.OPEN)
    if unless_from is not None:
        conflicts = conflicts.exclude(release=unless_from)
    for conflict in conflicts:
        conflict.status = Conflict.Status.SUPERSEDED
        history.record(conflict, officer=officer, reason="A later notice agrees with the tracker")
        conflict.save(update_fields=["status"])
        closed += 1
    return closed


def _cycle_value(field: str, value):
    if value is None:
        return None
    if field == "estimated_value":
        return Decimal(value)
    if field == "target_start_date":
        return date.fromisoformat(value)
    return value


def imported_value_for(milestone: Milestone) -> ImportedValue | None:
    return ImportedValue.objects.filter(milestone=milestone).first()


# --- payments (UK8) -----------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    contract: Contract,
    paid_on: date,
    amount: Decimal,
    supplier: str,
    finance_reference: str = "",
    officer: AbstractBaseUser | None,
    today: date | None = None,
) -> Payment:
    """Record one payment made under a contract; one over £30,000 plans the quarter's UK8 (s.70)."""
    today = today or timezone.localdate()
    errors = {}
    if paid_on > today:
        errors["paid_on"] = f"The date paid must be today or in the past ({long_date(today)})"
    if amount is None or amount <= 0:
        errors["amount"] = "Enter an amount of more than £0"
    if not (supplier or "").strip():
        errors["supplier"] = "Enter the supplier"
    if (
        not errors
        and Payment.objects.filter(
            contract=contract, paid_on=paid_on, amount=amount, finance_reference=finance_reference.strip()
        ).exists()
    ):
        errors["amount"] = f"This payment of £{amount:,.2f} on {long_date(paid_on)} is already recorded"
    if errors:
        raise ValidationError(errors)
    payment = Payment(
        contract=contract,
        paid_on=paid_on,
        amount=amount,
        supplier=supplier.strip(),
        finance_reference=finance_reference.strip(),
        recorded_by=officer,
    )
    payment.full_clean()
    history.record(payment, officer=officer, reason="Payment recorded")
    payment.save()
    contract_changed(contract=contract, officer=officer, today=today)  # its UK8 duties, then their reminders
    return payment


@dataclass(frozen=True)
class PaymentsImported:
    added: int
    already_recorded: int
    contracts: tuple[str, ...]  # references, in order


@transaction.atomic
def payments_import(
    *, data: bytes, contracts, officer: AbstractBaseUser | None, today: date | None = None
) -> PaymentsImported:
    """Import a finance system's payments file (``notices.payments``) into the contracts given.

    ``contracts`` is what the officer may change (access.policy); a reference outside it is a
    problem like any other. A file with any problem is refused whole, with every problem
    listed by row and column; importing the same file again adds nothing.
    """
    today = today or timezone.localdate()
    rows, problems = read_payments_csv(data)
    references = {row.contract_reference for row in rows}
    by_reference = {c.reference.casefold(): c for c in contracts.filter(reference__in=references)}
    for reference in sorted(references):
        # Finance systems often change the case of a reference: one query for each such reference only.
        if reference.casefold() not in by_reference and (
            match := contracts.filter(reference__iexact=reference).first()
        ):
            by_reference[reference.casefold()] = match
    for row in rows:
        if row.contract_reference.casefold() not in by_reference:
            problems.append(
                RowProblem(row.row, "contract reference", f"no contract {row.contract_reference} that you can change")
            )
        if row.paid_on > today:
            problems.append(RowProblem(row.row, "date", f"{long_date(row.paid_on)} is in the future"))
    if problems:
        problems.sort(key=lambda problem: (problem.row or 0, problem.column))
        raise ValidationError([str(problem) for problem in problems])
    added = already = 0
    touched: dict[int, Contract] = {}
    for row in rows:
        contract = by_reference[row.contract_reference.casefold()]
        _, created = Payment.objects.get_or_create(
            contract=contract,
            paid_on=row.paid_on,
            amount=row.amount,
            finance_reference=row.finance_reference,
            defaults={"supplier": row.supplier, "recorded_by": officer},
        )
        if created:
            added += 1
            touched[contract.pk] = contract
        else:
            already += 1
    for contract in touched.values():
        contract_changed(contract=contract, officer=officer, today=today)
    return PaymentsImported(added, already, tuple(sorted(c.reference for c in touched.values())))


@transaction.atomic
def breach_record(
    *,
    contract: Contract,
    occurred_on: date,
    what: str,
    description: str = "",
    officer: AbstractBaseUser | None,
    today: date | None = None,
) -> ContractBreach:
    """Record a breach or failure to improve; a public contract then needs a UK9 within 30 days (s.71)."""
    today = today or timezone.localdate()
    if occurred_on > today:
        raise ValidationError({"occurred_on": f"The date must be today or in the past ({long_date(today)})"})
    breach = ContractBreach(
        contract=contract, occurred_on=occurred_on, what=what, description=description.strip(), recorded_by=officer
    )
    breach.full_clean()
    history.record(breach, officer=officer, reason="Breach recorded")
    breach.save()
    contract_changed(contract=contract, officer=officer, today=today)
    return breach


# --- the UK1 pipeline (s.93) ----------------------------------------------------------------


@transaction.atomic
def authority_spend_save(
    *,
    buyer: Organisation,
    financial_year_start: date,
    expected_spend: Decimal,
    officer: AbstractBaseUser | None,
    today: date | None = None,
) -> AuthoritySpend:
    """Record what a buyer expects to pay under public contracts in a financial year, and plan its UK1.

    Over £100 million, every cycle of the buyer over £2 million whose tender notice is planned
    in the 18 months from 1 April gets a duty to be listed in that year's pipeline notice.
    """
    today = today or timezone.localdate()
    errors = {}
    if (financial_year_start.month, financial_year_start.day) != (4, 1):
        errors["financial_year_start"] = "A financial year starts on 1 April"
    if expected_spend is None or expected_spend < 0:
        errors["expected_spend"] = "Enter an amount of £0 or more"
    if errors:
        raise ValidationError(errors)
    spend = AuthoritySpend.objects.filter(
        buyer=buyer, financial_year_start=financial_year_start
    ).first() or AuthoritySpend(buyer=buyer, financial_year_start=financial_year_start)
    spend.expected_spend = expected_spend
    spend.full_clean()
    history.record(spend, officer=officer, reason="Expected spend recorded")
    spend.save()
    for cycle in _cycles_of_buyer(buyer):
        cycle_changed(cycle=cycle, officer=officer, today=today)
    return spend


def _cycles_of_buyer(buyer: Organisation):
    return (
        CommissioningCycle.objects.filter(Q(replaces__buyer=buyer) | Q(releases__buyer=buyer)).distinct().order_by("pk")
    )


# --- recurring team duties (Domestic Abuse Act 2021 Part 4) --------------------------------


@transaction.atomic
def team_duties_plan(
    *,
    cycle: CommissioningCycle,
    planned: list,
    officer: AbstractBaseUser | None,
    reason: str = "Statutory duty planned",
) -> list[Milestone]:
    """Add each ``council_duties.TeamDuty`` as a milestone of the cycle that carries the team's
    statutory dates, once: planning again adds nothing (each is found by its key)."""
    added = []
    for duty in planned:
        key = f"duty:{duty.key}"[:50]
        if cycle.milestones.filter(derived_key=key).exists():
            continue
        milestone = commissioning_services.milestone_create(
            cycle=cycle,
            kind=Milestone.Kind.OTHER,
            title=duty.title[:255],
            due_on=duty.due_on,
            description=duty.basis,
            owner=cycle.lead_officer,
            officer=officer,
            reason=reason,
            follow_up=False,
        )
        milestone.derived_key = key
        milestone.reminder_offsets = "3 months, 1 month, 2 weeks, 1 week"
        history.record(milestone, officer=officer, reason=reason)
        milestone.save(update_fields=["derived_key", "reminder_offsets"])
        milestone_changed(milestone=milestone)
        added.append(milestone)
    return added


# --- key decisions (SI 2012/2089 reg 9) -----------------------------------------------------


@dataclass(frozen=True)
class MeetingsImported:
    added: int
    updated: int
    contracts_replanned: int


@transaction.atomic
def meetings_import(
    *,
    buyer: Organisation,
    data: bytes,
    body: str,
    threshold: Decimal,
    report_working_days: int,
    officer: AbstractBaseUser | None,
    today: date | None = None,
) -> MeetingsImported:
    """Import an authority's meeting calendar and its key-decision rules, then plan the key
    decisions of its contracts' open options. A calendar with any problem changes nothing;
    importing it again changes nothing (meetings are matched by their UID)."""
    today = today or timezone.localdate()
    rows, problems = read_meetings_ics(data, body=body)
    if problems:
        raise ValidationError(problems)
    policy = KeyDecisionPolicy.objects.filter(buyer=buyer).first() or KeyDecisionPolicy(buyer=buyer)
    policy.threshold, policy.decision_body, policy.report_working_days = threshold, body.strip(), report_working_days
    policy.full_clean()
    history.record(policy, officer=officer, reason="Key decision rules recorded")
    policy.save()
    added = updated = 0
    for row in rows:
        meeting = CouncilMeeting.objects.filter(buyer=buyer, uid=row.uid).first()
        if meeting is None:
            meeting = CouncilMeeting(buyer=buyer, uid=row.uid)
            added += 1
        elif (meeting.title, meeting.meets_on, meeting.starts_at, meeting.body) == (
            row.title,
            row.meets_on,
            row.starts_at,
            policy.decision_body,
        ):
            continue
        else:
            updated += 1
        meeting.title, meeting.meets_on, meeting.starts_at, meeting.body = (
            row.title,
            row.meets_on,
            row.starts_at,
            policy.decision_body,
        )
        history.record(meeting, officer=officer, reason="Meeting calendar imported")
        meeting.save()
    contracts = (
        Contract.objects.filter(buyer=buyer, options__status__in=ExtensionOption.OPEN_STATUSES)
        .distinct()
        .order_by("pk")
    )
    for contract in contracts:
        contract_changed(contract=contract, officer=officer, today=today)
    return MeetingsImported(added, updated, contracts.count())


# --- OCDS uploads imported by a worker ----------------------------------------------------

IMPORT_STORAGE_FOLDER = "ocds-imports"
# The result page lists this many releases of each kind; the rest are counted.
SHOWN_OUTCOMES = 200
# The progress row is saved at most this often (releases), so a large import is not slowed by it.
PROGRESS_EVERY = 25


def outcome_summary(outcome) -> dict:
    """What the result page shows of one release's outcome, as JSON (ImportJob.shown)."""
    return {
        "status": outcome.status,
        "label": outcome.label,
        "release_id": outcome.release_id,
        "cycle_id": outcome.cycle_id,
        "cycle_name": outcome.cycle_name,
        "changes": list(outcome.changes),
        "problems": list(outcome.problems),
        "disagreements": list(outcome.disagreements),
    }


def import_job_start(*, upload, officer: AbstractBaseUser, team=None, create_buyers: bool = False, total: int = 0):
    """Keep an uploaded OCDS file (Django's storage API) and queue its import once the request commits."""
    import uuid

    from django.core.files.storage import default_storage

    from .models import ImportJob
    from .tasks import import_ocds_upload

    upload.seek(0)
    stored_name = default_storage.save(f"{IMPORT_STORAGE_FOLDER}/{uuid.uuid4().hex}.json", upload)
    job = ImportJob.objects.create(
        officer=officer,
        team=team,
        create_buyers=create_buyers,
        file_name=(upload.name or "upload.json")[:255],
        stored_name=stored_name,
        total=total,
        counts={"imported": 0, "unchanged": 0, "refused": 0, "unreadable": 0},
        shown={"imported": [], "unchanged": [], "refused": [], "unreadable": []},
    )
    transaction.on_commit(lambda: import_ocds_upload.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> None:
    """Import a queued upload as the officer who sent it, keeping its progress on the row.

    1. Claim the job: only a queued job starts (a task delivered twice runs it once).
    2. Import the stored file with the officer's own rights and the upload limits.
    3. Save the counts every ``PROGRESS_EVERY`` releases, and the outcomes at the end.
    4. Delete the stored file, whatever happened.
    """
    import logging

    from django.core.files.storage import default_storage

    from .models import ImportJob
    from .ocds.loader import ImportLimits, ImportOptions, import_releases

    now = timezone.now()
    if (
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, started_at=now
        )
        != 1
    ):
        return
    job = ImportJob.objects.select_related("officer", "team").get(pk=job_id)
    options = ImportOptions(
        officer=job.officer,
        team=job.team,
        create_buyers=job.create_buyers,
        limits=ImportLimits.from_settings(),
        # Outcomes arrive a batch at a time: batches no larger than the progress step keep the bar moving.
        batch_size=PROGRESS_EVERY,
    )
    counts, shown = dict(job.counts), {key: list(value) for key, value in job.shown.items()}
    gaps_opened = []
    try:
        # A notice moving a start date may leave a service with no contract: the result names each gap.
        with (
            default_storage.open(job.stored_name, "rb") as stream,
            commissioning_services.gaps_opened_by_change(officer=job.officer) as opened,
        ):
            for number, outcome in enumerate(import_releases(stream, options), start=1):
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
                if len(shown.setdefault(outcome.status, [])) < SHOWN_OUTCOMES:
                    shown[outcome.status].append(outcome_summary(outcome))
                if number % PROGRESS_EVERY == 0:
                    ImportJob.objects.filter(pk=job_id).update(counts=counts)
        gaps_opened = [gap.words for gap in opened]
        status, error = ImportJob.Status.FINISHED, ""
    except Exception:
        logging.getLogger("notices.import").exception("import job %s stopped", job_id)
        status = ImportJob.Status.FAILED
        error = "The import stopped because of an error in the tracker. The releases counted above were imported; import the file again to finish (releases already imported are skipped)."
    finally:
        try:
            default_storage.delete(job.stored_name)
        except OSError:
            pass
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        counts=counts,
        shown=shown,
        gaps_opened=gaps_opened,
        error=error,
        finished_at=timezone.now(),
        stored_name="",
    )
