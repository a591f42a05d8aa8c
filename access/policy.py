"""Who may see and change what: the one place that decides it.

Roles (Django groups, contracts/roles.py) say what a person may do: viewers read, officers
edit, managers also approve and delete, admins also manage people. Teams say where: a person
sees the records of the teams they belong to, plus any single contract they were granted.
Admins, and anyone with ``contracts.view_all_teams``, see every team.

Views, forms, the admin, the feeds and the dashboard all start from the querysets here, so a
list never shows what the detail page would refuse. A record of another team is simply not
in the queryset, so its page answers 404 (not found), never 403 (which would confirm it exists).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from contracts.models import Contract, ContractAccess, Team


# Roles, by what each may do rather than by group name, so a superuser or a custom group with
# the same permissions is treated alike everywhere (navigation, two-step verification, audit).


def is_manager(user) -> bool:
    """Approves decisions: a manager, and an admin (who may do everything a manager may)."""
    return user.is_active and user.has_perm("contracts.approve_decision")


def is_admin(user) -> bool:
    """Manages the people who use the tracker."""
    return user.is_active and (user.is_superuser or user.has_perm("auth.change_user"))


def may_use_second_factor(user) -> bool:
    return is_manager(user) or is_admin(user)


def must_use_second_factor(user) -> bool:
    return settings.OTP_REQUIRED_FOR_ADMINS and is_admin(user)


def sees_audit_trail(user) -> bool:
    return sees_every_team(user) and user.has_perm("auth.view_user")


def sees_every_team(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("contracts.view_all_teams"))


def team_ids(user) -> list[int]:
    """The teams a person belongs to (cached on the user object for the request)."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_team_ids"):
        user._team_ids = list(Team.objects.filter(members=user).values_list("pk", flat=True))
    return user._team_ids


def teams_for(user) -> QuerySet[Team]:
    if sees_every_team(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=team_ids(user))


def contracts_visible_to(user, queryset: QuerySet[Contract] | None = None) -> QuerySet[Contract]:
    queryset = Contract.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("contracts.view_contract"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(pk__in=_team_or_granted(user, ContractAccess.objects.filter(user=user)))


def _team_or_granted(user, grants):
    """The ids of the person's teams' contracts and of those granted to them, as one subquery.

    A UNION rather than ``Q(team...) | Q(pk__in=granted)``: PostgreSQL cannot use an index for
    an OR with a subquery in it, so that form read every contract (and, through
    ``milestones_visible_to``, every milestone) on each page; this one reads the team's rows
    by index, the same at 1,000 contracts as at 100,000 (docs/benchmarks.md).
    """
    teams = Contract.objects.filter(team_id__in=team_ids(user)).order_by().values("pk")
    return teams.union(grants.order_by().values("contract_id"))


def _contract_or_cycle(queryset, contracts, cycles):
    """Milestones of the given contracts or cycles, as one indexed subquery (see ``_team_or_granted``)."""
    model = queryset.model
    ids = model.objects.filter(contract_id__in=contracts).order_by().values("pk").union(
        model.objects.filter(cycle_id__in=cycles).order_by().values("pk")
    )
    return queryset.filter(pk__in=ids)


def contracts_editable_by(user, queryset: QuerySet[Contract] | None = None) -> QuerySet[Contract]:
    queryset = Contract.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("contracts.change_contract"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(pk__in=_team_or_granted(user, ContractAccess.objects.filter(user=user, can_edit=True)))


def cycles_visible_to(user, queryset=None):
    from commissioning.models import CommissioningCycle

    queryset = CommissioningCycle.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("commissioning.view_commissioningcycle"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(team_id__in=team_ids(user))


def milestones_visible_to(user, queryset=None):
    from commissioning.models import CommissioningCycle, Milestone

    queryset = Milestone.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("commissioning.view_milestone"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    contracts = contracts_visible_to(user).values("pk")
    cycles = CommissioningCycle.objects.filter(team_id__in=team_ids(user)).values("pk")
    return _contract_or_cycle(queryset, contracts, cycles)


def milestones_editable_by(user, queryset=None):
    from commissioning.models import CommissioningCycle, Milestone

    queryset = Milestone.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("commissioning.change_milestone"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    contracts = contracts_editable_by(user).values("pk")
    cycles = CommissioningCycle.objects.filter(team_id__in=team_ids(user)).values("pk")
    return _contract_or_cycle(queryset, contracts, cycles)


def reminders_visible_to(user, queryset=None):
    from reminders.models import Reminder

    queryset = Reminder.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("reminders.view_reminder"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(milestone_id__in=milestones_visible_to(user).values("pk"))
