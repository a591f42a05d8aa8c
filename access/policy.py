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

from django.db.models import QuerySet

from contracts.models import Contract, ContractAccess, Team


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


def organisations_editable_by(user, queryset=None):
    """The buyers and providers a person may change (issue 15; before it, any officer could change any).

    An organisation is shared reference data: every team's contracts name it, and notice
    imports find a buyer by its PPON identifier. So a change reaches every team that uses it,
    and the rule is about those teams (a team uses an organisation when one of its contracts
    names it as buyer or provider, or one of its cycles' notices names it as buyer):

    - an admin (anyone who sees every team) may change any organisation;
    - an officer may change one that only their own teams use, or that nothing uses yet;
    - a manager (``contracts.approve_decision``) may also change one their teams share with
      other teams;
    - nobody else, and nobody without ``contracts.change_organisation``.

    Every change is saved through ``contracts.services.organisation_save`` with the
    officer's name and reason in its history.
    """
    from contracts.models import Organisation

    queryset = Organisation.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("contracts.change_organisation"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    mine = team_ids(user)
    used_elsewhere = _organisations_used(Contract.objects.exclude(team_id__in=mine), exclude_teams=mine)
    if not user.has_perm("contracts.approve_decision"):
        return queryset.exclude(pk__in=used_elsewhere)
    used_by_mine = _organisations_used(Contract.objects.filter(team_id__in=mine), teams=mine)
    return queryset.filter(pk__in=used_by_mine) | queryset.exclude(pk__in=used_elsewhere)


def _organisations_used(contracts, *, teams=None, exclude_teams=None):
    """The ids of the buyers and providers of ``contracts`` and the buyers named by the notices
    of the matching teams' cycles, as one UNION (no NULLs: ``NOT IN`` a list with a NULL is never true)."""
    from notices.models import Release

    releases = Release.objects.filter(buyer_id__isnull=False, cycle__isnull=False)
    if teams is not None:
        releases = releases.filter(cycle__team_id__in=teams)
    if exclude_teams is not None:
        releases = releases.exclude(cycle__team_id__in=exclude_teams)
    return (
        contracts.order_by().values("buyer_id")
        .union(contracts.filter(provider_id__isnull=False).order_by().values("provider_id"))
        .union(releases.order_by().values("buyer_id"))
    )
