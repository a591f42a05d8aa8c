"""The demo's commissioning cycles and the milestones the two notices give."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from commissioning.models import CommissioningCycle, Milestone, Stage

# The demo is loaded once for the module (tests/conftest.py); each test's load_demo() is then
# the reload an officer would run, which must find everything in place.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_once")]

MK_CYCLE = "Domestic abuse support services 2027"
CLEVELAND_CYCLE = "Victim support and restorative practice 2027"


@pytest.fixture(autouse=True)
def demo_settings(settings, tmp_path, monkeypatch):
    """Keep the password file out of the repository's var/ and hash passwords quickly."""
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def seed(cycle_name: str, title: str) -> Milestone:
    return Milestone.objects.get(cycle__name=cycle_name, title=title)


def counts() -> dict[str, int]:
    return {
        "cycles": CommissioningCycle.objects.count(),
        "milestones": Milestone.objects.count(),
        "cycle history": CommissioningCycle.history.count(),
        "milestone history": Milestone.history.count(),
    }


def test_loading_the_demo_twice_creates_no_duplicate_cycles_or_milestones():
    load_demo()
    first = counts()

    output = load_demo()

    assert "Demo data already loaded: nothing to create." in output
    assert counts() == first
    assert first["cycles"] == 2
    assert Milestone.objects.filter(source=Milestone.Source.IMPORTED).count() == 7


def test_an_officers_change_to_a_demo_cycle_survives_a_reload():
    load_demo()
    cycle = CommissioningCycle.objects.get(name=MK_CYCLE)
    cycle.stage = Stage.PROCUREMENT
    cycle.save()
    responses = seed(MK_CYCLE, "Market engagement responses due")
    responses.status, responses.met_on = Milestone.Status.MET, date(2026, 3, 12)
    responses.save()

    load_demo()

    assert CommissioningCycle.objects.get(name=MK_CYCLE).stage == Stage.PROCUREMENT
    assert seed(MK_CYCLE, "Market engagement responses due").status == Milestone.Status.MET


def test_the_milton_keynes_cycle_replaces_the_framework_and_its_services():
    load_demo()

    cycle = CommissioningCycle.objects.get(name=MK_CYCLE)
    assert cycle.team.name == "Domestic abuse commissioning team"
    assert cycle.stage == Stage.MARKET_ENGAGEMENT
    assert cycle.target_start_date == date(2027, 3, 1)
    assert cycle.estimated_value == Decimal("4400000")
    assert cycle.ocid == "ocds-h6vhtk-05a7b0"
    assert cycle.is_light_touch
    assert cycle.lead_officer.username == "officer"
    replaced = set(cycle.replaces.values_list("reference", flat=True))
    assert {"MK-SPF-2020", "MK-SPF-IDVA", "MK-SPF-REFUGE", "MK-SPF-PERP"} <= replaced
    assert "MK-DASS-2027" not in replaced and "ASC0013" not in replaced


def test_the_cleveland_cycle_replaces_both_current_contracts():
    load_demo()

    cycle = CommissioningCycle.objects.get(name=CLEVELAND_CYCLE)
    assert cycle.team.name == "Cleveland OPCC commissioning team"
    assert cycle.stage == Stage.MARKET_ENGAGEMENT
    assert cycle.target_start_date == date(2027, 4, 1)
    assert cycle.ocid == "ocds-h6vhtk-06a838"
    assert sorted(cycle.replaces.values_list("reference", flat=True)) == ["CLE-RP-2016", "CLE-VS-2016"]


def test_market_engagement_responses_are_due_at_noon_on_12_march_2026_with_the_ocds_conflict_noted():
    load_demo()

    responses = seed(MK_CYCLE, "Market engagement responses due")
    assert responses.kind == Milestone.Kind.MARKET_ENGAGEMENT
    assert responses.source == Milestone.Source.IMPORTED
    # 12 noon in London in March is 12:00 GMT.
    assert responses.due_at == datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
    assert responses.due_on == date(2026, 3, 12)
    assert "11:59pm on 12 March 2026" in responses.conflict_note and "12 noon" in responses.conflict_note
    assert "017566-2026" in responses.description


def test_the_milton_keynes_notice_dates_are_all_day_milestones():
    load_demo()

    event = seed(MK_CYCLE, "Provider engagement event, week commencing 16 March 2026")
    assert (event.due_on, event.due_at, event.kind) == (date(2026, 3, 16), None, Milestone.Kind.PROVIDER_EVENT)
    notice = seed(MK_CYCLE, "Next procurement notice expected")
    assert (notice.due_on, notice.due_at) == (date(2026, 7, 6), None)
    start = seed(MK_CYCLE, "New contract starts (MK-DASS-2027)")
    assert (start.due_on, start.due_at, start.kind) == (date(2027, 3, 1), None, Milestone.Kind.CONTRACT_START)
    assert all(m.source == Milestone.Source.IMPORTED for m in (event, notice, start))
    assert all("notice" in m.description for m in (event, notice, start))


def test_clevelands_online_event_runs_from_10_to_11_30_british_summer_time():
    load_demo()

    event = seed(CLEVELAND_CYCLE, "Online pre-market engagement event")
    assert event.due_at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 6, 8, 10, 30, tzinfo=UTC)
    assert event.due_on == date(2026, 6, 8)
    assert event.source == Milestone.Source.IMPORTED
    notice = seed(CLEVELAND_CYCLE, "Next procurement notice expected")
    assert (notice.due_on, notice.due_at) == (date(2026, 9, 1), None)


def test_the_framework_end_and_clevelands_contract_ends_are_derived_from_the_contracts():
    load_demo()

    framework_end = Milestone.objects.get(contract__reference="MK-SPF-2020", derived_key="framework_end")
    assert framework_end.due_on == date(2027, 2, 28)
    for reference in ("CLE-VS-2016", "CLE-RP-2016"):
        term_end = Milestone.objects.get(contract__reference=reference, derived_key="term_end")
        assert term_end.due_on == date(2027, 3, 31)
        assert term_end.source == Milestone.Source.DERIVED
