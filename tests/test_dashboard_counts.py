"""The dashboard's totals at any size (issue 24): counted up to a limit, in one query.

An admin who sees a national service has 20,000 contracts rated red or amber; counting them
exactly on every dashboard was a pass over the whole service. Past ``common.counts.COUNT_CAP``
the page says "more than 1,000" and the register, one link away, has the number.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning.models import Milestone
from common import counts
from contracts import roles
from contracts.models import Contract
from tests.factories import make_contract, make_milestone, make_team, make_user
from tests.test_dashboard import dashboard, section, text
from tests.test_dashboard_ratings import ending_soon

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

TODAY = date(2026, 11, 22)


def test_capped_counts_counts_each_list_up_to_one_more_than_the_cap_in_one_query(monkeypatch):
    monkeypatch.setattr(counts, "COUNT_CAP", 3)
    team = make_team()
    for number in range(5):
        make_contract(reference=f"C-{number}", team=team)
    contracts = Contract.objects.all()

    with CaptureQueriesContext(connection) as queries:
        found = counts.capped_counts(
            every=contracts, two=contracts.filter(reference__in=["C-0", "C-1"]), none=contracts.none()
        )

    assert found == {"every": 4, "two": 2, "none": 0}
    assert len(queries) == 1
    assert [counts.total_words(n) for n in (4, 2)] == ["more than 3", "2"]
    assert counts.more_words(4, 2) == "more than 1" and counts.more_words(3, 2) == "1"


def six_ending_soon_with_an_overdue_milestone_each(team) -> None:
    for number in range(6):
        contract = ending_soon(f"SOON-{number}", team)
        make_milestone(contract=contract, title=f"Overdue {number}", due_on=TODAY - timedelta(days=10 + number))


def test_past_the_cap_an_admins_dashboard_says_more_than_and_links_to_the_register(client, monkeypatch):
    monkeypatch.setattr(counts, "COUNT_CAP", 3)
    monkeypatch.setattr("commissioning.selectors.DASHBOARD_CAP", 2)
    six_ending_soon_with_an_overdue_milestone_each(make_team())
    client.force_login(make_user(role=roles.ADMIN))  # every team, opening on all of them

    page = dashboard(client)

    ending = text(section(page, "ending-6"))
    assert "The first 2 of more than 3" in ending, ending
    assert "see every contract ending within 6 months in the register" in ending
    overdue = text(section(page, "overdue"))
    assert "And more than 1 more overdue milestones" in overdue, overdue


@pytest.mark.parametrize("cap", [1000, 3])
def test_an_officers_totals_are_exact_their_lists_being_their_teams(client, monkeypatch, cap):
    monkeypatch.setattr(counts, "COUNT_CAP", cap)
    monkeypatch.setattr("commissioning.selectors.DASHBOARD_CAP", 2)
    team = make_team()
    six_ending_soon_with_an_overdue_milestone_each(team)
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))

    page = dashboard(client)

    assert "The first 2 of 6" in text(section(page, "ending-6"))
    assert "And 4 more overdue milestones" in text(section(page, "overdue"))
    assert Milestone.objects.needing_action_before(TODAY).count() == 6
