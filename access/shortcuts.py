"""Fetching one record for a view, through the policy: 404 if out of sight, 403 if read-only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from . import policy


def visible_contract_or_404(user, queryset=None, **lookup):
    return get_object_or_404(policy.contracts_visible_to(user, queryset), **lookup)


def editable_contract_or_deny(user, queryset=None, **lookup):
    contract = visible_contract_or_404(user, queryset, **lookup)
    if not policy.contracts_editable_by(user).filter(pk=contract.pk).exists():
        raise PermissionDenied("You can read this contract but not change it")
    return contract


def visible_cycle_or_404(user, queryset=None, **lookup):
    return get_object_or_404(policy.cycles_visible_to(user, queryset), **lookup)


def visible_milestone_or_404(user, queryset=None, **lookup):
    return get_object_or_404(policy.milestones_visible_to(user, queryset), **lookup)


def editable_milestone_or_deny(user, queryset=None, **lookup):
    milestone = visible_milestone_or_404(user, queryset, **lookup)
    if not policy.milestones_editable_by(user).filter(pk=milestone.pk).exists():
        raise PermissionDenied("You can read this milestone but not change it")
    return milestone
