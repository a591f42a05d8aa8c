"""Services, the unit of cover, edited by the team's officers on its own pages (issue 17): the
list, a service's page with its cover and history, adding one and attaching its contracts; and
the red "No successor" a service carries when its last contract ends with nothing after it."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import services as commissioning_services
from commissioning.models import Service
from contracts import roles
from contracts.models import ServiceCategory
from tests.factories import make_contract, make_team, make_user
from tests.test_cover_pages import milton_keynes
from tests.test_dashboard import section, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_22_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield date(2026, 11, 22)


def refuge_contract(team, reference="MK-REFUGE-2020", **fields):
    return make_contract(
        reference=reference,
        title="Refuge",
        service_category=ServiceCategory.REFUGE,
        start_date=fields.pop("start_date", date(2020, 3, 1)),
        initial_term_months=fields.pop("initial_term_months", 84),
        option_months=(),
        team=team,
        **fields,
    )


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return text(response.content.decode())


def test_an_officer_adds_a_service_with_its_contracts_and_the_history_names_them(client):
    team = make_team(name="Domestic abuse team")
    old = refuge_contract(team)
    new = refuge_contract(team, reference="MK-REFUGE-2027", start_date=date(2027, 3, 1), initial_term_months=60)
    officer = make_user(role=roles.OFFICER, teams=[team], first_name="Olivia", last_name="Okafor")
    client.force_login(officer)

    response = client.post(
        reverse("commissioning:service-create"),
        {
            "name": "Refuge",
            "category": ServiceCategory.REFUGE,
            "team": team.pk,
            "contracts": [old.pk, new.pk],
            "change_reason": "The refuge's contracts, old and new",
        },
        follow=True,
    )

    service = Service.objects.get(team=team, name="Refuge")
    assert set(service.contracts.all()) == {old, new}
    landed = text(response.content.decode())
    assert "Service Refuge added" in landed
    assert "MK-REFUGE-2027 takes over on 1 March 2027, the day after MK-REFUGE-2020 ends" in landed
    history = landed.split("History")[-1]
    assert "Olivia Okafor" in history and "Service added" in history
    assert "Contracts: (empty) → MK-REFUGE-2020, MK-REFUGE-2027" in history
    assert "The refuge's contracts, old and new" in history


def test_attaching_a_successor_that_starts_late_names_the_gap_it_opens(client):
    team = make_team()
    old = refuge_contract(team)
    late = refuge_contract(team, reference="MK-REFUGE-2027", start_date=date(2027, 4, 1), initial_term_months=60)
    service = Service.objects.create(team=team, name="Refuge", category=ServiceCategory.REFUGE)
    service.contracts.set([old])
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))

    landed = text(
        client.post(
            reverse("commissioning:service-edit", args=[service.pk]),
            {"name": "Refuge", "category": ServiceCategory.REFUGE, "contracts": [old.pk, late.pk]},
            follow=True,
        ).content.decode()
    )

    assert "Service Refuge updated" in landed
    assert (
        "Gap in cover: Refuge has no contract from 1 to 31 March 2027: MK-REFUGE-2027 starts on 1 April 2027" in landed
    )
    assert "Service changed" in landed and "Contracts: MK-REFUGE-2020 → MK-REFUGE-2020, MK-REFUGE-2027" in landed


def test_a_service_takes_only_its_own_teams_contracts_and_a_duplicate_name_is_refused_beside_the_name(client):
    ours, theirs = make_team(name="Ours"), make_team(name="Theirs")
    other = refuge_contract(theirs, reference="THEIRS-1")
    Service.objects.create(team=ours, name="Refuge", category=ServiceCategory.REFUGE)
    client.force_login(make_user(role=roles.OFFICER, teams=[ours]))

    response = client.post(
        reverse("commissioning:service-create"),
        {"name": "Refuge", "category": ServiceCategory.REFUGE, "team": ours.pk, "contracts": [other.pk]},
    )

    assert response.status_code == 200
    body = text(response.content.decode())
    assert "Ours already has a service called Refuge" in body
    assert "Select a valid choice" in body  # another team's contract is not offered
    assert Service.objects.count() == 1


def test_the_list_shows_only_the_teams_services_with_their_cover(client):
    ours, theirs = make_team(), make_team()
    milton_keynes(team=ours, new_start=date(2027, 4, 1))
    milton_keynes(team=theirs, prefix="CL")
    client.force_login(make_user(role=roles.VIEWER, teams=[ours]))

    listed = page(client, reverse("commissioning:service-list"))

    assert "CL-" not in listed
    assert listed.count("Gap in cover") == 3
    assert "Refuge" in listed and "Add a service" not in listed  # a viewer reads only


def test_the_service_pages_need_the_same_number_of_queries_for_one_team_or_four(client):
    client.force_login(make_user(role=roles.OFFICER))
    team = make_team()
    milton_keynes(prefix="A", team=team)
    service = Service.objects.order_by("pk").first()

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    listed, detail = queries(reverse("commissioning:service-list")), queries(service_url(service))
    for prefix in ["B", "C", "D"]:
        milton_keynes(prefix=prefix, new_start=date(2027, 4, 1))
    # More contracts in the service's own chain, and more history rows with them.
    spot = [refuge_contract(team, reference=f"A-SPOT-{year}", start_date=date(year, 3, 1)) for year in (2032, 2039)]
    commissioning_services.service_save(
        service=service, contracts=[*service.contracts.all(), *spot], officer=None, reason="Spot contracts"
    )
    assert service.contracts.count() == 4

    assert queries(reverse("commissioning:service-list")) == listed
    assert queries(service_url(service)) == detail


def service_url(service) -> str:
    return reverse("commissioning:service-detail", args=[service.pk])


# --- no successor ------------------------------------------------------------------------------


def test_a_service_whose_last_contract_has_ended_is_red_with_no_successor_everywhere_officers_look(client):
    team = make_team()
    ended = refuge_contract(team, reference="MK-COUNSELLING", start_date=date(2019, 11, 1), initial_term_months=36)
    # Through the service, as an officer links them: it stores the cover's end with the rating.
    service = commissioning_services.service_save(
        service=Service(team=team, name="Counselling", category=ServiceCategory.OTHER),
        contracts=[ended],
        officer=None,
        reason="Linked",
    )
    client.force_login(make_user(role=roles.VIEWER, teams=[team]))

    words = "Counselling has had no contract since 1 November 2022: nothing replaces MK-COUNSELLING"
    dashboard = client.get(reverse("commissioning:dashboard")).content.decode()
    flagged = text(section(dashboard, "no-successor"))
    assert "Counselling No successor" in flagged and words in flagged
    assert words in page(client, service_url(service)) and "No successor" in page(client, service_url(service))
    contract_page = page(client, ended.get_absolute_url())
    assert "No successor" in contract_page and words in contract_page


def test_a_contract_ending_with_nothing_after_it_is_flagged_and_a_decided_decommission_is_not(client):
    team = make_team()
    contract = refuge_contract(team, reference="MK-SANCTUARY", start_date=date(2022, 4, 1), initial_term_months=60)
    # Through the service, as an officer links them: it stores the cover's end with the rating.
    service = commissioning_services.service_save(
        service=Service(team=team, name="Sanctuary scheme", category=ServiceCategory.OTHER),
        contracts=[contract],
        officer=None,
        reason="Linked",
    )
    officer = make_user(role=roles.OFFICER, teams=[team])
    client.force_login(officer)

    before = text(section(client.get(reverse("commissioning:dashboard")).content.decode(), "no-successor"))
    assert "Nothing replaces MK-SANCTUARY: Sanctuary scheme's cover ends on 31 March 2027" in before
    commissioning_services.decision_record(
        contracts=[contract], decision="decommission", officer=officer, decided_on=date(2026, 11, 1), reason="Cabinet"
    )

    after = text(section(client.get(reverse("commissioning:dashboard")).content.decode(), "no-successor"))
    assert "MK-SANCTUARY" not in after and "Every service has a successor planned" in after
    assert "No successor" not in page(client, service_url(service))
