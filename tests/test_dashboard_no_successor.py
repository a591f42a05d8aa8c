"""The dashboard's "Services with no successor", chosen, counted and capped in SQL (issue 24).

It read every service the person may see and worked out each one's cover in Python on every
request. It now reads the stored ``ServiceCoverEnd`` rows, written with each contract's rating,
and works out the cover of the services it shows only. These tests hold it to the Python rule
it replaced, on varied data, for an officer and an admin, with each filter, and at a small cap.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning import selectors
from commissioning import services as commissioning_services
from commissioning.models import Service, ServiceCoverEnd
from contracts import roles
from contracts.models import Contract, ContractAccess, ServiceCategory
from tests.factories import make_contract, make_cycle, make_team, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def on_22_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield


def python_rule(user, filters: selectors.DashboardFilters) -> list[tuple]:
    """The rule as the dashboard applied it before: the cover of every service the person may
    see, worked out in Python, each boundary with nothing after it, the soonest first."""
    found = [
        (boundary.last_day, service.name, service.pk, boundary.old.pk, boundary.no_successor_words)
        for service in selectors.services_cover_for(user=user, today=TODAY, team=filters.team)
        for boundary in service.without_successor
    ]
    if filters.mine:
        mine = set(Contract.objects.filter(lead_officer=user).values_list("pk", flat=True))
        found = [item for item in found if item[3] in mine]
    return sorted(found, key=lambda item: (item[0], item[1]))


def stored_way(user, filters: selectors.DashboardFilters) -> tuple[list[tuple], int]:
    dashboard = selectors.dashboard_for(user=user, today=TODAY, filters=filters)
    rows = [
        (
            item.boundary.last_day,
            item.service.name,
            item.service.pk,
            item.boundary.old.pk,
            item.boundary.no_successor_words,
        )
        for item in dashboard.without_successor
    ]
    return rows, dashboard.without_successor_total


def service(team, name, contracts) -> Service:
    return commissioning_services.service_save(
        service=Service(team=team, name=name, category=ServiceCategory.OTHER),
        contracts=contracts,
        officer=None,
        reason="Linked",
    )


def contract(reference, team, *, start, months, lead_officer=None, **fields):
    return make_contract(
        reference=reference,
        team=team,
        start_date=start,
        initial_term_months=months,
        option_months=(),
        lead_officer=lead_officer,
        **fields,
    )


@pytest.fixture
def varied():
    """Services of two teams: ended with nothing after, ending with nothing after (the officer's
    and not), a successor starting later, a cycle replacing, decommissioning decided, one
    contract covering two services, and a service the officer sees one contract of (a grant), not its successor."""
    ours, theirs = make_team(name="Domestic abuse team"), make_team(name="Another team")
    officer = make_user(username="olivia", role=roles.OFFICER, teams=[ours])
    admin = make_user(username="ada", role=roles.ADMIN)

    service(ours, "Counselling", [contract("ENDED", ours, start=date(2019, 11, 1), months=36)])
    service(ours, "Sanctuary", [contract("MINE", ours, start=date(2022, 4, 1), months=60, lead_officer=officer)])
    service(
        ours,
        "Refuge",
        [
            contract("REFUGE-OLD", ours, start=date(2020, 4, 1), months=84),
            contract("REFUGE-NEW", ours, start=date(2027, 6, 1), months=60),  # starts later: a gap, not "no successor"
        ],
    )
    replaced = contract("IDVA", ours, start=date(2022, 6, 1), months=60)
    service(ours, "IDVA", [replaced])
    make_cycle(team=ours, stage="market_engagement", replaces=[replaced], target_start_date=date(2027, 6, 1))
    decommissioned = contract("DROPPED", ours, start=date(2022, 5, 1), months=60)
    service(ours, "Dropped", [decommissioned])
    commissioning_services.decision_record(
        contracts=[decommissioned],
        decision="decommission",
        officer=None,
        decided_on=date(2026, 11, 1),
        reason="Cabinet",
    )
    both = contract("BOTH", ours, start=date(2021, 9, 1), months=66, lead_officer=officer)
    service(ours, "Outreach", [both])
    service(ours, "Helpline", [both])
    service(theirs, "Perpetrator programme", [contract("THEIRS", theirs, start=date(2022, 2, 1), months=60)])
    # The officer is granted only the first: on their pages nothing follows it.
    shared = contract("SHARED-OLD", theirs, start=date(2021, 3, 1), months=72)
    service(theirs, "Shared refuge", [shared, contract("SHARED-NEW", theirs, start=date(2027, 3, 1), months=60)])
    ContractAccess.objects.create(contract=shared, user=officer, reason="Finance review")
    return officer, admin, ours, theirs


def test_the_stored_list_and_total_are_the_python_rules(varied):
    # Every combination of person, "mine" and team filter on one set of data (built once: the
    # data takes most of the time).
    officer, admin, ours, theirs = varied
    for who, user in (("officer", officer), ("admin", admin)):
        for mine in (False, True):
            for which_team, team in ((None, None), ("ours", ours), ("theirs", theirs)):
                filters = selectors.DashboardFilters(team=team, mine=mine)
                expected = python_rule(user, filters)
                rows, total = stored_way(user, filters)
                case = f"{who}, mine={mine}, team={which_team}"
                assert rows == expected[: selectors.DASHBOARD_CAP], case
                assert total == len(expected), case


def test_the_varied_data_has_what_the_comparison_needs(varied):
    officer, admin, ours, _ = varied
    names = [row[1] for row in python_rule(admin, selectors.DashboardFilters())]
    # Ended, ending, in two services, the other team's; not the gap, the cycle or the decommissioned.
    assert names == ["Counselling", "Perpetrator programme", "Helpline", "Outreach", "Sanctuary"]
    officers = [row[1] for row in python_rule(officer, selectors.DashboardFilters())]
    assert "Shared refuge" in officers and "Perpetrator programme" not in officers
    assert "Shared refuge" not in names


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_a_capped_list_shows_the_first_and_counts_them_all(varied, who, monkeypatch):
    officer, admin, *_ = varied
    user = officer if who == "officer" else admin
    monkeypatch.setattr(selectors, "DASHBOARD_CAP", 2)
    expected = python_rule(user, selectors.DashboardFilters())

    rows, total = stored_way(user, selectors.DashboardFilters())

    assert len(expected) > 2
    assert rows == expected[:2] and total == len(expected)


def test_a_change_through_the_services_moves_the_stored_rows(varied):
    _, admin, ours, _ = varied
    ended = Service.objects.get(name="Counselling")
    assert ServiceCoverEnd.objects.filter(service=ended).count() == 1

    successor = contract("COUNSELLING-NEW", ours, start=date(2027, 1, 1), months=48)
    commissioning_services.service_save(
        service=ended, contracts=[*ended.contracts.all(), successor], officer=None, reason="Re-bought"
    )

    assert not ServiceCoverEnd.objects.filter(service=ended).exists()
    rows, total = stored_way(admin, selectors.DashboardFilters())
    assert "Counselling" not in [row[1] for row in rows]
    assert total == len(python_rule(admin, selectors.DashboardFilters()))


def test_the_list_reads_the_same_number_of_queries_for_a_few_services_or_many(varied):
    _, admin, ours, _ = varied

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors._without_successor(selectors.DashboardFilters(), admin, TODAY, selectors.decision_calendars())
        return len(captured)

    queries()  # the person's permissions, read once and kept on them
    few = queries()
    for index in range(6):
        service(ours, f"Spot {index}", [contract(f"SPOT-{index}", ours, start=date(2022, 1, 1), months=60)])
    assert queries() == few
