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
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

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


def _visible_contract_ids(user, grants):
    """``contracts_visible_to``'s ids for someone who does not see every team, as the bare
    ``_team_or_granted`` subquery: wrapped in a query over contracts (``.values("pk")``) it made
    PostgreSQL read every contract to match them (issue 24)."""
    if not user.has_perm("contracts.view_contract"):
        return Contract.objects.none().values("pk")
    return _team_or_granted(user, grants)


def _contract_or_cycle_ids(model, contracts, cycles):
    """The ids of ``model``'s rows (milestones) of the given contracts or cycles, as one UNION
    subquery (see ``_team_or_granted``)."""
    return (
        model.objects.filter(contract_id__in=contracts)
        .order_by()
        .values("pk")
        .union(model.objects.filter(cycle_id__in=cycles).order_by().values("pk"))
    )


def _contract_or_cycle(queryset, contracts, cycles):
    """Milestones of the given contracts or cycles, as one indexed subquery (see ``_team_or_granted``)."""
    return queryset.filter(pk__in=_contract_or_cycle_ids(queryset.model, contracts, cycles))


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


def cycles_editable_by(user, queryset=None):
    """A cycle is its team's: whoever may change cycles changes those they see."""
    from commissioning.models import CommissioningCycle

    queryset = CommissioningCycle.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("commissioning.change_commissioningcycle"):
        return queryset.none()
    return cycles_visible_to(user, queryset)


def services_visible_to(user, queryset=None):
    """A service (commissioning.Service) is its team's, like a cycle."""
    from commissioning.models import Service

    queryset = Service.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("commissioning.view_service"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(team_id__in=team_ids(user))


def services_editable_by(user, queryset=None):
    """The team's editors (officers and up) change the services of the teams they see."""
    from commissioning.models import Service

    queryset = Service.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("commissioning.change_service"):
        return queryset.none()
    return services_visible_to(user, queryset)


def teams_for_new_services(user) -> QuerySet[Team]:
    """The teams a person may add a service for."""
    if not user.is_authenticated or not user.has_perm("commissioning.add_service"):
        return Team.objects.none()
    return teams_for(user)


def teams_whose_timings_may_change(user) -> QuerySet[Team]:
    """A team's procurement timetable (how long each stage takes) is for its managers to set:
    a manager of the team (``is_manager``) in it, or anyone seeing every team who is one."""
    if not user.is_authenticated or not is_manager(user):
        return Team.objects.none()
    return teams_for(user)


def milestones_visible_to(user, queryset=None):
    from commissioning.models import Milestone

    queryset = Milestone.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("commissioning.view_milestone"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(pk__in=_milestone_ids_visible_to(user))


def _milestone_ids_visible_to(user):
    """The ids of the milestones of the contracts someone who does not see every team sees, and
    of their teams' cycles (the caller has checked ``commissioning.view_milestone``): one UNION
    subquery, for ``milestones_visible_to`` and for other tables' rows by their milestone.

    Wrapped in a read of the milestones (``milestones_visible_to(user).values("pk")``), it made
    PostgreSQL read every milestone for each query of an officer's Reminders page (issue 24:
    300,000 milestones at 100,000 contracts).
    """
    from commissioning.models import CommissioningCycle, Milestone

    contracts = _visible_contract_ids(user, ContractAccess.objects.filter(user=user))
    cycles = CommissioningCycle.objects.filter(team_id__in=team_ids(user)).values("pk")
    return _contract_or_cycle_ids(Milestone, contracts, cycles)


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
    # A reminder is its milestone's: seen exactly when the milestone is.
    if not user.has_perm("commissioning.view_milestone"):
        return queryset.none()
    return queryset.filter(milestone_id__in=_milestone_ids_visible_to(user))


def _either(first: QuerySet, second: QuerySet, first_field: str = "pk", second_field: str = "pk"):
    """The ids in either queryset, as one UNION subquery (see ``_team_or_granted``)."""
    return first.order_by().values(first_field).union(second.order_by().values(second_field))


# Records that belong to a contract or a cycle: each is visible exactly when its contract (or
# cycle) is, so a list never shows what the page behind it would refuse, and a record of another
# team answers 404 as the contract's own page does.


def reports_visible_to(user, queryset=None):
    """Decision reports of the contracts the person sees, and of their cycles (for a report on no contract)."""
    from reports.models import DecisionReport

    queryset = DecisionReport.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("reports.view_decisionreport"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    ids = _either(
        DecisionReport.objects.filter(contract_id__in=contracts_visible_to(user).values("pk")),
        DecisionReport.objects.filter(contract__isnull=True, cycle_id__in=cycles_visible_to(user).values("pk")),
    )
    return queryset.filter(pk__in=ids)


def returns_visible_to(user, queryset=None):
    from reports.models import MonitoringReturn

    queryset = MonitoringReturn.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("reports.view_monitoringreturn"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(contract_id__in=contracts_visible_to(user).values("pk"))


def assessments_visible_to(user, queryset=None):
    from reports.models import QualityAssessment

    queryset = QualityAssessment.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("reports.view_qualityassessment"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(contract_id__in=contracts_visible_to(user).values("pk"))


def notices_visible_to(user, queryset=None):
    """Notices of the cycles and contracts the person may see."""
    from notices.models import Notice

    queryset = Notice.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("notices.view_notice"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    ids = _either(
        Notice.objects.filter(cycle_id__in=cycles_visible_to(user).values("pk")),
        Notice.contracts.through.objects.filter(contract_id__in=contracts_visible_to(user).values("pk")),
        second_field="notice_id",
    )
    return queryset.filter(pk__in=ids)


def releases_visible_to(user, queryset=None):
    from notices.models import Release

    queryset = Release.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("notices.view_notice"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(cycle_id__in=cycles_visible_to(user).values("pk"))


def conflicts_visible_to(user, queryset=None):
    from notices.models import Conflict

    queryset = Conflict.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("notices.view_conflict"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(cycle_id__in=cycles_visible_to(user).values("pk"))


def duties_visible_to(user, queryset=None):
    from notices.models import Duty

    queryset = Duty.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("notices.view_duty"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    ids = _either(
        Duty.objects.filter(contract_id__in=contracts_visible_to(user).values("pk")),
        Duty.objects.filter(cycle_id__in=cycles_visible_to(user).values("pk")),
    )
    return queryset.filter(pk__in=ids)


# One record for a view, through the querysets above: 404 if out of sight, 403 if read-only.


def visible_contract_or_404(user, queryset=None, **lookup):
    return get_object_or_404(contracts_visible_to(user, queryset), **lookup)


def editable_contract_or_deny(user, queryset=None, **lookup):
    contract = visible_contract_or_404(user, queryset, **lookup)
    if not contracts_editable_by(user).filter(pk=contract.pk).exists():
        raise PermissionDenied("You can read this contract but not change it")
    return contract


def visible_cycle_or_404(user, queryset=None, **lookup):
    return get_object_or_404(cycles_visible_to(user, queryset), **lookup)


def visible_service_or_404(user, queryset=None, **lookup):
    return get_object_or_404(services_visible_to(user, queryset), **lookup)


def editable_service_or_deny(user, queryset=None, **lookup):
    service = visible_service_or_404(user, queryset, **lookup)
    if not services_editable_by(user).filter(pk=service.pk).exists():
        raise PermissionDenied("You can read this service but not change it")
    return service


def visible_milestone_or_404(user, queryset=None, **lookup):
    return get_object_or_404(milestones_visible_to(user, queryset), **lookup)


def editable_milestone_or_deny(user, queryset=None, **lookup):
    milestone = visible_milestone_or_404(user, queryset, **lookup)
    if not milestones_editable_by(user).filter(pk=milestone.pk).exists():
        raise PermissionDenied("You can read this milestone but not change it")
    return milestone


def may_edit_contract_records(user, contract_id: int) -> bool:
    """Whether the person may change the performance records and reports of this contract."""
    return contracts_editable_by(user).filter(pk=contract_id).exists()


def require_editable(user, *, contract_id: int | None, cycle_id: int | None = None) -> None:
    """403 for a record the person can read but whose contract (or cycle) they cannot change."""
    if contract_id is not None:
        if not may_edit_contract_records(user, contract_id):
            raise PermissionDenied("You can read this contract's records but not change them")
        return
    if cycle_id is not None and not cycles_editable_by(user).filter(pk=cycle_id).exists():
        raise PermissionDenied("You can read this cycle's records but not change them")


# --- what an OCDS import may change (notices/ocds/loader.py) ---------------------------------


def teams_for_new_cycles(user) -> QuerySet[Team]:
    """The teams a person may add a commissioning cycle for."""
    if not user.is_authenticated or not user.has_perm("commissioning.add_commissioningcycle"):
        return Team.objects.none()
    return teams_for(user)


def notices_editable_by(user, queryset=None):
    """Notices the person may change: those of a cycle they may change, or, for a notice of no
    cycle, of a contract they may change or of nothing at all (its cycle was deleted)."""
    from notices.models import Notice

    queryset = Notice.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("notices.change_notice"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    ids = _either(
        Notice.objects.filter(cycle_id__in=cycles_editable_by(user).values("pk")),
        Notice.objects.filter(cycle__isnull=True, contracts__in=contracts_editable_by(user).values("pk")),
    ).union(Notice.objects.filter(cycle__isnull=True, contracts__isnull=True).order_by().values("pk"))
    return queryset.filter(pk__in=ids)


def import_jobs_visible_to(user, queryset=None):
    """An OCDS upload's progress and result: the person who uploaded it sees it (it lists what the
    import changed in their teams' records), and so does anyone who sees every team."""
    from notices.models import ImportJob

    queryset = ImportJob.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("notices.view_notice"):
        return queryset.none()
    if sees_every_team(user):
        return queryset
    return queryset.filter(officer=user)


def spreadsheet_jobs_visible_to(user, queryset=None):
    """A spreadsheet made by a worker, its progress and its file: the person who asked for it
    alone, admins included. It holds what that person may see, as of the day they asked, so it
    is theirs, like a download in their browser (exports/services.py)."""
    from exports.models import SpreadsheetJob

    queryset = SpreadsheetJob.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(officer=user)


def organisations_editable_by(user, queryset=None):
    """The buyers and providers a person may change (issue 15; before it, any officer could change any).

    An organisation is shared reference data: every team's contracts name it, and notice
    imports find a buyer by its PPON identifier. So a change reaches every team that uses it,
    and the rule is about those teams (a team uses an organisation when one of its contracts
    names it as buyer or provider, or one of its cycles' notices names it as buyer):

    - an admin (anyone who sees every team) may change any organisation;
    - an officer may change one that only their own teams use, or that nothing uses yet;
    - a manager (``is_manager``) may also change one their teams share with other teams;
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
    if not is_manager(user):
        return queryset.exclude(pk__in=used_elsewhere)
    used_by_mine = _organisations_used(Contract.objects.filter(team_id__in=mine), teams=mine)
    return queryset.filter(pk__in=used_by_mine) | queryset.exclude(pk__in=used_elsewhere)


def organisations_offered_to(user, queryset=None):
    """The buyers and providers a form's list offers a person (issue 25: every organisation of
    every team): those their own teams use, and those nothing uses yet (one just added).
    Someone who sees every team is offered all of them. A choice already on the record stays
    valid through the form's own queryset."""
    from contracts.models import Organisation

    queryset = Organisation.objects.all() if queryset is None else queryset
    if sees_every_team(user):
        return queryset
    mine = team_ids(user)
    used_by_mine = _organisations_used(Contract.objects.filter(team_id__in=mine), teams=mine)
    used_at_all = _organisations_used(Contract.objects.all())
    return queryset.filter(Q(pk__in=used_by_mine) | ~Q(pk__in=used_at_all))


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
        contracts.order_by()
        .values("buyer_id")
        .union(contracts.filter(provider_id__isnull=False).order_by().values("provider_id"))
        .union(releases.order_by().values("buyer_id"))
    )


def sees_market(user) -> bool:
    """The Market page (notices/sync): other authorities' published procurements, which hold
    nothing of any team's, so everyone who reads notices may read it."""
    return user.is_authenticated and user.has_perm("notices.view_notice")


def may_watch_market(user) -> bool:
    """Following CPV codes, keywords and regions (one's own watches, and the weekly email)
    is for people who may work on notices; a viewer reads the page."""
    return user.is_authenticated and user.has_perm("notices.add_notice")
