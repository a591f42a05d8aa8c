"""Every page in the navigation costs the same number of queries at 3 contracts as at 30.

For an officer of one team and for an admin who sees every team (issue 24): a page that makes
a query per row (an N+1) grows with the data and fails here, naming the page and the extra SQL.
The data is what the pages show: contracts with options (some exercised), their derived
milestones and reminders, services linking contracts, cycles replacing contracts with
hand-entered milestones and notices, and decision reports.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commissioning.models import Service
from config.navigation import pages_for
from contracts import roles
from contracts.models import Contract
from notices.models import Notice
from reports.models import DecisionReport
from reports.services import report_create
from tests.conftest import Dates
from tests.factories import make_contract, make_cycle, make_milestone, make_organisation, make_team, make_user

# One worker builds the module's data once for both roles (--dist loadgroup), not each worker its own copy.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("navigation_queries")]


def add_contracts(count: int, *, teams, officer, start: int) -> None:
    """``count`` contracts spread over ``teams``, each with what its pages show."""
    for index in range(start, start + count):
        team = teams[index % len(teams)]
        contract = make_contract(
            reference=f"NAV{index:03d}",
            team=team,
            provider=make_organisation(),
            start_date=date(2023, 4, 1) + timedelta(days=40 * index),
            initial_term_months=48,
            option_months=(12, 12),
            option_statuses=("exercised" if index % 2 else "available", "available"),
            lead_officer=officer if team in officer.teams.all() else None,
            decision=Contract.Decision.RETENDER if index % 3 == 0 else "",
        )
        service = Service.objects.create(team=team, name=f"Refuge {index}", category="refuge")
        service.contracts.add(contract)
        cycle = make_cycle(
            team=team, stage="market_engagement", replaces=[contract], lead_officer=contract.lead_officer
        )
        make_milestone(cycle=cycle, title="Provider event", due_on=date(2026, 11, 1) + timedelta(days=7 * index))
        make_milestone(contract=contract, title="Quality visit", due_on=date(2026, 12, 1) + timedelta(days=index))
        Notice.objects.create(
            notice_type="UK2", fts_notice_id=f"{index:06d}-2026", published_at=timezone.now(), cycle=cycle
        ).contracts.add(contract)
        report_create(
            report=DecisionReport(
                kind=DecisionReport.Kind.EXTENSION,
                contract=contract,
                option=contract.options.get(sequence=2),
                meeting_date=date(2027, 1, 12),
            ),
            officer=officer,
        )


def queries_per_page(client, user) -> dict[str, tuple[int, int, list[str]]]:
    """Each page of ``config.navigation.pages_for`` (the list bench.web measures too): its
    status, and the number of queries and their SQL on the second visit."""
    client.force_login(user)
    counted = {}
    for label, path in pages_for(user).items():
        client.get(path)  # caches (content types, templates) warm, as on a running server
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        counted[label] = (response.status_code, len(queries), [query["sql"] for query in queries])
    return counted


def grown(small: dict, large: dict) -> list[str]:
    """The pages whose query count grew, each with the queries the larger data added."""
    report = []
    for label, (_, count, sql) in small.items():
        _, more, more_sql = large[label]
        if more != count:
            seen = set(sql)
            extra = [query for query in more_sql if query not in seen][:3]
            report.append(f"{label}: {count} queries at 3 contracts, {more} at 30; e.g. " + " | ".join(extra))
    return report


@pytest.fixture(scope="module")
def counted_at_3_and_30(module_transaction) -> dict[str, tuple[dict, dict]]:
    """For each role, every page's status and queries at 3 contracts and then at 30. The data are
    built once for the module, not once a role: both roles are counted at 3 contracts, then 27
    more are added and both are counted again. The tests below check the counts."""
    with time_machine.travel(Dates().now, tick=False):
        mine, other = make_team(name="Domestic abuse team"), make_team(name="Another council's team")
        officer = make_user(username="olivia", role=roles.OFFICER, teams=[mine])
        admin = make_user(username="ada", role=roles.ADMIN)  # every team, through view_all_teams
        teams = [mine, other, make_team(name="A third team")]
        people = {"officer": officer, "admin": admin}
        client = Client()
        add_contracts(3, teams=teams, officer=officer, start=0)
        small = {who: queries_per_page(client, user) for who, user in people.items()}
        add_contracts(27, teams=teams, officer=officer, start=3)
        large = {who: queries_per_page(client, user) for who, user in people.items()}
    return {who: (small[who], large[who]) for who in people}


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_every_page_in_the_navigation_costs_the_same_queries_at_3_and_30_contracts(counted_at_3_and_30, who):
    small, large = counted_at_3_and_30[who]
    for label, (status, _, _) in [*small.items(), *large.items()]:
        assert status == 200, (label, status)
    assert set(small) == set(large)
    assert len(small) >= 10, small.keys()  # every item the role may open was visited
    assert set(small) >= {"Dashboard", "Contracts", "Settings and tools", "API tokens"}
    assert not grown(small, large), "\n".join(grown(small, large))
