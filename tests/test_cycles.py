"""Commissioning cycle pages: the list, a cycle's page, adding and editing, stage changes and decisions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import CommissioningCycle, Stage
from commissioning.services import cycle_change_stage
from contracts import roles
from contracts.models import Contract
from tests.factories import make_contract, make_cycle, make_milestone, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def signed_in(client, role, **names):
    user = make_user(
        role=role, first_name=names.get("first_name", "Olivia"), last_name=names.get("last_name", f"Okafor-{role}")
    )
    client.force_login(user)
    return user


def test_the_cycle_list_shows_each_cycle_with_its_stage_target_start_lead_and_contracts(client):
    lead = make_user(first_name="Priya", last_name="Shah")
    framework = make_contract(reference="MK-SPF-2020")
    make_cycle(
        name="Domestic abuse support services 2027",
        stage=Stage.MARKET_ENGAGEMENT,
        target_start_date=date(2027, 3, 1),
        lead_officer=lead,
        replaces=[framework],
    )
    signed_in(client, roles.VIEWER)

    page = client.get(reverse("commissioning:cycle-list")).content.decode()

    assert "Domestic abuse support services 2027" in page
    assert "Market engagement" in page
    assert "1 March 2027" in page
    assert "Priya Shah" in page
    assert "MK-SPF-2020" in page
    assert "Add a cycle" not in page


def test_a_cycle_page_lists_the_contracts_it_replaces_and_its_milestones(client):
    framework = make_contract(reference="MK-SPF-2020", title="Strategic Partnership Framework")
    cycle = make_cycle(name="DA services 2027", replaces=[framework], estimated_value=Decimal("4400000"))
    make_milestone(cycle=cycle, title="Market engagement responses due", due_on=date(2026, 3, 12))
    signed_in(client, roles.VIEWER)

    page = client.get(cycle.get_absolute_url()).content.decode()

    assert "MK-SPF-2020" in page and framework.get_absolute_url() in page
    assert "Market engagement responses due" in page and "12 March 2026" in page
    assert "£4,400,000" in page
    assert "Change stage" not in page and "Edit cycle details" not in page


def test_an_officer_adds_a_cycle_replacing_two_contracts(client):
    officer = signed_in(client, roles.OFFICER)
    team = make_team(name="Cleveland OPCC commissioning team")
    team.members.add(officer)  # a cycle's lead works in its team (issue 15)
    one, two = make_contract(reference="CLE-VS-2016"), make_contract(reference="CLE-RP-2016")

    response = client.post(
        reverse("commissioning:cycle-create"),
        {
            "name": "Victim support and restorative practice 2027",
            "service_category": "victim_support",
            "team": team.pk,
            "lead_officer": officer.pk,
            "replaces": [one.pk, two.pk],
            "target_start_date_day": "1",
            "target_start_date_month": "4",
            "target_start_date_year": "2027",
            "stage": "market_engagement",
            "ocid": "ocds-h6vhtk-06a838",
        },
    )

    assert response.status_code == 302
    cycle = CommissioningCycle.objects.get(name="Victim support and restorative practice 2027")
    assert response.url == cycle.get_absolute_url()
    assert sorted(c.reference for c in cycle.replaces.all()) == ["CLE-RP-2016", "CLE-VS-2016"]
    assert cycle.target_start_date == date(2027, 4, 1)
    assert cycle.stage_changed_on == date(2026, 11, 22)
    assert cycle.history.earliest().history_user == officer
    page = client.get(response.url).content.decode()
    assert "Cycle Victim support and restorative practice 2027 added" in page


def test_start_a_cycle_from_a_contract_page_prefills_the_contract_team_and_service(client):
    signed_in(client, roles.OFFICER)
    contract = make_contract(reference="CLE-VS-2016", service_category="victim_support")

    contract_page = client.get(contract.get_absolute_url()).content.decode()
    link = f"{reverse('commissioning:cycle-create')}?replaces={contract.pk}"
    assert "No commissioning cycle yet" in contract_page and link in contract_page

    form = client.get(link).content.decode()
    assert f'value="{contract.pk}" checked' in form
    assert '<option value="victim_support" selected>' in form
    assert f'<option value="{contract.team.pk}" selected>' in form


def test_a_cycle_with_a_bad_target_date_shows_errors_and_is_not_saved(client):
    signed_in(client, roles.OFFICER)
    team = make_team()

    response = client.post(
        reverse("commissioning:cycle-create"),
        {
            "name": "",
            "service_category": "combined",
            "team": team.pk,
            "target_start_date_day": "30",
            "target_start_date_month": "2",
            "target_start_date_year": "2027",
            "estimated_value": "-1",
            "stage": "needs_assessment",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter the name of the cycle" in page
    assert "Enter a real date" in page
    assert "Enter an amount of £0 or more" in page
    assert not CommissioningCycle.objects.exists()


def test_editing_a_cycle_changes_the_contracts_it_replaces_but_not_its_stage(client):
    signed_in(client, roles.OFFICER)
    old, new = make_contract(reference="OLD-1"), make_contract(reference="NEW-1")
    cycle = make_cycle(name="Refuge 2028", stage=Stage.STRATEGY, replaces=[old])

    response = client.post(
        reverse("commissioning:cycle-edit", args=[cycle.pk]),
        {
            "name": "Refuge recommissioning 2028",
            "service_category": "refuge",
            "team": cycle.team.pk,
            "replaces": [new.pk],
            "stage": "award",  # not on the edit form: ignored
        },
    )

    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.name == "Refuge recommissioning 2028"
    assert [c.reference for c in cycle.replaces.all()] == ["NEW-1"]
    assert cycle.stage == Stage.STRATEGY


def test_a_stage_change_with_a_reason_shows_in_the_history_with_the_officers_name(client):
    signed_in(client, roles.OFFICER, first_name="Priya", last_name="Shah")
    cycle = make_cycle(name="DA services 2027", stage=Stage.STRATEGY, stage_changed_on=date(2026, 1, 5))

    response = client.post(
        reverse("commissioning:cycle-stage", args=[cycle.pk]),
        {"stage": "market_engagement", "reason": "UK2 notice published on Find a Tender"},
        follow=True,
    )

    page = response.content.decode()
    assert "DA services 2027 is now at market engagement" in page
    cycle.refresh_from_db()
    assert cycle.stage == Stage.MARKET_ENGAGEMENT
    assert cycle.stage_changed_on == date(2026, 11, 22)
    history = page[page.index("Stage history") : page.index('id="change-stage"')]
    assert "22 November 2026" in history
    assert "Priya Shah" in history
    assert "UK2 notice published on Find a Tender" in history
    # The newest stage comes first, then the one before.
    assert history.index("Market engagement") < history.index("Strategy and options appraisal")


def test_a_stage_change_without_a_reason_is_refused_and_changes_nothing(client):
    signed_in(client, roles.OFFICER)
    cycle = make_cycle(stage=Stage.STRATEGY)

    response = client.post(
        reverse("commissioning:cycle-stage", args=[cycle.pk]), {"stage": "procurement", "reason": "  "}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter the reason for changing the stage" in page
    cycle.refresh_from_db()
    assert cycle.stage == Stage.STRATEGY
    assert cycle.history.count() == 1


def test_a_stage_change_to_the_stage_it_is_at_is_refused(client):
    signed_in(client, roles.OFFICER)
    cycle = make_cycle(stage=Stage.PROCUREMENT)

    response = client.post(
        reverse("commissioning:cycle-stage", args=[cycle.pk]), {"stage": "procurement", "reason": "Again"}
    )

    assert "The cycle is already at procurement" in response.content.decode()


def test_the_stage_change_service_records_date_officer_and_reason():
    officer = make_user(first_name="Joanne", last_name="Clarke")
    cycle = make_cycle(stage=Stage.EVALUATION)

    cycle_change_stage(
        cycle=cycle, stage=Stage.AWARD, officer=officer, reason="Cabinet approved award", today=date(2027, 1, 12)
    )

    record = cycle.history.latest()
    assert (record.stage, record.stage_changed_on) == (Stage.AWARD, date(2027, 1, 12))
    assert record.history_user == officer
    assert record.history_change_reason == "Cabinet approved award"
    assert cycle.decides_successor


def test_an_officer_records_the_decision_for_a_contract_and_the_page_shows_who_and_when(client):
    signed_in(client, roles.OFFICER, first_name="Priya", last_name="Shah")
    contract = make_contract(reference="ASC0013")

    page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "Not yet recorded" in page
    assert reverse("commissioning:contract-decision", args=[contract.pk]) in page

    response = client.post(
        reverse("commissioning:contract-decision", args=[contract.pk]),
        {
            "decision": "retender",
            "decided_on_day": "19",
            "decided_on_month": "11",
            "decided_on_year": "2026",
            "reason": "Cabinet 19 November 2026, item 7",
        },
        follow=True,
    )

    page = response.content.decode()
    assert "Decision recorded: re-tender" in page
    assert "Re-tender, decided on 19 November 2026, recorded by Priya Shah" in page
    assert "Decision: re-tender: Cabinet 19 November 2026, item 7" in page  # the history tab
    contract.refresh_from_db()
    assert (contract.decision, contract.decision_on) == (Contract.Decision.RETENDER, date(2026, 11, 19))


def test_a_decision_dated_in_the_future_or_without_a_choice_shows_errors_and_saves_nothing(client):
    signed_in(client, roles.OFFICER)
    contract = make_contract()

    response = client.post(
        reverse("commissioning:contract-decision", args=[contract.pk]),
        {"decided_on_day": "1", "decided_on_month": "1", "decided_on_year": "2027", "reason": ""},
    )

    page = response.content.decode()
    assert "Select the decision" in page
    assert "The date of the decision must be today or in the past" in page
    assert "Enter the reason for the decision" in page
    contract.refresh_from_db()
    assert contract.decision == ""


def test_an_officer_records_the_decision_for_a_cycle(client):
    signed_in(client, roles.OFFICER, first_name="Priya", last_name="Shah")
    contract = make_contract(reference="CLE-VS-2016")
    cycle = make_cycle(name="Victim support 2027", replaces=[contract])

    client.post(
        reverse("commissioning:cycle-decision", args=[cycle.pk]),
        {
            "decision": "extend_with_variations",
            "decided_on_day": "2",
            "decided_on_month": "10",
            "decided_on_year": "2026",
            "reason": "PCC decision record 2026/14",
        },
    )

    page = client.get(cycle.get_absolute_url()).content.decode()
    assert "Extend with variations, decided on 2 October 2026, recorded by Priya Shah" in page
    # The contracts it replaces show the cycle's decision.
    contract_page = client.get(contract.get_absolute_url()).content.decode()
    assert "Victim support 2027" in contract_page
    assert "extend with variations, decided on 2 October 2026" in contract_page


def test_a_missing_cycle_is_not_found(client):
    signed_in(client, roles.OFFICER)
    assert client.get(reverse("commissioning:cycle-detail", args=[999])).status_code == 404
    assert (
        client.post(reverse("commissioning:cycle-stage", args=[999]), {"stage": "award", "reason": "x"}).status_code
        == 404
    )


def cycles_with_contracts(count: int, *, teams, start: int) -> None:
    for index in range(start, start + count):
        team = teams[index % len(teams)]
        make_cycle(
            name=f"Cycle {index:03d}",
            team=team,
            target_start_date=date(2027, 1, 1) + timedelta(days=index),
            replaces=[make_contract(reference=f"CYC{index:03d}", team=team)],
        )


def test_an_admins_cycle_list_opens_on_their_team_and_pages_every_team_at_the_same_cost(client, monkeypatch):
    """Issue 24: the list held every cycle of the service (no answer in 30 s at 100,000 contracts)."""
    # Pages of 5 rather than 50: the same two full pages and a part page, the same comparison of
    # queries at a few cycles and many, from 20 cycles made through the services rather than 110.
    monkeypatch.setattr("commissioning.views.cycles.CYCLES_PAGE_SIZE", 5)
    page_size = 5
    mine, other = make_team(name="Domestic abuse team"), make_team(name="Another team")
    admin = make_user(role=roles.ADMIN, teams=[mine])
    client.force_login(admin)
    url = reverse("commissioning:cycle-list")

    def queries(path):
        client.get(path)
        with CaptureQueriesContext(connection) as counted:
            client.get(path)
        return len(counted)

    cycles_with_contracts(4, teams=[mine, other], start=0)
    small = queries(url), queries(url + "?team=")
    cycles_with_contracts(2 * page_size + 6, teams=[mine, other], start=4)
    assert (queries(url), queries(url + "?team=")) == small

    size, total = page_size, 2 * page_size + 10
    own = client.get(url).content.decode()
    assert "Cycle 000" in own and "Cycle 001" not in own  # their own team's first
    assert f"{size} of {total // 2} cycles of Domestic abuse team" in own
    every = client.get(url + "?team=").content.decode()
    assert f"{size} of {total} cycles, by target start" in every
    assert f"Cycle {size - 1:03d}" in every and f"Cycle {size:03d}" not in every
    next_page = re.search(r'href="([^"]*after=[^"]*)" rel="next"', every).group(1).replace("&amp;", "&")
    second = client.get(url + next_page).content.decode()
    assert f"Cycle {size:03d}" in second and f"Cycle {size - 1:03d}" not in second
