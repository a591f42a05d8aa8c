"""Which reports and performance records a person may see or change, through access.policy.

A monitoring return, KPI result or quality assessment belongs to a contract, and a decision
report to a contract or a cycle: each is visible exactly when its contract (or cycle) is, so
a list never shows what the page behind it would refuse, and a record of another team answers
404 as the contract's own page does.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from access import policy

from .models import DecisionReport, MonitoringReturn, QualityAssessment


def reports_visible_to(user, queryset: QuerySet[DecisionReport] | None = None) -> QuerySet[DecisionReport]:
    queryset = DecisionReport.objects.all() if queryset is None else queryset
    if not user.has_perm("reports.view_decisionreport"):
        return queryset.none()
    contracts = policy.contracts_visible_to(user).values("pk")
    cycles = policy.cycles_visible_to(user).values("pk")
    return queryset.filter(Q(contract_id__in=contracts) | Q(contract__isnull=True, cycle_id__in=cycles))


def returns_visible_to(user, queryset: QuerySet[MonitoringReturn] | None = None) -> QuerySet[MonitoringReturn]:
    queryset = MonitoringReturn.objects.all() if queryset is None else queryset
    if not user.has_perm("reports.view_monitoringreturn"):
        return queryset.none()
    return queryset.filter(contract_id__in=policy.contracts_visible_to(user).values("pk"))


def assessments_visible_to(user, queryset: QuerySet[QualityAssessment] | None = None) -> QuerySet[QualityAssessment]:
    queryset = QualityAssessment.objects.all() if queryset is None else queryset
    if not user.has_perm("reports.view_qualityassessment"):
        return queryset.none()
    return queryset.filter(contract_id__in=policy.contracts_visible_to(user).values("pk"))


def visible_contract_or_404(user, **lookup):
    return get_object_or_404(policy.contracts_visible_to(user), **lookup)


def can_edit_contract_records(user, contract_id: int) -> bool:
    """Whether the person may change the performance records and reports of this contract."""
    return policy.contracts_editable_by(user).filter(pk=contract_id).exists()


def require_editable(user, *, contract_id: int | None, cycle_id: int | None = None) -> None:
    """403 for a record the person can read but whose contract (or cycle) they cannot change."""
    if contract_id is not None:
        if not can_edit_contract_records(user, contract_id):
            raise PermissionDenied("You can read this contract's records but not change them")
        return
    if cycle_id is not None and not policy.cycles_visible_to(user).filter(pk=cycle_id).exists():
        raise PermissionDenied("You can read this cycle's records but not change them")
