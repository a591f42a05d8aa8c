"""Small explicit helpers that build test data (no factory_boy).

Every helper takes keyword arguments only and has a default for everything, so a test names
just what it cares about:

    contract = make_contract(start_date=date(2014, 9, 1), initial_term_months=36, option_months=(24,))
    officer = make_user(username="olivia", role=roles.OFFICER)

``make_*`` helpers save to the database (tests using them need ``django_db``); ``build_*``
helpers return unsaved instances, for validation tests and for services that save.

The helpers write through the ORM and do not validate, so a test can set up states the
services would refuse (an option past the maximum extent, say) in order to check that the
services refuse them. Anything else the models accept can be passed through ``**fields``.
Like the services, each helper ends with what follows the change (``commissioning.changes``):
derived milestones, duties and reminders, as they would be in use.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db.models import Max

from commissioning.changes import contract_changed, cycle_changed, milestone_changed
from contracts import roles
from contracts.models import Contract, ExtensionOption, Organisation, ServiceCategory, Team

# Unique names and references without the test having to invent them.
_serial = itertools.count(1)

# "Make a new one for me", where None means something else (a contract with no provider).
NEW = object()

# Every user made here can sign in with this password (long enough for the validators).
PASSWORD = "correct-horse-battery-staple"


def _next() -> int:
    return next(_serial)


@functools.cache
def _hashed(password: str) -> str:
    # Hashing costs a quarter of a second by design; hash each password once per test run.
    return make_password(password)


def make_team(*, name: str | None = None, shared_mailbox: str = "") -> Team:
    """A commissioning team, e.g. ``make_team(name="Domestic abuse team")``."""
    return Team.objects.create(name=name or f"Domestic abuse team {_next()}", shared_mailbox=shared_mailbox)


def make_organisation(*, name: str | None = None, role: str = Organisation.Role.PROVIDER, **fields) -> Organisation:
    """An organisation; a provider (a charity) unless ``role`` says otherwise."""
    if name is None:
        name = f"{'Council' if role == Organisation.Role.BUYER else 'Provider'} {_next()}"
    return Organisation.objects.create(name=name, role=role, **fields)


def make_buyer(*, name: str | None = None, **fields) -> Organisation:
    """A buying organisation, e.g. a council or a police and crime commissioner."""
    return make_organisation(name=name, role=Organisation.Role.BUYER, **fields)


def make_user(
    *,
    username: str | None = None,
    role: str | None = roles.OFFICER,
    password: str = PASSWORD,
    email: str | None = None,
    teams: Sequence[Team] | None = None,
    **fields,
):
    """A user in one of the role groups ("viewer", "officer", "manager", "admin").

    ``role=None`` makes a user in no group at all. The groups themselves come from a
    migration, so they exist in every test database. Sign in with ``PASSWORD``.

    Which teams' records the user sees (access.policy): with ``teams=None`` (the default)
    every team's, through the ``view_all_teams`` permission, so that tests about other things
    need not set teams up; with ``teams=[...]`` only those teams', as in real use. The tests
    of team access (tests/test_access_*.py) always pass ``teams``.
    """
    username = username or f"user{_next()}"
    user = get_user_model().objects.create(
        username=username,
        email=email if email is not None else f"{username}@example.gov.uk",
        password=_hashed(password),
        **fields,
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    if teams is None:
        user.user_permissions.add(Permission.objects.get(codename="view_all_teams"))
    else:
        for team in teams:
            team.members.add(user)
    return user


def build_contract(
    *,
    reference: str | None = None,
    title: str = "Domestic abuse refuge",
    service_category: str = ServiceCategory.REFUGE,
    start_date: date = date(2027, 3, 1),
    initial_term_months: int = 60,
    max_extent_date: date | None = None,
    team: Team | None = None,
    buyer: Organisation | None = None,
    provider: Organisation | None | object = NEW,
    terminated_on: date | None = None,
    annual_value: Decimal | None = None,
    total_value: Decimal | None = None,
    **fields,
) -> Contract:
    """An unsaved contract; its team, buyer and provider are saved (made if not given).

    ``provider=None`` gives a contract still being procured, with no provider yet.
    """
    return Contract(
        reference=reference or f"TEST{_next():04d}",
        title=title,
        service_category=service_category,
        start_date=start_date,
        initial_term_months=initial_term_months,
        max_extent_date=max_extent_date,
        team=team or make_team(),
        buyer=buyer or make_buyer(),
        provider=make_organisation() if provider is NEW else provider,
        terminated_on=terminated_on,
        annual_value=annual_value,
        total_value=total_value,
        **fields,
    )


def make_option(
    *,
    contract: Contract,
    length_months: int = 12,
    sequence: int | None = None,
    status: str = ExtensionOption.Status.AVAILABLE,
    **fields,
) -> ExtensionOption:
    """Add an extension option straight through the ORM (no checks), numbered after the last.

    Saving an exercised option moves the contract's current end date, as it would in use, and
    the contract's milestones, duties and reminders follow.
    """
    option = _add_option(contract=contract, length_months=length_months, sequence=sequence, status=status, **fields)
    contract_changed(contract=option.contract)
    return option


def _add_option(
    *, contract: Contract, length_months: int, sequence: int | None, status: str, **fields
) -> ExtensionOption:
    if sequence is None:
        last = contract.options.aggregate(last=Max("sequence"))["last"]
        sequence = (last or 0) + 1
    return ExtensionOption.objects.create(
        contract=contract, sequence=sequence, length_months=length_months, status=status, **fields
    )


def make_contract(
    *,
    reference: str | None = None,
    start_date: date = date(2027, 3, 1),
    initial_term_months: int = 60,
    option_months: Sequence[int] = (12, 12),
    option_statuses: Sequence[str] | None = None,
    max_extent_date: date | None = None,
    team: Team | None = None,
    buyer: Organisation | None = None,
    provider: Organisation | None | object = NEW,
    terminated_on: date | None = None,
    **fields,
) -> Contract:
    """A saved contract with extension options, by default the Milton Keynes shape.

    The defaults: starts 1 March 2027, 60-month initial term (ends 29 February 2032), two
    12-month options, no maximum extent date, all options available, a new team, buyer and
    provider. Other ``Contract`` fields (``title``, ``kind``, ``lead_officer``,
    ``annual_value``...) pass through ``**fields``.

    ``option_statuses`` gives each option's status in order, e.g. ``("exercised",
    "available")``; the contract's end dates follow the exercised ones. Returns the contract
    as saved, with ``current_end_date`` up to date.
    """
    if option_statuses is None:
        option_statuses = [ExtensionOption.Status.AVAILABLE] * len(option_months)
    if len(option_statuses) != len(option_months):
        raise ValueError("option_statuses needs one status for each of option_months")
    contract = build_contract(
        reference=reference,
        start_date=start_date,
        initial_term_months=initial_term_months,
        max_extent_date=max_extent_date,
        team=team,
        buyer=buyer,
        provider=provider,
        terminated_on=terminated_on,
        **fields,
    )
    contract.save()
    for sequence, (months, status) in enumerate(zip(option_months, option_statuses), start=1):
        _add_option(contract=contract, sequence=sequence, length_months=months, status=status)
    contract.refresh_from_db()
    contract_changed(contract=contract)
    return contract


def make_cycle(
    *,
    name: str | None = None,
    team: Team | None = None,
    stage: str = "needs_assessment",
    replaces: Sequence[Contract] = (),
    **fields,
):
    """A commissioning cycle, e.g. ``make_cycle(stage="market_engagement", replaces=[contract])``."""
    from commissioning.models import CommissioningCycle

    cycle = CommissioningCycle.objects.create(
        name=name or f"Domestic abuse support services {_next()}",
        service_category=fields.pop("service_category", ServiceCategory.COMBINED),
        team=team or make_team(),
        stage=stage,
        **fields,
    )
    cycle.replaces.set(replaces)
    cycle_changed(cycle=cycle)
    return cycle


def make_milestone(
    *, contract: Contract | None = None, cycle=None, title: str = "Market engagement responses due", **fields
):
    """A milestone entered by hand; an all-day one unless ``due_at`` (aware) is given.

    Belongs to ``cycle`` if given, else to ``contract`` (made if not given).
    """
    from commissioning.models import Milestone

    if cycle is None and contract is None:
        contract = make_contract()
    fields.setdefault("due_on", date(2027, 3, 12))
    milestone = Milestone.objects.create(
        contract=contract if cycle is None else None, cycle=cycle, title=title, **fields
    )
    milestone_changed(milestone=milestone)
    return milestone
