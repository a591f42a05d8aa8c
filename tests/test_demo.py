"""The demo data command: the seed documents' facts, loaded once, with a password that signs in."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from contracts import roles
from contracts.models import Contract, ExtensionOption, FundingSource, Organisation, Team
from contracts.terms import Phase

SIGN_IN = re.compile(
    r"^Sign in at http://127\.0\.0\.1:8000/ as officer \(or viewer, manager, admin\) "
    r"with password (?P<password>\S+)$",
    re.MULTILINE,
)
# A day when the framework and Cleveland's current contracts are running, for phase checks.
NOVEMBER_2026 = date(2026, 11, 22)


# The tests that read what the demo holds take the ``demo`` fixture (tests/browser.py): the rows
# ``load_demo`` made, loaded once per test process and put back from a copy for each test after
# (tests/snapshot.py). The tests of the command's own behaviour (running twice, an edited record,
# the password, production) run it themselves.


@pytest.fixture(autouse=True)
def demo_settings(settings, tmp_path, monkeypatch):
    """Keep the password file out of the repository's var/ and hash passwords quickly."""
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    return settings


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    match = SIGN_IN.search(output)
    assert match, output
    return match["password"]


def row_counts() -> dict[str, int]:
    """Rows in every table the project knows, history tables included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_the_2027_milton_keynes_contract_runs_to_a_leap_day_with_a_2034_maximum_extent(demo):
    contract = Contract.objects.get(reference="MK-DASS-2027")
    assert contract.title == "Domestic Abuse Support Services in Milton Keynes"
    assert contract.start_date == date(2027, 3, 1)
    assert contract.current_end_date == date(2032, 2, 29)
    assert contract.max_extent_date == date(2034, 2, 28)
    assert contract.total_value == Decimal("4400000")
    assert contract.is_light_touch
    assert contract.ocid == "ocds-h6vhtk-05a7b0"
    assert contract.provider is None
    assert contract.buyer.ppon_id == "PLDZ-6131-PWZH"
    assert [o.length_months for o in contract.options.all()] == [12, 12]
    # The last option ends exactly on the maximum extent date.
    assert contract.option_periods()[2].end == date(2034, 2, 28)
    assert contract.lead_officer.username == "officer"
    # Assumptions sit in the record's Sources, not its description (issue 25).
    assert "Assumption" in contract.sources and "Assumption" not in contract.description


@pytest.mark.django_db
def test_asc0013_ran_to_august_2019_through_its_exercised_two_year_option(demo):
    contract = Contract.objects.get(reference="ASC0013")
    assert contract.provider.name == "MK ACT"
    assert contract.start_date == date(2014, 9, 1)
    assert contract.initial_end_date == date(2017, 8, 31)
    assert contract.current_end_date == date(2019, 8, 31)
    assert contract.annual_value == Decimal("524994")
    assert contract.phase(NOVEMBER_2026) == Phase.EXPIRED

    option = contract.options.get()
    assert option.status == ExtensionOption.Status.EXERCISED
    assert option.length_months == 24
    assert option.value == Decimal("1049988")
    assert option.decision_date.year == 2017
    assert "Cabinet" in option.decision_reference

    reasons = list(contract.history.values_list("history_change_reason", flat=True))
    assert any(reason.startswith("Option 1 exercised: Demo data") for reason in reasons)
    moved = contract.history.filter(current_end_date=date(2019, 8, 31)).get()
    assert moved.history_type == "~"


@pytest.mark.django_db
def test_mk_act_is_a_vcse_provider_with_no_invented_charity_number(demo):
    mk_act = Organisation.objects.get(name="MK ACT")
    assert mk_act.role == Organisation.Role.PROVIDER
    assert mk_act.is_vcse
    assert mk_act.charity_number == ""
    assert mk_act.company_number == ""


@pytest.mark.django_db
def test_the_framework_ends_in_early_2027_with_its_services_and_grant_projects_under_it(demo):
    framework = Contract.objects.get(reference="MK-SPF-2020")
    assert framework.kind == Contract.Kind.FRAMEWORK
    assert framework.current_end_date == date(2027, 2, 28)
    assert framework.phase(NOVEMBER_2026) == Phase.ACTIVE
    children = {child.title: child for child in framework.children.all()}
    assert set(children) == {
        "Crisis Intervention (IDVA) Service",
        "Refuge",
        "Perpetrator Programme",
        "Co-located IDVA posts",
        "Survivors' counselling project",
    }
    assert "28 self-contained flats" in children["Refuge"].description
    assert "up to 40 children" in children["Refuge"].description
    for title in ("Co-located IDVA posts", "Survivors' counselling project"):
        assert children[title].funding_source == FundingSource.GRANT
        assert children[title].funding_detail == "Domestic Abuse New Burdens Grant"


@pytest.mark.django_db
def test_clevelands_current_contracts_end_on_31_march_2027_and_the_new_one_can_run_to_2031(demo):
    current = Contract.objects.filter(buyer__ppon_id="PWRJ-9675-VWVL", start_date__lt=date(2027, 1, 1))
    assert current.count() == 2
    assert {contract.current_end_date for contract in current} == {date(2027, 3, 31)}

    new = Contract.objects.get(ocid="ocds-h6vhtk-06a838")
    assert new.start_date == date(2027, 4, 1)
    assert new.current_end_date == date(2029, 3, 31)
    assert new.max_extent_date == date(2031, 3, 31)
    assert [o.length_months for o in new.options.all()] == [12, 12]
    assert new.team.name == "Cleveland OPCC commissioning team"


@pytest.mark.django_db
def test_every_contract_has_a_history_row_saying_it_is_demo_data(demo):
    for contract in Contract.objects.all():
        first = contract.history.earliest()
        assert first.history_change_reason.startswith("Demo data"), contract.reference
        assert first.history_user is None


@pytest.mark.django_db
def test_the_teams_use_example_org_mailboxes(demo):
    mailboxes = dict(Team.objects.values_list("name", "shared_mailbox"))
    assert mailboxes["Domestic abuse commissioning team"] == "domestic.abuse.commissioning@example.org"
    assert all(mailbox.endswith("@example.org") for mailbox in mailboxes.values())


@pytest.mark.django_db
def test_running_it_twice_creates_and_changes_nothing_the_second_time():
    first_output = load_demo()
    counts = row_counts()
    contract_history = Contract.history.count()
    asc0013 = Contract.objects.get(reference="ASC0013")

    second_output = load_demo()

    assert row_counts() == counts
    assert Contract.history.count() == contract_history
    assert Contract.objects.get(reference="ASC0013").current_end_date == asc0013.current_end_date
    assert "nothing to create" in second_output
    assert printed_password(second_output) == printed_password(first_output)


@pytest.mark.django_db
def test_it_leaves_a_record_an_officer_has_edited_as_it_is():
    load_demo()
    Contract.objects.filter(reference="MK-SPF-REFUGE").update(title="Refuge (edited by an officer)")

    load_demo()

    assert Contract.objects.get(reference="MK-SPF-REFUGE").title == "Refuge (edited by an officer)"


@pytest.mark.django_db
def test_there_is_one_demo_user_in_each_role_group_and_only_admin_is_staff(demo):
    for role in roles.ROLES:
        user = get_user_model().objects.get(username=role)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.email.endswith("@example.org")
        assert user.get_full_name()
        assert user.is_staff == user.is_superuser == (role == roles.ADMIN)


@pytest.mark.django_db
def test_the_printed_password_signs_in_every_demo_user_and_is_kept_in_var(settings):
    password = printed_password(load_demo())

    for role in roles.ROLES:
        assert authenticate(RequestFactory().post("/accounts/login/"), username=role, password=password) is not None, (
            role
        )
    assert (settings.VAR_DIR / "demo-password.txt").read_text().strip() == password


@pytest.mark.django_db
def test_demo_password_from_the_environment_is_the_one_printed_and_signs_in(monkeypatch, settings):
    load_demo()
    monkeypatch.setenv("DEMO_PASSWORD", "correct-horse-battery")

    output = load_demo()

    assert printed_password(output) == "correct-horse-battery"
    assert (
        authenticate(RequestFactory().post("/accounts/login/"), username="officer", password="correct-horse-battery")
        is not None
    )


def test_it_refuses_to_load_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="DJANGO_ENV=production"):
        load_demo()
    assert not (settings.VAR_DIR / "demo-password.txt").exists()


@pytest.mark.django_db
def test_the_demo_reads_like_a_councils_records_with_its_sources_kept_apart(client, demo):
    from commissioning.models import CommissioningCycle, Milestone

    assert not Organisation.objects.filter(name__icontains="not named").exists()
    for model in (Contract, CommissioningCycle, Milestone):
        for record in model.objects.all():
            assert "Assumption" not in record.description, record
            assert "(not named in the seeds)" not in record.description, record
            assert not re.search(
                r"\d{4}-\d\d-\d\dT|tender\.|planning\.",
                record.description + record.conflict_note if model is Milestone else record.description,
            ), record
    partnership = Contract.objects.get(reference="MK-SPF-2020")
    client.force_login(get_user_model().objects.get(username="officer"))
    page = client.get(partnership.get_absolute_url()).content.decode()
    sources = page[page.index('id="sources"') :]
    assert "Assumptions: starts 1 March 2020" in sources
