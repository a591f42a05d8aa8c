"""The dashboard at any size (issue 24): stored ratings, capped lists, an admin's own team first."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from commissioning.models import ContractRating
from commissioning.ratings import ratings_refresh
from contracts import roles
from tests.factories import make_contract, make_team, make_user
from tests.test_dashboard import dashboard, rows, section, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def ending_soon(reference: str, team, **fields):
    """A contract ending on 28 February 2027, within 6 months of 22 November 2026."""
    return make_contract(
        reference=reference,
        team=team,
        start_date=date(2024, 3, 1),
        initial_term_months=36,
        option_months=(),
        **fields,
    )


def test_an_admins_dashboard_opens_on_their_own_team_and_all_teams_is_a_choice(client):
    mine, theirs = make_team(name="Milton Keynes"), make_team(name="Cleveland")
    admin = make_user(role=roles.ADMIN)  # sees every team
    mine.members.add(admin)
    ending_soon("MINE-1", mine)
    ending_soon("THEIRS-1", theirs)
    client.force_login(admin)

    page = dashboard(client)
    assert "MINE-1" in text(section(page, "ending-6")) and "THEIRS-1" not in page
    assert '<option value="" >All teams</option>' in page or ">All teams</option>" in page

    everything = dashboard(client, team="")
    assert "MINE-1" in text(section(everything, "ending-6")) and "THEIRS-1" in text(section(everything, "ending-6"))


def test_each_dashboard_list_stops_at_25_rows_with_a_link_to_the_full_register(client):
    team = make_team()
    for number in range(27):
        ending_soon(f"SOON-{number:02d}", team)
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))

    page = dashboard(client)
    assert len(rows(section(page, "ending-6"))) == 25
    assert "The first 25 of 27" in text(section(page, "ending-6"))
    assert f'href="{reverse("contracts:register")}?ending_within=6' in section(page, "ending-6")
    # The register behind the link shows all 27.
    register = client.get(reverse("contracts:register"), {"ending_within": "6"}).content.decode()
    assert "27 contracts" in register


def test_a_stored_rating_turns_red_when_the_nightly_refresh_finds_recommissioning_late(client):
    team = make_team()
    # Maximum end 31 March 2029: recommissioning should start 18 months before, by 30 September 2027.
    contract = make_contract(
        reference="LATE-1",
        team=team,
        start_date=date(2025, 4, 1),
        initial_term_months=48,
        option_months=(),
        max_extent_date=date(2029, 3, 31),
    )
    stored = ContractRating.objects.get(contract=contract)
    assert (stored.rating, stored.rated_on) == ("green", date(2026, 11, 22))
    officer = make_user(role=roles.OFFICER, teams=[team])

    with time_machine.travel(datetime(2027, 10, 4, 9, tzinfo=UTC), tick=False):
        client.force_login(officer)  # signed in on the day: a session lasts 10 hours at most
        # Before the nightly job its row in "ending in 12 to 18 months" is rated as it is shown;
        # the at-risk list, chosen by the stored rating, waits for the job.
        before = dashboard(client)
        assert "Recommissioning should have started by 30 September 2027" in text(section(before, "ending-18"))
        assert "LATE-1" not in text(section(before, "at-risk"))
        assert ratings_refresh() == 1
        stored.refresh_from_db()
        assert (stored.rating, stored.rated_on) == ("red", date(2027, 10, 4))
        at_risk = text(section(dashboard(client), "at-risk"))
        assert "LATE-1" in at_risk and "Recommissioning should have started by 30 September 2027" in at_risk
        # ...and the register's filter for the dashboard's "see all" link finds it.
        register = client.get(reverse("contracts:register"), {"risk": "attention"}).content.decode()
        assert "LATE-1" in register
