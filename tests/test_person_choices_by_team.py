"""Issue 15: a list of people on a form offers only the people of the record's team.

The milestone owner list offered every user of every team, telling an officer who works
elsewhere and letting them hand a milestone (and its reminder emails) to a stranger. The same
was true of a contract's and a cycle's lead officer.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from commissioning.models import CommissioningCycle, Milestone
from contracts import roles
from contracts.models import Contract
from tests.factories import make_contract, make_cycle, make_milestone, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    return make_team(name="Milton Keynes team"), make_team(name="Cleveland team")


@pytest.fixture
def olivia(teams):
    return make_user(username="olivia", role=roles.OFFICER, first_name="Olivia", last_name="Okafor", teams=[teams[0]])


@pytest.fixture
def colleague(teams):
    return make_user(username="carl", role=roles.OFFICER, first_name="Carl", last_name="Colleague", teams=[teams[0]])


@pytest.fixture
def stranger(teams):
    return make_user(username="sam", role=roles.OFFICER, first_name="Sam", last_name="Stranger", teams=[teams[1]])


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_milestone_owner_list_offers_only_the_people_of_the_contracts_team(
    client, teams, olivia, colleague, stranger
):
    contract = make_contract(team=teams[0], option_months=())
    client.force_login(olivia)

    html = page(client.get(reverse("commissioning:milestone-create") + f"?contract={contract.pk}"))

    assert "Carl Colleague" in html and "Olivia Okafor" in html
    assert "Sam Stranger" not in html


def test_a_milestone_cannot_be_given_to_someone_outside_the_team(client, teams, olivia, stranger):
    contract = make_contract(team=teams[0], option_months=())
    client.force_login(olivia)

    response = client.post(
        reverse("commissioning:milestone-create") + f"?contract={contract.pk}",
        {
            "title": "Provider event",
            "kind": Milestone.Kind.OTHER,
            "due_date_day": "16",
            "due_date_month": "3",
            "due_date_year": "2027",
            "owner": stranger.pk,
        },
    )

    assert "Select a valid choice" in page(response)
    assert not Milestone.objects.filter(title="Provider event").exists()


def test_editing_a_cycle_milestone_offers_the_cycles_team_and_keeps_its_current_owner(
    client, teams, olivia, colleague, stranger
):
    cycle = make_cycle(team=teams[0])
    former = make_user(username="fran", first_name="Fran", last_name="Former", teams=[])
    milestone = make_milestone(cycle=cycle, title="Market engagement", due_on=date(2027, 3, 12), owner=former)
    client.force_login(olivia)

    html = page(client.get(reverse("commissioning:milestone-edit", args=[milestone.pk])))

    assert "Carl Colleague" in html and "Fran Former" in html
    assert "Sam Stranger" not in html


def contract_fields(team, contract, **extra):
    return {
        "title": "Sanctuary scheme",
        "kind": "contract",
        "service_category": "sanctuary",
        "buyer": contract.buyer.pk,
        "team": team.pk,
        "funding_source": "core_budget",
        "start_date_day": "1",
        "start_date_month": "3",
        "start_date_year": "2027",
        "initial_term_months": "60",
        **extra,
    }


def test_the_contract_lead_officer_list_offers_only_people_of_the_officers_teams(
    client, teams, olivia, colleague, stranger
):
    client.force_login(olivia)

    html = page(client.get(reverse("contracts:create")))

    assert "Carl Colleague" in html
    assert "Sam Stranger" not in html


def test_a_contract_lead_must_work_in_the_contracts_team(client, teams, olivia, stranger):
    both = make_user(username="bo", role=roles.OFFICER, first_name="Bo", last_name="Both", teams=list(teams))
    existing = make_contract(team=teams[0], option_months=())
    client.force_login(both)

    response = client.post(
        reverse("contracts:create"), contract_fields(teams[0], existing, reference="NEW-1", lead_officer=stranger.pk)
    )

    assert "Select someone who works in the Milton Keynes team" in page(response)
    assert not Contract.objects.filter(reference="NEW-1").exists()


def test_the_cycle_lead_officer_list_offers_only_people_of_the_officers_teams(
    client, teams, olivia, colleague, stranger
):
    client.force_login(olivia)

    html = page(client.get(reverse("commissioning:cycle-create")))

    assert "Carl Colleague" in html
    assert "Sam Stranger" not in html


def test_a_cycle_lead_must_work_in_the_cycles_team(client, teams, stranger):
    both = make_user(username="bo", role=roles.OFFICER, first_name="Bo", last_name="Both", teams=list(teams))
    client.force_login(both)

    response = client.post(
        reverse("commissioning:cycle-create"),
        {
            "name": "Refuge recommission",
            "service_category": "refuge",
            "team": teams[0].pk,
            "lead_officer": stranger.pk,
            "stage": "needs_assessment",
        },
    )

    assert "Select someone who works in the Milton Keynes team" in page(response)
    assert not CommissioningCycle.objects.filter(name="Refuge recommission").exists()
