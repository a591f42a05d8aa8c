"""Milestones derived from a contract, kept in step with it.

``milestones_sync_for_contract`` is the only writer of derived milestones. It runs as the first
step of ``changes.contract_changed``, which every service that changes a contract or one of its
options calls, and may run any number of times:

1. Work out the milestones the contract implies now (``derived_milestones``, no writes).
2. Create those that are missing.
3. Move those whose date or title changed, unless an officer edited the milestone by hand or
   it is no longer scheduled (met, missed or cancelled are an officer's record: left alone).
4. Mark an extension decision met when its option is exercised or declined, and cancel it
   when the option lapses.
5. Cancel derived milestones the contract no longer implies (an option deleted, a maximum
   extent cleared, a gap in cover closed), again unless an officer has taken them over.
6. An option's decide-by date is worked back through the buyer's meeting calendar when one is
   recorded (``notices.council_duties.option_decide_by``): the provider's notice, the last
   decision meeting early enough, its report deadline and key decision notice. With no
   calendar it assumes the contract's approval lead weeks, and the milestone says so.
7. A gap in cover at the end of the contract (``commissioning.cover``) is a milestone too, due
   on the first day with no contract, so it has reminders to the lead officer and escalation
   like any deadline. Another contract's change can open or close it (a successor's start
   moving): ``changes.contract_changed`` syncs the contracts sharing a service with the one
   that changed as well (``changes.cover_changed``), and plans their reminders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from contracts import terms
from contracts.models import Contract, ExtensionOption, terms_of
from notices import council_duties

from .models import Milestone

SYNC_REASON = "Recomputed from the contract"


@dataclass(frozen=True)
class DerivedMilestone:
    key: str
    kind: str
    title: str
    due_on: date
    option: ExtensionOption | None = None
    # For a decided option: the status its decision milestone should show.
    settled_status: str | None = None
    settled_on: date | None = None
    description: str = ""


def decision_calendars() -> dict[int, council_duties.DecisionCalendar]:
    """Every buyer's meeting calendar by buyer id, in one query: what the cover and the rating of
    many contracts read (``selectors.decision_calendars``), the derivation and the contract page.
    A buyer with key-decision rules but no meetings recorded is left out: with no
    meetings the approval lead weeks stand in either way (``council_duties.option_decide_by``)."""
    from notices.models import CouncilMeeting

    rows = (
        CouncilMeeting.objects.filter(body=F("buyer__key_decision_policy__decision_body"))
        .order_by("buyer_id", "meets_on")
        .values_list(
            "buyer_id",
            "meets_on",
            "buyer__key_decision_policy__decision_body",
            "buyer__key_decision_policy__report_working_days",
            "buyer__key_decision_policy__threshold",
        )
    )
    rules, meetings = {}, defaultdict(list)
    for buyer_id, meets_on, body, report_working_days, threshold in rows:
        rules[buyer_id] = (body, report_working_days, threshold)
        meetings[buyer_id].append(meets_on)
    return {
        buyer_id: council_duties.DecisionCalendar(
            body=body,
            meetings=tuple(meetings[buyer_id]),
            report_working_days=report_working_days,
            key_decision_threshold=threshold,
        )
        for buyer_id, (body, report_working_days, threshold) in rules.items()
    }


def option_decisions(
    contract: Contract, options: list[ExtensionOption], calendar: council_duties.DecisionCalendar | None
) -> dict[int, council_duties.DecideBy]:
    """Each option's decide-by date and how it was worked out, by sequence
    (``notices.council_duties.option_decide_by``: through the meeting calendar when one is recorded)."""
    ordered = sorted(options, key=lambda option: option.sequence)
    periods = terms.option_periods(contract.start_date, contract.initial_term_months, *terms_of(ordered))
    return {
        option.sequence: council_duties.option_decide_by(
            period.start,
            notice_months=contract.provider_notice_months,
            approval_weeks=contract.approval_lead_weeks,
            calendar=calendar,
            value=terms.option_worth(
                option.value, annual_value=contract.annual_value, length_months=option.length_months
            ),
        )
        for option, period in zip(ordered, periods)
    }


def derived_milestones(
    contract: Contract, options: list[ExtensionOption], calendar: council_duties.DecisionCalendar | None = None
) -> list[DerivedMilestone]:
    """The milestones a contract implies, from its dates, options and the buyer's meeting calendar
    (``decision_calendars``; with none, the decide-by dates assume the approval lead weeks)."""
    ref = contract.reference
    derived = []
    if contract.kind == Contract.Kind.FRAMEWORK:
        derived.append(
            DerivedMilestone(
                "framework_end", Milestone.Kind.FRAMEWORK_END, f"{ref}: framework ends", contract.current_end_date
            )
        )
    else:
        derived.append(
            DerivedMilestone(
                "term_end", Milestone.Kind.TERM_END, f"{ref}: current term ends", contract.current_end_date
            )
        )
    decisions = option_decisions(contract, options, calendar)
    for option in sorted(options, key=lambda option: option.sequence):
        decision = decisions[option.sequence]
        decide_by = decision.due_on
        at = f" at {calendar.body}" if decision.through_calendar else ""
        settled_status = settled_on = None
        if option.status in (ExtensionOption.Status.EXERCISED, ExtensionOption.Status.DECLINED):
            settled_status, settled_on = Milestone.Status.MET, option.decision_date or decide_by
        elif option.status == ExtensionOption.Status.LAPSED:
            settled_status = Milestone.Status.CANCELLED
        derived.append(
            DerivedMilestone(
                f"option_decision:{option.sequence}",
                Milestone.Kind.OPTION_DECISION,
                f"{ref}: decide on extension option {option.sequence} ({option.length_label}){at}",
                decide_by,
                option=option,
                settled_status=settled_status,
                settled_on=settled_on,
                description=decision.words,
            )
        )
    if contract.max_extent_date:
        derived.append(
            DerivedMilestone(
                "max_extent", Milestone.Kind.MAX_EXTENT, f"{ref}: maximum extent", contract.max_extent_date
            )
        )
    return derived


def cover_gap_milestones(
    contract: Contract, *, today: date, calendars: dict[int, council_duties.DecisionCalendar] | None = None
) -> list[DerivedMilestone]:
    """One milestone per service this contract's end leaves without a contract for some days."""
    # Imported here: selectors reads access.policy, which reads these models.
    from .selectors import contract_cover_of

    derived = []
    for service in contract_cover_of(contract, today=today, calendars=calendars).services:
        for boundary in service.gaps:
            if boundary.old.pk != contract.pk:
                continue  # a call-off's own gap is the call-off's milestone, not its framework's
            derived.append(
                DerivedMilestone(
                    f"cover_gap:{service.pk}" if service.pk else "cover_gap",
                    Milestone.Kind.GAP_IN_COVER,
                    f"{contract.reference}: {boundary.service} has no contract {boundary.gap.words}",
                    boundary.gap.first,
                    description=boundary.words[:1].upper() + boundary.words[1:] + ".",
                )
            )
    return derived


def new_derived_milestone(contract: Contract, spec, *, owner=None) -> Milestone:
    """A derived milestone as the sync adds it, unsaved: for ``milestones_sync_for_contract`` and
    for callers that add many contracts at once (contracts' bulk path, which passes the lead
    officer it has read as ``owner`` so that planning the reminders reads no one again)."""
    milestone = Milestone(
        contract=contract,
        source=Milestone.Source.DERIVED,
        derived_key=spec.key,
        kind=spec.kind,
        title=spec.title,
        due_on=spec.due_on,
        option=spec.option,
        owner_id=contract.lead_officer_id,
        description=spec.description,
    )
    if owner is not None:
        milestone.owner = owner
    if spec.settled_status:
        milestone.status, milestone.met_on = spec.settled_status, spec.settled_on
    return milestone


@transaction.atomic
def milestones_sync_for_contract(
    *, contract: Contract, officer: AbstractBaseUser | None = None, today: date | None = None
) -> None:
    """Bring a contract's derived milestones in step with it (see the module docstring).

    Plans no reminders and syncs no other contract: ``changes.contract_changed`` does both,
    once, after the duties (``changes.cover_changed`` for the contracts sharing a service).
    """
    today = today or timezone.localdate()

    def _save(milestone: Milestone, reason: str, fields: list[str]) -> None:
        if officer is not None:
            milestone._history_user = officer
        milestone._change_reason = reason
        milestone.save(update_fields=fields)

    options = list(contract.options.all())
    # One read of the calendars for the decide-by milestones and for the cover's "decide by".
    calendars = decision_calendars()
    derived = derived_milestones(contract, options, calendars.get(contract.buyer_id)) + cover_gap_milestones(
        contract, today=today, calendars=calendars
    )
    wanted = {d.key: d for d in derived}
    existing = {m.derived_key: m for m in contract.milestones.filter(source=Milestone.Source.DERIVED)}
    new = []
    for key, spec in wanted.items():
        milestone = existing.get(key)
        if milestone is None:
            new.append(new_derived_milestone(contract, spec))
            continue
        if milestone.edited_by_hand:
            continue
        if spec.settled_status and milestone.status == Milestone.Status.SCHEDULED:
            milestone.status, milestone.met_on = spec.settled_status, spec.settled_on
            _save(
                milestone,
                f"Option {spec.option.sequence} {spec.option.get_status_display().lower()}",
                ["status", "met_on"],
            )
            continue
        if milestone.status != Milestone.Status.SCHEDULED:
            continue
        if (milestone.due_on, milestone.title, milestone.option_id) != (
            spec.due_on,
            spec.title,
            spec.option and spec.option.pk,
        ) or (spec.description and milestone.description != spec.description):
            milestone.due_on, milestone.title, milestone.option = spec.due_on, spec.title, spec.option
            fields = ["due_on", "title", "option"]
            if spec.description:
                milestone.description = spec.description
                fields.append("description")
            _save(milestone, SYNC_REASON, fields)
    for key, milestone in existing.items():
        if key not in wanted and milestone.status == Milestone.Status.SCHEDULED and not milestone.edited_by_hand:
            milestone.status = Milestone.Status.CANCELLED
            reason = (
                "The gap in cover closed"
                if milestone.kind == Milestone.Kind.GAP_IN_COVER
                else "No longer follows from the contract"
            )
            _save(milestone, reason, ["status"])
    if new:
        # One insert for the new milestones and one for their history rows, however many options.
        bulk_create_with_history(new, Milestone, default_user=officer, default_change_reason=SYNC_REASON)


def contracts_sharing_a_service(contract: Contract):
    """The other contracts in a chain of cover with this one: its change can open or close their gaps."""
    return Contract.objects.filter(services_covered__contracts=contract).exclude(pk=contract.pk).distinct()
