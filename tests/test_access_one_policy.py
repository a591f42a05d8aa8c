"""access/ alone decides who sees what, and what a role is.

The README promises it; these tests keep it true. A second definition elsewhere (a
``*_visible_to`` in an app's selectors, a role checked by group name) is how a list comes to
show what its page refuses, or a manager to be one thing in the menu and another at sign-in.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from access import policy
from contracts import roles
from tests.factories import make_contract, make_cycle, make_team, make_user

ROOT = Path(__file__).resolve().parent.parent
# Application code: every package of the project but access/ itself, its tests and benchmarks.
NOT_APPLICATION = {"access", "tests", "bench", "node_modules", "build", "static", "templates", "docs", "deploy"}
RULES = {
    "a visibility rule (a *_visible_to or *_editable_by function)": re.compile(
        r"^\s*def \w+_(visible_to|editable_by)\(", re.MULTILINE
    ),
    "a role checked by group name": re.compile(r"groups__name|groups\.filter\(\s*name"),
    "the every-team rule": re.compile(r"view_all_teams\"\)|is_superuser or"),
}


def application_modules():
    for package in sorted(ROOT.iterdir()):
        if package.name in NOT_APPLICATION or package.name.startswith(".") or not (package / "__init__.py").exists():
            continue
        for module in sorted(package.rglob("*.py")):
            if "migrations" not in module.parts:
                yield module


def test_no_module_outside_access_decides_who_sees_what_or_what_a_role_is():
    found = []
    for module in application_modules():
        text = module.read_text()
        for what, rule in RULES.items():
            for match in rule.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{module.relative_to(ROOT)}:{line}: {what}")
    assert len(list(application_modules())) > 50  # the walk found the project
    assert found == [], "Move these into access/policy.py:\n" + "\n".join(found)


@pytest.mark.django_db
def test_every_visible_query_is_one_indexed_union_never_an_or_with_a_subquery():
    team = make_team()
    officer = make_user(role=roles.OFFICER, teams=[team])
    make_cycle(team=team, replaces=[make_contract(team=team)])
    for name in (
        "reports",
        "returns",
        "assessments",
        "notices",
        "releases",
        "conflicts",
        "duties",
        "contracts",
        "milestones",
    ):
        sql = str(getattr(policy, f"{name}_visible_to")(officer).query).upper()
        assert " OR " not in sql and "DISTINCT" not in sql, (name, sql)
    for name in ("reports", "notices", "duties"):
        assert "UNION" in str(getattr(policy, f"{name}_visible_to")(officer).query).upper(), name


@pytest.mark.django_db
def test_a_manager_and_an_admin_are_the_same_people_in_the_menu_and_at_two_step_verification(settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    team = make_team()
    people = {role: make_user(role=role, teams=[team]) for role in roles.ROLES}
    superuser = make_user(role=None, teams=[team], is_superuser=True)
    assert [role for role, person in people.items() if policy.may_use_second_factor(person)] == [
        roles.MANAGER,
        roles.ADMIN,
    ]
    assert [role for role, person in people.items() if policy.must_use_second_factor(person)] == [roles.ADMIN]
    assert policy.must_use_second_factor(superuser) and policy.may_use_second_factor(superuser)
    assert not policy.may_use_second_factor(AnonymousUser())
