"""The dashboard, the home page after signing in: what an officer sees on it, and who may."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import CommissioningCycle, Milestone
from commissioning.selectors import contract_recommissioning_risk
from contracts import roles
from contracts.models import Contract
from tests import snapshot
from tests.factories import (
    PASSWORD,
    make_buyer,
    make_contract,
    make_cycle,
    make_milestone,
    make_organisation,
    make_team,
    make_user,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Sunday 22 November 2026: the framework and Cleveland's current contracts have months to run.
NOVEMBER_2026 = "2026-11-22 10:00:00+00:00"
# Tuesday 10 March 2026: market engagement responses are due on Thursday.
MARCH_2026 = "2026-03-10 10:00:00+00:00"


@pytest.fixture
def on_22_november_2026():
    with time_machine.travel(NOVEMBER_2026, tick=False):
        yield date(2026, 11, 22)


@pytest.fixture
def on_10_march_2026():
    with time_machine.travel(MARCH_2026, tick=False):
        yield date(2026, 3, 10)


def signed_in(client, role=roles.VIEWER, **fields):
    user = make_user(role=role, **fields)
    client.force_login(user)
    return user


def dashboard(client, **params) -> str:
    response = client.get(reverse("commissioning:dashboard"), params)
    assert response.status_code == 200
    return response.content.decode()


def text(fragment: str) -> str:
    """What a reader sees: the tags stripped, entities decoded, the spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def section(page: str, element_id: str) -> str:
    """The page from the heading (or caption) with ``element_id`` to the next heading."""
    start = page.index(f'id="{element_id}"')
    end = re.search(r"<h[23][ >]", page[start:])
    return page[start : start + end.start()] if end else page[start:]


def week(page: str, heading: str) -> str:
    """The table under a "Week commencing ..." caption."""
    start = page.index(heading)
    return page[start : page.index("</table>", start)]


def rows(fragment: str) -> list[str]:
    """The text of each body row of the tables in ``fragment``."""
    body = "".join(re.findall(r"<tbody.*?</tbody>", fragment, re.DOTALL))
    return [text(row) for row in re.findall(r"<tr.*?</tr>", body, re.DOTALL)]


def ending_rows(page: str) -> list[str]:
    """Every row of the three "contracts ending" groups."""
    return [row for months in (6, 12, 18) for row in rows(section(page, f"ending-{months}"))]


def row_with(fragment: str, words: str) -> str:
    matching = [row for row in rows(fragment) if words in row]
    assert len(matching) == 1, (words, rows(fragment))
    return matching[0]


# --- who may see it -------------------------------------------------------------------------


def test_the_dashboard_is_the_home_page_at_the_site_root():
    assert reverse("commissioning:dashboard") == reverse("home") == "/"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/"


def test_signing_in_lands_on_the_dashboard(client):
    make_user(username="olivia", role=roles.OFFICER)

    response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/"
    assert '<h1 class="govuk-heading-l">Dashboard</h1>' in client.get(response.url).content.decode()


def test_a_signed_in_user_in_no_role_group_is_refused(client):
    signed_in(client, role=None)

    assert client.get("/").status_code == 403


def test_a_viewer_sees_the_dashboard(client):
    signed_in(client, roles.VIEWER)

    assert client.get("/").status_code == 200


# --- overdue milestones ---------------------------------------------------------------------


def test_overdue_milestones_show_how_many_days_overdue_and_who_owns_them(client, on_22_november_2026):
    owner = make_user(first_name="Priya", last_name="Shah")
    contract = make_contract(reference="ASC0099", title="Refuge")
    late = make_milestone(contract=contract, title="Send the Cabinet report", due_on=date(2026, 11, 19), owner=owner)
    make_milestone(
        contract=contract, title="Yesterday's deadline", due_on=date(2026, 11, 21), kind=Milestone.Kind.OTHER
    )
    make_milestone(
        contract=contract,
        title="Met already",
        due_on=date(2026, 11, 1),
        status=Milestone.Status.MET,
        met_on=date(2026, 11, 1),
    )
    make_milestone(contract=contract, title="Due today", due_on=date(2026, 11, 22))
    # Dates that simply arrive are never overdue.
    make_milestone(contract=contract, title="A term that ended", due_on=date(2026, 11, 1), kind=Milestone.Kind.TERM_END)
    signed_in(client)

    overdue = section(dashboard(client), "overdue")

    assert rows(overdue) == [
        "19 November 2026 Send the Cabinet report ASC0099 Refuge Priya Shah Overdue by 3 days",
        "21 November 2026 Yesterday's deadline ASC0099 Refuge No owner Overdue by 1 day",
    ]
    assert f'href="{late.get_absolute_url()}"' in overdue
    assert f'href="{contract.get_absolute_url()}"' in overdue


def test_with_nothing_overdue_the_dashboard_says_so(client, on_22_november_2026):
    signed_in(client)

    assert "No overdue milestones." in text(section(dashboard(client), "overdue"))


# --- the next 90 days -----------------------------------------------------------------------


def test_the_next_90_days_are_grouped_by_week_commencing_monday(client, on_10_march_2026):
    cycle = make_cycle(name="Domestic abuse support services 2027")
    responses = make_milestone(
        cycle=cycle,
        title="Market engagement responses due",
        due_at=datetime(2026, 3, 12, 12, 0, tzinfo=LONDON),
        conflict_note="The OCDS milestone says 23:59:59",
    )
    make_milestone(cycle=cycle, title="Provider event", due_on=date(2026, 3, 16), kind=Milestone.Kind.PROVIDER_EVENT)
    make_milestone(cycle=cycle, title="Next notice", due_on=date(2026, 6, 6))
    make_milestone(cycle=cycle, title="Beyond 90 days", due_on=date(2026, 6, 9))
    make_milestone(cycle=cycle, title="Cancelled", due_on=date(2026, 3, 17), status=Milestone.Status.CANCELLED)
    signed_in(client)

    page = dashboard(client)
    upcoming = section(page, "upcoming")

    assert re.findall(r"Week commencing [^<]+", upcoming) == [
        "Week commencing 9 March 2026",
        "Week commencing 16 March 2026",
        "Week commencing 1 June 2026",
    ]
    assert rows(week(upcoming, "Week commencing 9 March 2026")) == [
        "Thu 12 March 2026 midday Market engagement responses due Sources disagree "
        "Domestic abuse support services 2027 No owner Scheduled"
    ]
    assert rows(week(upcoming, "Week commencing 16 March 2026")) == [
        "Mon 16 March 2026 Provider event Domestic abuse support services 2027 No owner Scheduled"
    ]
    assert "Beyond 90 days" not in page
    assert "Cancelled" not in page
    assert f'href="{responses.get_absolute_url()}"' in upcoming
    assert f'href="{cycle.get_absolute_url()}"' in upcoming


def test_a_timed_milestone_in_summer_shows_its_london_time_not_utc(client):
    # Noon on 29 March 2027 is 11:00 UTC (British Summer Time began the day before).
    make_milestone(title="Tender deadline", due_at=datetime(2027, 3, 29, 11, 0, tzinfo=ZoneInfo("UTC")))

    with time_machine.travel("2027-03-20 09:00:00+00:00", tick=False):
        signed_in(client)
        upcoming = section(dashboard(client), "upcoming")

    assert "Mon 29 March 2027 midday Tender deadline" in text(upcoming)
    assert "11:00" not in upcoming


def test_an_event_with_an_end_time_shows_both_times(client, on_10_march_2026):
    make_milestone(
        title="Online pre-market engagement event",
        due_at=datetime(2026, 6, 8, 10, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 6, 8, 11, 30, tzinfo=LONDON),
    )
    signed_in(client)

    assert "Mon 8 June 2026 10am to 11:30am Online pre-market engagement event" in text(dashboard(client))


# --- contracts ending -----------------------------------------------------------------------


def test_contracts_ending_within_6_12_and_18_months_show_their_decision_and_risk(client, on_22_november_2026):
    # Each runs one term with no options, so its maximum end is its end date.
    def ending(reference, end_year, end_month, **fields):
        return make_contract(
            reference=reference,
            start_date=date(end_year - 5, end_month, 1),
            initial_term_months=60,
            option_months=(),
            **fields,
        )

    ending("SOON", 2027, 3, decision=Contract.Decision.RETENDER)  # ends 28 February 2027
    ending("NEXT-YEAR", 2027, 9)  # ends 31 August 2027
    later = ending("LATER", 2028, 4)  # ends 31 March 2028
    # Issue 17: a cycle with no start date for its new contract plans no cover and is not green.
    make_cycle(stage="market_engagement", replaces=[later], target_start_date=date(2028, 4, 1))
    ending("FAR", 2029, 1)  # ends 31 December 2028: beyond 18 months
    ending("ENDED", 2026, 11)  # ended 31 October 2026
    signed_in(client)

    page = dashboard(client)

    assert rows(section(page, "ending-6")) == [
        "SOON Domestic abuse refuge " + provider_of("SOON") + " 28 February 2027 Re-tender "
        "Recommissioning risk: Red Recommissioning should have started by 28 August 2025"
    ]
    assert rows(section(page, "ending-12")) == [
        "NEXT-YEAR Domestic abuse refuge " + provider_of("NEXT-YEAR") + " 31 August 2027 No decision recorded "
        "Recommissioning risk: Red Recommissioning should have started by 28 February 2026"
    ]
    assert rows(section(page, "ending-18")) == [
        "LATER Domestic abuse refuge " + provider_of("LATER") + " 31 March 2028 No decision recorded "
        "Recommissioning risk: Green Recommissioning under way (Market engagement): the new contract is planned "
        "from 1 April 2028, the day after Domestic abuse refuge's current cover ends"
    ]
    assert "Ending in 6 to 12 months" in page
    assert "Ending in 12 to 18 months" in page
    assert not any(reference in row for row in ending_rows(page) for reference in ("FAR", "ENDED"))


def provider_of(reference: str) -> str:
    return Contract.objects.get(reference=reference).provider.name


def test_contracts_at_red_or_amber_are_listed_whenever_they_end(client, on_22_november_2026):
    # Ends 31 March 2029 (beyond 18 months) but its 36-month lead time ran out on 31 March 2026.
    make_contract(
        reference="LONG-LEAD",
        start_date=date(2024, 4, 1),
        initial_term_months=60,
        option_months=(),
        recommissioning_lead_months=36,
    )
    # Ends 31 July 2028, so must start by 31 January 2027: amber.
    make_contract(reference="AMBER", start_date=date(2023, 8, 1), initial_term_months=60, option_months=())
    # Ends 28 February 2031, so must start by 28 August 2029: green, not listed.
    make_contract(reference="GREEN", start_date=date(2026, 3, 1), initial_term_months=60, option_months=())
    signed_in(client)

    at_risk = section(dashboard(client), "at-risk")

    assert [row.split()[0] for row in rows(at_risk)] == ["LONG-LEAD", "AMBER"]
    assert "Red Recommissioning should have started by 31 March 2026" in row_with(at_risk, "LONG-LEAD")
    assert "Amber Recommissioning must start by 31 January 2027" in row_with(at_risk, "AMBER")


# --- cycles by stage ------------------------------------------------------------------------


def test_cycles_are_counted_by_stage_in_stage_order_with_links(client, on_22_november_2026):
    procurement = make_cycle(name="Refuge 2028", stage="procurement")
    make_cycle(name="Counselling 2027", stage="procurement")
    make_cycle(name="IDVA 2029", stage="needs_assessment")
    signed_in(client)

    stages = section(dashboard(client), "stages")

    assert rows(stages) == [
        "Needs assessment 1 IDVA 2029",
        "Strategy and options appraisal 0",
        "Market engagement 0",
        "Procurement 2 Counselling 2027 Refuge 2028",
        "Evaluation 0",
        "Award and standstill 0",
        "Mobilisation 0",
        "Live and contract management 0",
    ]
    assert f'href="{procurement.get_absolute_url()}"' in stages


# --- filters --------------------------------------------------------------------------------


@pytest.fixture
def two_teams(on_22_november_2026):
    """One item of each kind in each of two teams; the first team's are Olivia's."""
    olivia = make_user(username="olivia", first_name="Olivia", last_name="Okafor")
    other = make_user(username="omar", first_name="Omar", last_name="Ali")
    ours, theirs = make_team(name="Domestic abuse team"), make_team(name="Cleveland team")
    for team, officer, prefix in [(ours, olivia, "OURS"), (theirs, other, "THEIRS")]:
        contract = make_contract(
            reference=f"{prefix}-CONTRACT",
            team=team,
            lead_officer=officer,
            start_date=date(2022, 3, 1),
            initial_term_months=60,
            option_months=(),
        )
        make_milestone(contract=contract, title=f"{prefix} overdue", due_on=date(2026, 11, 2), owner=officer)
        cycle = make_cycle(name=f"{prefix} cycle", team=team, lead_officer=officer)
        make_milestone(cycle=cycle, title=f"{prefix} upcoming", due_on=date(2026, 12, 2), owner=officer)
    return olivia, ours, theirs


def test_the_team_filter_shows_only_that_teams_milestones_contracts_and_cycles(client, two_teams):
    _, ours, _ = two_teams
    signed_in(client)

    page = dashboard(client, team=ours.pk)

    for shown in ["OURS overdue", "OURS upcoming", "OURS-CONTRACT", "OURS cycle"]:
        assert shown in page
    assert "THEIRS" not in page
    assert f'<option value="{ours.pk}" selected>Domestic abuse team</option>' in page


def test_my_items_only_shows_what_i_own_or_lead(client, two_teams):
    olivia, _, _ = two_teams
    client.force_login(olivia)

    page = dashboard(client, mine="on")

    for shown in ["OURS overdue", "OURS upcoming", "OURS-CONTRACT", "OURS cycle"]:
        assert shown in page
    assert "THEIRS" not in page
    assert "checked" in re.search(r'<input[^>]*name="mine"[^>]*>', page)[0]


def test_without_filters_every_teams_items_show(client, two_teams):
    signed_in(client)

    page = dashboard(client)

    for shown in ["OURS overdue", "THEIRS overdue", "OURS-CONTRACT", "THEIRS-CONTRACT", "OURS cycle", "THEIRS cycle"]:
        assert shown in page


def test_a_team_that_does_not_exist_is_ignored_rather_than_an_error(client, two_teams):
    signed_in(client)

    page = dashboard(client, team="999999")

    assert "OURS overdue" in page and "THEIRS overdue" in page


# --- a constant number of queries -----------------------------------------------------------


def fill(count: int, officer):
    """``count`` contracts, each with options, a replacing cycle and milestones of both kinds,
    all in one team (returned)."""
    CommissioningCycle.objects.all().delete()
    Contract.objects.all().delete()
    team, buyer, provider = make_team(), make_buyer(), make_organisation()
    stages = ["needs_assessment", "procurement", "award", "live"]
    for number in range(count):
        contract = make_contract(
            team=team,
            buyer=buyer,
            provider=provider,
            lead_officer=officer,
            start_date=date(2022, 1 + number % 12, 1),
            initial_term_months=60,
            option_months=(12,),
            max_extent_date=None if number % 2 else date(2028, 12, 31),
        )
        make_milestone(contract=contract, title=f"Overdue {number}", due_on=date(2026, 11, 1), owner=officer)
        cycle = make_cycle(
            team=team, lead_officer=officer, stage=stages[number % 4], replaces=[contract] if number % 3 else []
        )
        make_milestone(
            cycle=cycle,
            title=f"Upcoming {number}",
            due_at=datetime(2026, 12, 1 + number % 28, 10, tzinfo=LONDON),
            owner=officer,
        )
    return team


def dashboard_queries(client, officer, count: int, *, filtered: bool = False) -> tuple[int, str]:
    team = fill(count, officer)
    params = {"team": team.pk, "mine": "on"} if filtered else {}
    with CaptureQueriesContext(connection) as queries:
        page = dashboard(client, **params)
    return len(queries), page


def counts(page: str) -> tuple[int, int, int]:
    """How many of the made-up overdue milestones, upcoming milestones and contracts show."""
    return (
        sum(bool(re.search(r"Overdue \d+", row)) for row in rows(section(page, "overdue"))),
        len(re.findall(r">Upcoming \d+<", page)),
        len(ending_rows(page)),
    )


def test_the_dashboard_needs_the_same_number_of_queries_for_5_and_20_contracts(client, on_22_november_2026):
    officer = signed_in(client, roles.OFFICER)

    few, few_page = dashboard_queries(client, officer, 5)
    many, many_page = dashboard_queries(client, officer, 20)

    assert few == many
    # The pages really do show them: every one at 5; at 20 the overdue list stops at 25 rows
    # (20 made-up and the derived ones due before them) and says how many more there are.
    assert counts(few_page) == (5, 5, 5)
    assert counts(many_page)[1:] == (20, 20)
    assert len(rows(section(many_page, "overdue"))) == 25
    assert re.search(r"And \d+ more overdue milestones", text(section(many_page, "overdue")))


def test_the_filtered_dashboard_needs_the_same_number_of_queries_for_5_and_20_contracts(client, on_22_november_2026):
    officer = signed_in(client, roles.OFFICER)

    few, few_page = dashboard_queries(client, officer, 5, filtered=True)
    many, many_page = dashboard_queries(client, officer, 20, filtered=True)

    assert few == many
    assert counts(few_page) == (5, 5, 5)
    assert counts(many_page)[1:] == (20, 20)
    assert len(rows(section(many_page, "overdue"))) == 25


# --- the demo data --------------------------------------------------------------------------


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)  # as demo_once's: one copy of the demo for both
    with snapshot.demo_loaded():
        yield


def test_the_demo_dashboard_in_november_2026_shows_the_framework_and_cleveland_ending_within_6_months(
    client, on_22_november_2026, demo
):
    # The demo admin sees every team: Milton Keynes' and Cleveland's.
    client.force_login(get_user_model().objects.get(username="admin"))

    page = dashboard(client)
    within_6_months = section(page, "ending-6")

    framework = row_with(within_6_months, "MK-SPF-2020")
    assert "Domestic Abuse Strategic Partnership Framework" in framework
    assert "28 February 2027" in framework
    for reference in ["CLE-VS-2016", "CLE-RP-2016"]:
        assert "31 March 2027" in row_with(within_6_months, reference)
    # Each row shows its decision and its risk, as the rule rates it today.
    for reference in ["MK-SPF-2020", "CLE-VS-2016", "CLE-RP-2016"]:
        contract = Contract.objects.get(reference=reference)
        risk = contract_recommissioning_risk(contract, today=on_22_november_2026)
        row = row_with(within_6_months, reference)
        assert f"Recommissioning risk: {risk.label} {risk.reason}" in row
        assert (contract.get_decision_display() or "No decision recorded") in row
    # The 2027 contracts end years from now; ASC0013 ended in 2019.
    for reference in ["MK-DASS-2027", "CLE-VSRP-2027", "ASC0013"]:
        assert not any(reference in row for row in ending_rows(page)), reference
