"""Reads for the notices pages and for the Notices sections of the contract and cycle pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from access import policy
from commissioning.models import CommissioningCycle
from contracts.models import Contract

from .models import Conflict, Duty, Notice


def _ordered(notices: QuerySet[Notice]) -> QuerySet[Notice]:
    return notices.select_related("source_release", "recorded_by").order_by("published_at", "fts_notice_id", "pk")


def notices_for_contract(contract: Contract) -> QuerySet[Notice]:
    return _ordered(contract.notices.all())


def notices_for_cycle(cycle: CommissioningCycle) -> QuerySet[Notice]:
    return _ordered(cycle.notices.all())


def duties_for(subject: Contract | CommissioningCycle) -> QuerySet[Duty]:
    return subject.duties.select_related("milestone", "notice", "decided_by").order_by("due_on", "key")


def open_conflicts_for_contract(contract: Contract) -> QuerySet[Conflict]:
    # Uses the conflict_status_cycle index's status column; contracts have few conflicts.
    return Conflict.objects.filter(
        Q(contract=contract) | Q(milestone__contract=contract), status=Conflict.Status.OPEN
    ).select_related("release", "milestone")


def open_conflicts_for_cycle(cycle: CommissioningCycle) -> QuerySet[Conflict]:
    return Conflict.objects.filter(cycle=cycle, status=Conflict.Status.OPEN).select_related(
        "release", "milestone", "contract"
    )


def notices_section(subject: Contract | CommissioningCycle, user) -> dict:
    """Everything the Notices section of a contract's or a cycle's page shows, and what the user may do there."""
    is_contract = isinstance(subject, Contract)
    if is_contract:
        notices = notices_for_contract(subject)
        conflicts = open_conflicts_for_contract(subject)
        can_change = policy.contracts_editable_by(user).filter(pk=subject.pk).exists()
    else:
        notices = notices_for_cycle(subject)
        conflicts = open_conflicts_for_cycle(subject)
        can_change = policy.cycles_editable_by(user).filter(pk=subject.pk).exists()
    can_view_notices = user.has_perm("notices.view_notice")
    can_view_duties = user.has_perm("notices.view_duty")
    notices = list(notices) if can_view_notices else []
    duties = list(duties_for(subject)) if can_view_duties else []
    return {
        "subject": subject,
        "is_contract": is_contract,
        "subject_param": f"{'contract' if is_contract else 'cycle'}={subject.pk}",
        "can_view_notices": can_view_notices,
        "notices": notices,
        "duties": duties,
        "conflicts": list(conflicts) if user.has_perm("notices.view_conflict") else [],
        "can_record": can_change and user.has_perm("notices.add_notice"),
        "can_decide": can_change and user.has_perm("notices.change_duty"),
        "can_resolve": can_change and user.has_perm("notices.change_conflict"),
        "can_record_facts": can_change and user.has_perm("notices.add_payment"),
        # Which regime of the Act the contract falls under, shown once it has duties.
        "classification": contract_classification(subject)
        if is_contract
        and can_view_duties
        and _under_the_act(subject, notices=notices if can_view_notices else None, duties=duties)
        else None,
    }


def _under_the_act(contract: Contract, *, notices, duties) -> bool:
    from .services import contract_in_scope

    return contract_in_scope(contract, notices=notices, duties=duties)


def contract_classification(contract: Contract):
    """The contract's regime under the Act, in words (notices.thresholds)."""
    from . import duties, services

    return duties.classify(services.contract_facts(contract))


def pipeline_years_for(user) -> list[dict]:
    """Each authority's recorded years: expected spend, whether a UK1 is needed, its due date, and the
    cycles (of those the user may see) it must list."""
    from . import duties
    from .models import AuthoritySpend

    rows = []
    for spend in AuthoritySpend.objects.select_related("buyer").order_by("-financial_year_start", "buyer__name"):
        required = duties.pipeline_required(spend.expected_spend)
        listed = policy.duties_visible_to(user).filter(
            key=f"UK1:{spend.financial_year_start.year}", cycle__isnull=False
        )
        rows.append(
            {
                "spend": spend,
                "required": required,
                "due_on": duties.pipeline_due(spend.financial_year_start) if required else None,
                "duties": list(listed.select_related("cycle", "milestone").order_by("cycle__name")) if required else [],
            }
        )
    return rows
