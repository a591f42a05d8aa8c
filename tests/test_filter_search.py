"""Filters with thousands of choices are typed, with suggestions from a search endpoint (issue 24)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from contracts import forms, roles
from tests.factories import make_contract, make_organisation, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def two_teams():
    north, south = make_team(name="North team"), make_team(name="South team")
    # Both end on 28 February 2027, within 6 months: on the dashboard too.
    ending = {"start_date": date(2024, 3, 1), "initial_term_months": 36, "option_months": ()}
    make_contract(reference="N-1", team=north, provider=make_organisation(name="Refuge Trust North"), **ending)
    make_contract(reference="S-1", team=south, provider=make_organisation(name="Refuge Trust South"), **ending)
    return north, south


def test_the_provider_search_suggests_only_providers_of_contracts_the_person_may_see(client, two_teams):
    north, _ = two_teams
    client.force_login(make_user(role=roles.OFFICER, teams=[north]))
    answer = client.get(reverse("contracts:search-providers"), {"q": "refuge"})
    assert answer.json() == {"results": ["Refuge Trust North"]}
    assert client.get(reverse("contracts:search-teams"), {"q": "team"}).json() == {"results": ["North team"]}


def test_an_admin_is_offered_every_teams_name(client, two_teams):
    client.force_login(make_user(role=roles.ADMIN))
    assert client.get(reverse("contracts:search-teams"), {"q": "TEAM"}).json() == {
        "results": ["North team", "South team"]
    }


def test_the_search_needs_a_signed_in_person(client, two_teams):
    answer = client.get(reverse("contracts:search-providers"), {"q": "refuge"})
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_with_more_providers_than_a_list_can_hold_the_register_asks_for_a_name(client, two_teams, monkeypatch):
    monkeypatch.setattr(forms, "MANY_CHOICES", 1)
    client.force_login(make_user(role=roles.ADMIN))
    page = client.get(reverse("contracts:register")).content.decode()
    assert 'name="provider_name"' in page and 'data-module="app-autocomplete"' in page
    assert 'name="provider"' not in page
    assert "accessible-autocomplete.min.js" in page
    # Without JavaScript, part of the name is enough.
    filtered = client.get(reverse("contracts:register"), {"provider_name": "north"}).content.decode()
    assert "N-1" in filtered and "S-1" not in filtered


def test_an_officer_with_few_providers_still_chooses_from_a_list(client, two_teams):
    north, _ = two_teams
    client.force_login(make_user(role=roles.OFFICER, teams=[north]))
    page = client.get(reverse("contracts:register")).content.decode()
    assert 'name="provider"' in page and ">Refuge Trust North</option>" in page
    assert "Refuge Trust South" not in page and "accessible-autocomplete" not in page


def test_an_admins_dashboard_with_many_teams_asks_for_a_name_and_opens_on_their_own(client, two_teams, monkeypatch):
    north, _ = two_teams
    monkeypatch.setattr(forms, "MANY_CHOICES", 1)
    admin = make_user(role=roles.ADMIN)
    north.members.add(admin)
    client.force_login(admin)
    dashboard = reverse("commissioning:dashboard")

    page = client.get(dashboard).content.decode()
    assert 'name="team_name"' in page and 'value="North team"' in page and '<select name="team"' not in page
    south = client.get(dashboard, {"team_name": "south team"}).content.decode()
    assert "S-1" in south and "N-1" not in south
    everyone = client.get(dashboard, {"team_name": ""}).content.decode()
    assert "S-1" in everyone and "N-1" in everyone
    nowhere = client.get(dashboard, {"team_name": "Nowhere"}).content.decode()
    assert "No single team is called \u201cNowhere\u201d" in nowhere
