"""A gap in cover is a milestone with reminders to the lead officer and escalation to the
manager, derived like every other milestone and kept in step with the contracts (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from commissioning import services as commissioning_services
from commissioning.models import Milestone, Service
from contracts import roles
from contracts.models import Contract, ServiceCategory
from contracts.services import contract_save
from reminders.models import Reminder
from tests.factories import make_contract, make_cycle, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_22_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield date(2026, 11, 22)


@pytest.fixture
def refuge_and_successor(on_22_november_2026):
    """A refuge ending 28 February 2027 led by Olivia in a team Mary manages, and the new refuge
    contract from 1 March 2027, both covering the service "Refuge"."""
    team = make_team()
    team.manager = make_user(username="mary", role=roles.MANAGER, first_name="Mary", last_name="Manager")
    team.save()
    olivia = make_user(username="olivia", first_name="Olivia", last_name="Officer")
    refuge = make_contract(
        reference="REFUGE-2022",
        title="Refuge",
        start_date=date(2022, 3, 1),
        initial_term_months=60,
        option_months=(),
        team=team,
        lead_officer=olivia,
    )
    successor = make_contract(reference="REFUGE-2027", title="Refuge", start_date=date(2027, 3, 1), team=team)
    commissioning_services.service_save(
        service=Service(team=team, name="Refuge", category=ServiceCategory.REFUGE),
        contracts=[refuge, successor],
        officer=None,
        reason="Services for cover",
    )
    return refuge, successor


def gap_milestones(contract: Contract):
    return list(contract.milestones.filter(kind=Milestone.Kind.GAP_IN_COVER))


def move_start(contract: Contract, start: date) -> None:
    contract.start_date = start
    contract_save(contract=contract, officer=None, reason="Later notice moved the start")


def test_continuous_cover_has_no_gap_milestone(refuge_and_successor):
    refuge, _successor = refuge_and_successor

    assert gap_milestones(refuge) == []


def test_moving_the_successors_start_makes_the_gap_a_milestone_for_the_lead_officer(refuge_and_successor):
    refuge, successor = refuge_and_successor

    move_start(successor, date(2027, 4, 1))

    (gap,) = gap_milestones(refuge)
    assert (gap.title, gap.due_on, gap.status) == (
        "REFUGE-2022: Refuge has no contract from 1 to 31 March 2027",
        date(2027, 3, 1),
        Milestone.Status.SCHEDULED,
    )
    assert gap.owner.username == "olivia"
    assert gap.description.startswith(
        "Refuge has no contract from 1 to 31 March 2027: REFUGE-2027 starts on 1 April 2027"
    )
    reminders = {(r.offset, r.recipient_email) for r in gap.reminders.all()}
    # Months ahead to the lead officer, a week before to the manager, and the day after if unmet.
    assert ("3 months", "olivia@example.gov.uk") in reminders
    assert ("escalation", "mary@example.gov.uk") in reminders
    assert ("overdue", "mary@example.gov.uk") in reminders


def test_the_gap_milestone_moves_when_the_successors_start_moves_again(refuge_and_successor):
    refuge, successor = refuge_and_successor
    move_start(successor, date(2027, 4, 1))

    move_start(successor, date(2027, 5, 1))

    (gap,) = gap_milestones(refuge)
    assert (gap.title, gap.due_on) == (
        "REFUGE-2022: Refuge has no contract from 1 March to 30 April 2027",
        date(2027, 3, 1),
    )
    assert gap.history.latest().history_change_reason == "Recomputed from the contract"


def test_closing_the_gap_cancels_the_milestone_and_its_reminders(refuge_and_successor):
    refuge, successor = refuge_and_successor
    move_start(successor, date(2027, 4, 1))

    move_start(successor, date(2027, 3, 1))

    (gap,) = gap_milestones(refuge)
    assert gap.status == Milestone.Status.CANCELLED
    assert gap.history.latest().history_change_reason == "The gap in cover closed"
    assert not gap.reminders.filter(status=Reminder.Status.PLANNED).exists()


def test_recording_decommissioning_on_the_cycle_cancels_the_gap_at_once(on_22_november_2026):
    team = make_team()
    counselling = make_contract(
        reference="COUNSELLING-2022", start_date=date(2022, 3, 1), initial_term_months=60, option_months=(), team=team
    )
    cycle = make_cycle(team=team, stage="strategy", target_start_date=date(2027, 6, 1))
    commissioning_services.service_save(
        service=Service(team=team, name="Counselling", category=ServiceCategory.COUNSELLING),
        contracts=[counselling],
        officer=None,
        reason="Services for cover",
    )
    commissioning_services.cycle_save(cycle=cycle, replaces=[counselling], officer=None, reason="Replaces it")
    (gap,) = gap_milestones(counselling)
    assert (gap.title, gap.status) == (
        "COUNSELLING-2022: Counselling has no contract from 1 March to 31 May 2027",
        Milestone.Status.SCHEDULED,
    )

    commissioning_services.decision_record(
        contracts=cycle.replaces.all(),
        decision=Contract.Decision.DECOMMISSION,
        officer=None,
        decided_on=on_22_november_2026,
        reason="Folded into the wider contract",
    )

    gap.refresh_from_db()
    assert gap.status == Milestone.Status.CANCELLED


def test_a_service_takes_only_its_own_teams_contracts_and_a_refusal_saves_nothing(on_22_november_2026):
    from django.core.exceptions import ValidationError

    team, other = make_team(), make_team()
    ours = make_contract(reference="OURS-2022", team=team)
    theirs = make_contract(reference="THEIRS-2022", team=other)

    with pytest.raises(ValidationError) as refused:
        commissioning_services.service_save(
            service=Service(team=team, name="Refuge", category=ServiceCategory.REFUGE),
            contracts=[ours, theirs],
            officer=None,
            reason="Services for cover",
        )

    assert refused.value.message_dict["contracts"] == [
        "Choose only contracts of the service's own team; not THEIRS-2022"
    ]
    assert not Service.objects.exists()


def test_the_admin_refuses_another_teams_contract_in_a_service_with_a_clear_message(client, on_22_november_2026):
    from django.urls import reverse

    team, other = make_team(), make_team()
    theirs = make_contract(reference="THEIRS-2022", team=other)
    client.force_login(make_user(role=roles.ADMIN, is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:commissioning_service_add"),
        {"team": team.pk, "name": "Refuge", "category": ServiceCategory.REFUGE, "contracts": [theirs.pk]},
    )

    assert response.status_code == 200
    assert "Choose only contracts of the service&#x27;s own team; not THEIRS-2022" in response.content.decode()
    assert not Service.objects.exists()


def test_a_stage_change_that_makes_another_cycle_the_furthest_moves_the_gap_at_once(on_22_november_2026):
    # Cover follows the furthest cycle replacing a contract: moving the later-starting one past
    # the other is a gap from 1 March to 31 May 2027, a milestone with its reminder, at once.
    team = make_team()
    olivia = make_user(username="olivia", first_name="Olivia", last_name="Officer")
    counselling = make_contract(
        reference="COUNSELLING-2022",
        title="Counselling",
        start_date=date(2022, 3, 1),
        initial_term_months=60,
        option_months=(),
        team=team,
        lead_officer=olivia,
    )
    commissioning_services.service_save(
        service=Service(team=team, name="Counselling", category=ServiceCategory.COUNSELLING),
        contracts=[counselling],
        officer=None,
        reason="Services for cover",
    )
    make_cycle(team=team, stage="strategy", replaces=[counselling], target_start_date=date(2027, 3, 1))
    later = make_cycle(team=team, stage="needs_assessment", replaces=[counselling], target_start_date=date(2027, 6, 1))
    assert gap_milestones(counselling) == []

    commissioning_services.cycle_change_stage(
        cycle=later, stage="procurement", officer=None, reason="Tender published", today=on_22_november_2026
    )

    (gap,) = gap_milestones(counselling)
    assert (gap.title, gap.status) == (
        "COUNSELLING-2022: Counselling has no contract from 1 March to 31 May 2027",
        Milestone.Status.SCHEDULED,
    )
    assert gap.reminders.filter(recipient_email=olivia.email, status=Reminder.Status.PLANNED).exists()
