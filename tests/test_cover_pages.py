"""Continuity of cover where officers look: the dashboard's "Gaps in cover", the rating on the
dashboard, register, contract and cycle pages, and recording a decision (issue 17)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import services as commissioning_services
from commissioning.models import Service
from contracts import roles
from contracts.models import Contract, ServiceCategory
from contracts.services import contract_save
from tests.factories import (
    make_contract,
    make_cycle,
    make_milestone,
    make_team,
    make_user,
)
from tests.test_dashboard import row_with, rows, section, text

pytestmark = pytest.mark.django_db

FRAMEWORK_START = date(2020, 3, 1)
FRAMEWORK_END = date(2027, 2, 28)
NEW_START = date(2027, 3, 1)
SERVICES = [
    ("MK-SPF-REFUGE", "Refuge", ServiceCategory.REFUGE),
    ("MK-SPF-IDVA", "Crisis intervention (IDVA)", ServiceCategory.CRISIS_INTERVENTION),
    ("MK-SPF-PERP", "Perpetrator programme", ServiceCategory.PERPETRATOR_PROGRAMME),
]


@pytest.fixture
def on_22_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield date(2026, 11, 22)


def milton_keynes(*, stage="mobilisation", new_start=NEW_START, team=None, prefix="MK"):
    """The framework ending 28 February 2027 with its three services, the new contract from
    ``new_start`` covering all three, and the cycle replacing them targeting 1 March 2027."""
    team = team or make_team()
    framework = make_contract(
        reference=f"{prefix}-SPF-2020",
        title="Domestic Abuse Strategic Partnership Framework",
        kind=Contract.Kind.FRAMEWORK,
        start_date=FRAMEWORK_START,
        initial_term_months=84,
        option_months=(),
        max_extent_date=FRAMEWORK_END,
        team=team,
    )
    successor = make_contract(
        reference=f"{prefix}-DASS-2027",
        title="Domestic Abuse Support Services in Milton Keynes",
        start_date=new_start,
        provider=None,
        team=team,
    )
    children = []
    for reference, name, category in SERVICES:
        child = make_contract(
            reference=reference.replace("MK", prefix, 1),
            title=name,
            service_category=category,
            parent=framework,
            start_date=FRAMEWORK_START,
            initial_term_months=84,
            option_months=(),
            max_extent_date=FRAMEWORK_END,
            team=team,
        )
        children.append(child)
        Service.objects.create(team=team, name=name, category=category).contracts.set([child, successor])
    cycle = make_cycle(
        name=f"{prefix} domestic abuse support services 2027",
        team=team,
        stage=stage,
        replaces=[framework, *children],
        target_start_date=NEW_START,
    )
    return framework, children, successor, cycle


def dashboard(client) -> str:
    response = client.get(reverse("commissioning:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def move_start(contract: Contract, new_start: date) -> None:
    """What an edit or a later notice does: the successor's start moves."""
    contract.start_date = new_start
    contract_save(contract=contract, officer=None, reason="Later notice: the new contract starts on 1 April 2027")


# --- the dashboard ------------------------------------------------------------------------------


def test_moving_the_successors_start_by_a_month_turns_every_affected_contract_red_with_the_gap_named(
    client, on_22_november_2026
):
    framework, children, successor, cycle = milton_keynes()
    client.force_login(make_user(role=roles.VIEWER))

    before = dashboard(client)
    ending = section(before, "ending-6")
    for contract in [framework, *children]:
        assert "Recommissioning risk: Green Successor decided: MK-DASS-2027 starts on 1 March 2027" in row_with(
            ending, contract.reference
        )
    assert "No gaps" in section(before, "gaps")

    move_start(successor, date(2027, 4, 1))
    after = dashboard(client)

    # "Gaps in cover" opens the dashboard, above the filters and every other section.
    assert after.index('id="gaps"') < after.index("Filter the dashboard") < after.index('id="overdue"')
    gaps = rows(section(after, "gaps"))
    assert [row.split(" has no contract")[0].split(" Gap in cover")[0] for row in gaps] == [
        "Crisis intervention (IDVA)",
        "Perpetrator programme",
        "Refuge",
    ]
    refuge_gap = row_with(section(after, "gaps"), "Refuge has no contract")
    assert (
        "Refuge has no contract from 1 to 31 March 2027: MK-DASS-2027 starts on 1 April 2027, not 1 March 2027 as its cycle planned"
        in refuge_gap
    )
    assert " 31 " in refuge_gap  # the days uncovered
    assert "No option can bridge it: only starting the new contract by 1 March 2027" in refuge_gap
    ending = section(after, "ending-6")
    for contract, name in zip(children, ["Refuge", "Crisis intervention (IDVA)", "Perpetrator programme"]):
        row = row_with(ending, contract.reference)
        assert f"Recommissioning risk: Red {name} has no contract from 1 to 31 March 2027" in row
        assert "Gap in cover" in row
    framework_row = row_with(ending, framework.reference)
    assert "Recommissioning risk: Red" in framework_row and "has no contract from 1 to 31 March 2027" in framework_row
    assert "(and 2 more services)" in framework_row and "Gap in cover" in framework_row
    # Every one of them is listed as at risk, and the cycle carries the tag too.
    at_risk = section(after, "at-risk")
    assert {row.split()[0] for row in rows(at_risk)} == {framework.reference, *(c.reference for c in children)}
    assert "Gap in cover" in row_with(section(after, "stages"), cycle.name)


def test_overdue_cycle_milestones_make_the_rating_red(client, on_22_november_2026):
    _framework, _children, _successor, cycle = milton_keynes(stage="procurement")
    make_milestone(cycle=cycle, title="Tender notice published", due_on=date(2026, 3, 7))
    client.force_login(make_user(role=roles.VIEWER))

    refuge = row_with(section(dashboard(client), "ending-6"), "MK-SPF-REFUGE")

    assert (
        "Recommissioning risk: Red 1 milestone of MK domestic abuse support services 2027 overdue "
        "(“Tender notice published” by 260 days): the new contract may not start by 1 March 2027"
    ) in refuge


def test_a_cycle_whose_remaining_stages_do_not_fit_before_cover_ends_is_red(client, on_22_november_2026):
    milton_keynes(stage="market_engagement")
    client.force_login(make_user(role=roles.VIEWER))

    refuge = row_with(section(dashboard(client), "ending-6"), "MK-SPF-REFUGE")

    assert (
        "Recommissioning risk: Red MK domestic abuse support services 2027 is at market engagement: the stages "
        "left (procurement, evaluation, award and standstill and mobilisation) take 9 months at your team's timings, "
        "so the new "
        "contract could not start before 22 August 2027; Refuge's cover ends on 28 February 2027"
    ) in refuge


def test_the_dashboard_needs_the_same_number_of_queries_for_one_team_or_four(client, on_22_november_2026):
    client.force_login(make_user(role=roles.VIEWER))
    # With a gap in the first team's cover too: the dashboard works out the cover of the
    # contracts whose stored rating says they have one, a fixed number of queries when any do.
    milton_keynes(prefix="A", new_start=date(2027, 4, 1))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            dashboard(client)
        return len(captured)

    one = queries()
    for prefix in ["B", "C", "D"]:
        milton_keynes(prefix=prefix, new_start=date(2027, 4, 1))

    assert queries() == one


def test_the_register_needs_the_same_number_of_queries_for_one_team_or_four(client, on_22_november_2026):
    client.force_login(make_user(role=roles.VIEWER))
    milton_keynes(prefix="A")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("contracts:register"))
        assert response.status_code == 200
        return len(captured)

    one = queries()
    for prefix in ["B", "C", "D"]:
        milton_keynes(prefix=prefix, new_start=date(2027, 4, 1))

    assert queries() == one


# --- the register, the contract page and the cycle page -------------------------------------------


def test_the_register_rates_each_contract_and_tags_a_gap(client, on_22_november_2026):
    _framework, _children, _successor, _cycle = milton_keynes(new_start=date(2027, 4, 1))
    client.force_login(make_user(role=roles.VIEWER))

    page = client.get(reverse("contracts:register")).content.decode()

    refuge = row_with(page, "MK-SPF-REFUGE")
    assert "Gap in cover" in refuge
    assert "Recommissioning risk: Red Refuge has no contract from 1 to 31 March 2027" in refuge
    successor_row = next(row for row in rows(page) if row.startswith("MK-DASS-2027 "))
    assert "Gap in cover" in successor_row  # its late start causes it


def test_the_contract_page_shows_the_cover_of_its_service_and_the_gap(client, on_22_november_2026):
    _framework, (refuge, *_), _successor, _cycle = milton_keynes(new_start=date(2027, 4, 1))
    client.force_login(make_user(role=roles.VIEWER))

    page = text(client.get(refuge.get_absolute_url()).content.decode())

    assert "Gap in cover" in page
    assert "Cover of the services" in page
    assert (
        "Refuge Gap in cover MK-SPF-REFUGE: 1 March 2020 to 28 February 2027 "
        "MK-DASS-2027: 1 April 2027 to 31 March 2032 "
        "Refuge has no contract from 1 to 31 March 2027"
    ) in page
    assert "Recommissioning risk: Red Refuge has no contract from 1 to 31 March 2027" in page


def test_the_cycle_page_shows_the_cover_of_every_service_it_replaces(client, on_22_november_2026):
    _framework, _children, _successor, cycle = milton_keynes(new_start=date(2027, 4, 1))
    client.force_login(make_user(role=roles.VIEWER))

    page = text(client.get(cycle.get_absolute_url()).content.decode())

    assert "Gap in cover" in page
    for name in ["Refuge", "Crisis intervention (IDVA)", "Perpetrator programme"]:
        assert f"{name} has no contract from 1 to 31 March 2027" in page


def test_a_contract_with_continuous_cover_shows_who_takes_over(client, on_22_november_2026):
    _framework, (refuge, *_), _successor, _cycle = milton_keynes()
    client.force_login(make_user(role=roles.VIEWER))

    page = text(client.get(refuge.get_absolute_url()).content.decode())

    assert "Gap in cover" not in page
    assert "MK-DASS-2027 takes over on 1 March 2027, the day after MK-SPF-REFUGE ends" in page


# --- recording a decision is reflected at once -------------------------------------------------------


def refuge_with_an_option(team=None):
    """A refuge ending 28 February 2027 with a 12-month option to be decided by 4 January 2027
    (1 month's notice and 4 weeks' approval before 1 March), and a successor from 1 April 2027."""
    team = team or make_team()
    refuge = make_contract(
        reference="REFUGE-2022",
        title="Refuge",
        start_date=date(2022, 3, 1),
        initial_term_months=60,
        option_months=(12,),
        provider_notice_months=1,
        approval_lead_weeks=4,
        team=team,
    )
    successor = make_contract(reference="REFUGE-2027", title="Refuge", start_date=date(2027, 4, 1), team=team)
    Service.objects.create(team=team, name="Refuge", category=ServiceCategory.REFUGE).contracts.set([refuge, successor])
    return refuge


@pytest.mark.parametrize(
    ("decision", "rating", "reason"),
    [
        (
            "",
            "Amber",
            (
                "Refuge has no contract from 1 to 31 March 2027: REFUGE-2027 starts on 1 April 2027; option 1 of "
                "REFUGE-2022 could bridge it, decide by 4 January 2027"
            ),
        ),
        (
            Contract.Decision.RETENDER,
            "Red",
            (
                "Refuge has no contract from 1 to 31 March 2027: REFUGE-2027 starts on 1 April 2027; re-tender is "
                "decided, so no option will bridge it: only starting the new contract by 1 March 2027 closes it"
            ),
        ),
        (
            Contract.Decision.EXTEND,
            "Green",
            "Successor decided: REFUGE-2027 starts on 1 April 2027, overlapping Refuge's current cover by 335 days",
        ),
    ],
)
def test_recording_a_decision_changes_the_rating_at_once(client, on_22_november_2026, decision, rating, reason):
    refuge = refuge_with_an_option()
    if decision:
        commissioning_services.decision_record(
            contracts=[refuge], decision=decision, officer=None, decided_on=on_22_november_2026, reason="Cabinet"
        )
    client.force_login(make_user(role=roles.VIEWER))

    page = text(client.get(refuge.get_absolute_url()).content.decode())

    assert f"Recommissioning risk: {rating} {reason}" in page


def test_a_decided_decommission_is_not_a_gap(client, on_22_november_2026):
    team = make_team()
    counselling = make_contract(
        reference="COUNSELLING-2022",
        title="Counselling",
        start_date=date(2022, 3, 1),
        initial_term_months=60,
        option_months=(),
        team=team,
    )
    Service.objects.create(team=team, name="Counselling", category=ServiceCategory.COUNSELLING).contracts.set(
        [counselling]
    )
    make_cycle(team=team, stage="strategy", replaces=[counselling], target_start_date=date(2027, 6, 1))
    client.force_login(make_user(role=roles.VIEWER))
    before = text(client.get(counselling.get_absolute_url()).content.decode())

    commissioning_services.decision_record(
        contracts=[counselling],
        decision=Contract.Decision.DECOMMISSION,
        officer=None,
        decided_on=on_22_november_2026,
        reason="Folded into the wider contract",
    )
    after = text(client.get(counselling.get_absolute_url()).content.decode())

    assert "Counselling has no contract from 1 March to 31 May 2027" in before
    # The gap's milestone, made when the cycle was saved (changes.cycle_changed), is cancelled at once.
    summary, milestones = after.split("Milestones This contract's milestones")
    assert "Gap in cover" not in summary
    assert "has no contract from 1 March to 31 May 2027 Gap in cover Cancelled" in milestones
    assert "Recommissioning risk: Green Decommissioning decided: Counselling's cover ends on 28 February 2027" in after


def test_an_edit_that_opens_a_gap_says_so_on_the_page_it_lands_on(client, on_22_november_2026):
    _framework, _children, successor, _cycle = milton_keynes()
    client.force_login(make_user(role=roles.OFFICER))
    form = {
        "title": successor.title,
        "kind": successor.kind,
        "service_category": successor.service_category,
        "buyer": successor.buyer.pk,
        "provider": "",
        "team": successor.team.pk,
        "funding_source": successor.funding_source,
        "start_date_day": "1",
        "start_date_month": "4",
        "start_date_year": "2027",
        "initial_term_months": "60",
        "change_reason": "The later notice moves the start to 1 April",
    }

    landed = client.post(reverse("contracts:edit", args=[successor.pk]), form, follow=True)

    page = text(landed.content.decode())
    assert "Contract MK-DASS-2027 updated" in page
    assert (
        "Important Gap in cover: Refuge has no contract from 1 to 31 March 2027: MK-DASS-2027 starts on 1 April 2027, "
        "not 1 March 2027 as its cycle planned"
    ) in page


# --- the timeline ---------------------------------------------------------------------------------


def test_the_timeline_draws_each_service_as_one_row_with_its_chain_and_the_gap_in_red(client, on_22_november_2026):
    milton_keynes(new_start=date(2027, 4, 1))
    client.force_login(make_user(role=roles.VIEWER))

    page = client.get(reverse("commissioning:timeline")).content.decode()

    assert page.count('app-timeline__row--service"') == 3
    gaps = re.findall(r'<rect class="app-timeline__bar app-timeline__bar--gap"[^>]*><title>([^<]*)</title>', page)
    assert sorted(html.unescape(title).split(":")[0] for title in gaps) == [
        "Crisis intervention (IDVA) has no contract from 1 to 31 March 2027",
        "Perpetrator programme has no contract from 1 to 31 March 2027",
        "Refuge has no contract from 1 to 31 March 2027",
    ]
    services = text(section(page, "timeline-services"))
    assert (
        "Refuge Gap in cover MK-SPF-REFUGE: 1 March 2020 to 28 February 2027 MK-DASS-2027: 1 April 2027 to "
        "31 March 2032 Refuge has no contract from 1 to 31 March 2027"
    ) in services


def test_the_timeline_needs_the_same_number_of_queries_for_one_team_or_four(client, on_22_november_2026):
    client.force_login(make_user(role=roles.VIEWER))
    milton_keynes(prefix="A")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("commissioning:timeline")).status_code == 200
        return len(captured)

    one = queries()
    for prefix in ["B", "C", "D"]:
        milton_keynes(prefix=prefix, new_start=date(2027, 4, 1))

    assert queries() == one


def test_choosing_a_notices_later_start_says_it_opens_a_gap_and_makes_it_a_milestone(client, on_22_november_2026):
    from commissioning.models import Milestone
    from notices.models import Conflict

    team = make_team()
    refuge = make_contract(
        reference="REFUGE-2022", title="Refuge", start_date=date(2022, 3, 1), option_months=(), team=team
    )
    Service.objects.create(team=team, name="Refuge", category=ServiceCategory.REFUGE).contracts.set([refuge])
    cycle = make_cycle(team=team, stage="mobilisation", replaces=[refuge], target_start_date=date(2027, 3, 1))
    conflict = Conflict.objects.create(
        cycle=cycle,
        subject="Target start of the new contracts",
        ours="1 March 2027",
        theirs="1 April 2027",
        theirs_value={"target": "cycle", "field": "target_start_date", "value": "2027-04-01"},
    )
    client.force_login(make_user(role=roles.OFFICER))

    landed = client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"}, follow=True)

    page = text(landed.content.decode())
    assert (
        "Important Gap in cover: Refuge has no contract from 1 to 31 March 2027: the new contract is planned to "
        "start on 1 April 2027"
    ) in page
    (gap,) = refuge.milestones.filter(kind=Milestone.Kind.GAP_IN_COVER)
    assert gap.due_on == date(2027, 3, 1)


def test_a_team_member_sees_only_their_teams_services_and_gaps(client, on_22_november_2026):
    ours, theirs = make_team(), make_team()
    milton_keynes(prefix="MK", team=ours)
    milton_keynes(prefix="CL", team=theirs, new_start=date(2027, 4, 1))
    client.force_login(make_user(role=roles.OFFICER, teams=[ours]))

    timeline = client.get(reverse("commissioning:timeline")).content.decode()
    dashboard_page = dashboard(client)
    register = client.get(reverse("contracts:register")).content.decode()

    assert timeline.count('app-timeline__row--service"') == 3
    assert "CL-" not in timeline and "CL-" not in dashboard_page and "CL-" not in register
    assert "No gaps" in section(dashboard_page, "gaps")


def test_the_cycle_list_tags_a_cycle_whose_contracts_leave_a_gap_in_constant_queries(client, on_22_november_2026):
    milton_keynes(prefix="A")
    client.force_login(make_user(role=roles.VIEWER))

    def cycle_list() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("commissioning:cycle-list"))
        return response.content.decode(), len(captured)

    page, one = cycle_list()
    assert "Gap in cover" not in row_with(page, "A domestic abuse support services 2027")
    for prefix in ["B", "C", "D"]:
        milton_keynes(prefix=prefix, new_start=date(2027, 4, 1))

    page, four = cycle_list()
    assert four == one
    assert "Gap in cover" in row_with(page, "B domestic abuse support services 2027")
    assert "Gap in cover" not in row_with(page, "A domestic abuse support services 2027")
