"""The lists in the navigation page with keyset pagination, never OFFSET (issue 24).

The reminders (each tab), the notices and the buyers and providers moved from Django's
Paginator (``?page=N``, an OFFSET that makes PostgreSQL read and throw away every row before
the page) to ``common.keyset`` as the register uses it: Previous, First, Last and Next, each
a cursor. For each list: walking Next reaches every row once in the list's order, Previous
walks back, the last page holds the last rows, and no query has an OFFSET.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import roles
from contracts.models import Organisation
from notices.models import Notice
from reminders.models import Reminder
from tests.factories import make_cycle, make_milestone, make_team, make_user

pytestmark = pytest.mark.django_db

ROWS = 120  # two full pages of 50 and a part page
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def ids(page: str, pattern: str) -> list[int]:
    return [int(found) for found in re.findall(pattern, page)]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]*)" rel="{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, url: str, params: dict, pattern: str) -> tuple[list[int], list[str]]:
    """Every row reached by following Next from the first page, and every page's address."""
    seen, addresses = [], []
    page = client.get(url, params).content.decode()
    while True:
        seen += ids(page, pattern)
        following = link(page, "next")
        if following is None:
            return seen, addresses
        addresses.append(following)
        page = client.get(url + following).content.decode()


def check_list(client, url: str, params: dict, pattern: str, expected: list[int], size: int = 50) -> None:
    with CaptureQueriesContext(connection) as queries:
        seen, addresses = walk(client, url, params, pattern)
        last = client.get(url, {**params, "last": "1"}).content.decode()
    assert seen == expected  # every row once, in the list's order
    assert len(addresses) == (len(expected) - 1) // size
    second = client.get(url + addresses[0]).content.decode()
    assert ids(second, pattern) == expected[size : 2 * size]
    assert ids(last, pattern) == expected[-size:] and link(last, "next") is None
    back = client.get(url + link(last, "prev")).content.decode()
    assert ids(back, pattern) == expected[-2 * size : -size]
    assert "?page=" not in second and 'aria-label="Pages of' in second
    offsets = [query["sql"] for query in queries if "OFFSET" in query["sql"]]
    assert not offsets, offsets[:1]


@pytest.fixture
def officer():
    return make_user(username="olivia", role=roles.OFFICER, teams=[make_team(name="Domestic abuse team")])


def test_the_buyers_and_providers_page_by_name_without_offset(client, officer):
    # Names repeat, so the primary key breaks the ties.
    Organisation.objects.bulk_create(Organisation(name=f"Provider {index % 70:03d}") for index in range(ROWS))
    expected = list(Organisation.objects.order_by("name", "pk").values_list("pk", flat=True))
    client.force_login(officer)
    check_list(client, reverse("contracts:organisation-list"), {}, r'href="/contracts/organisations/(\d+)/"', expected)


def test_the_notices_page_newest_first_without_offset(client, officer):
    cycle = make_cycle(team=officer.teams.get())
    Notice.objects.bulk_create(
        Notice(
            notice_type="UK2",
            fts_notice_id=f"{index:06d}-2026",
            # Every third shares its time with the one before: the newest id comes first.
            published_at=START + timedelta(hours=index - index % 3),
            cycle=cycle,
        )
        for index in range(ROWS)
    )
    expected = list(Notice.objects.order_by("-published_at", "-pk").values_list("pk", flat=True))
    client.force_login(officer)
    check_list(client, reverse("notices:list"), {}, r'href="/notices/(\d+)/"', expected)


@pytest.mark.parametrize("tab", ["upcoming", "sent", "failed", "cancelled"])
def test_each_reminders_tab_pages_in_its_order_without_offset(client, officer, tab):
    team = officer.teams.get()
    milestone = make_milestone(cycle=make_cycle(team=team), title="Provider event", due_on=START.date())
    status = {"upcoming": "planned", "sent": "sent", "failed": "failed", "cancelled": "cancelled"}[tab]
    Reminder.objects.bulk_create(
        Reminder(
            milestone=milestone,
            offset=f"{index} days",
            audience="team",
            recipient_email="da-team@example.org",
            send_at=START + timedelta(minutes=index - index % 4),
            sent_at=START + timedelta(minutes=2 * index - index % 4) if tab == "sent" else None,
            status=status,
        )
        for index in range(ROWS)
    )
    order = {"upcoming": "send_at", "sent": "-sent_at", "failed": "-send_at", "cancelled": "-send_at"}[tab]
    # Ties at one moment: newest made first on the newest-first tabs, as their index is read.
    ties = "-id" if order.startswith("-") else "id"
    expected = list(Reminder.objects.filter(status=status).order_by(order, ties).values_list("pk", flat=True))
    client.force_login(officer)
    check_list(client, reverse("reminders:list"), {"show": tab}, r'href="/reminders/(\d+)/preview/"', expected)


def test_a_hand_edited_cursor_gives_the_first_page(client, officer):
    Organisation.objects.bulk_create(Organisation(name=f"Provider {index:03d}") for index in range(60))
    client.force_login(officer)
    url = reverse("contracts:organisation-list")
    first = client.get(url).content.decode()
    edited = client.get(url, {"after": "not-a-cursor"})
    assert edited.status_code == 200
    pattern = r'href="/contracts/organisations/(\d+)/"'
    assert ids(edited.content.decode(), pattern) == ids(first, pattern)


def cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


WRONG_VALUES = ["not-a-value", 7, {"t": "2026-11-01T08:00:00+00:00"}, {"d": "2026-11-01"}, None, True, [1]]


@pytest.mark.parametrize(
    "name",
    [
        "contracts:register",
        "contracts:organisation-list",
        "reminders:list",
        "notices:list",
        "commissioning:cycle-list",
        "reports:list",
        "commissioning:service-list",
    ],
)
def test_a_cursor_whose_values_are_of_the_wrong_kind_gives_the_first_page(client, officer, name):
    """A cursor that decodes but whose values cannot be the list's (text for a date, a date for
    an id, a list): the first page, never a server error."""
    url = reverse(name)
    client.force_login(officer)
    first = client.get(url)
    assert first.status_code == 200
    for length in range(1, 5):
        for wrong in WRONG_VALUES:
            for position in range(length):
                values = [wrong if index == position else 1 for index in range(length)]
                for direction in ("after", "before"):
                    response = client.get(url, {direction: cursor(values)})
                    assert response.status_code == 200, (name, direction, values)


def test_the_cycles_page_by_target_start_without_offset(client, officer):
    from commissioning.models import CommissioningCycle

    team = officer.teams.get()
    CommissioningCycle.objects.bulk_create(
        CommissioningCycle(
            name=f"Cycle {index % 50:03d}",
            service_category="combined",
            team=team,
            stage="needs_assessment",
            # Shared dates, and some not set (they come last).
            target_start_date=None if index % 7 == 0 else START.date() + timedelta(days=index % 30),
        )
        for index in range(ROWS)
    )
    expected = list(
        CommissioningCycle.objects.order_by(F("target_start_date").asc(nulls_last=True), "name", "pk").values_list(
            "pk", flat=True
        )
    )
    client.force_login(officer)
    check_list(client, reverse("commissioning:cycle-list"), {}, r'href="/cycles/(\d+)/"', expected)


def test_the_reports_page_latest_meeting_first_without_offset(client, officer):
    from reports.models import DecisionReport
    from tests.factories import make_contract

    contract = make_contract(reference="MK-REFUGE", team=officer.teams.get())
    DecisionReport.objects.bulk_create(
        DecisionReport(
            kind=DecisionReport.Kind.RECOMMISSIONING,
            title=f"Report {index % 40:03d}",
            contract=contract,
            # Shared dates, and some not set (they come first, as the newest).
            meeting_date=None if index % 9 == 0 else START.date() + timedelta(days=7 * (index % 20)),
        )
        for index in range(ROWS)
    )
    expected = list(
        DecisionReport.objects.order_by(F("meeting_date").desc(nulls_first=True), "title", "pk").values_list(
            "pk", flat=True
        )
    )
    client.force_login(officer)
    check_list(client, reverse("reports:list"), {}, r'href="/reports/(\d+)/"', expected)


def test_the_services_page_by_team_and_name_without_offset(client):
    from commissioning.models import Service

    teams = [make_team(name="Domestic abuse team"), make_team(name="A second team")]
    officer = make_user(username="olivia", role=roles.OFFICER, teams=teams)
    Service.objects.bulk_create(
        Service(team=teams[index % 2], name=f"Service {index // 2:03d}", category="refuge") for index in range(ROWS)
    )
    expected = list(Service.objects.order_by("team__name", "name", "pk").values_list("pk", flat=True))
    client.force_login(officer)
    check_list(client, reverse("commissioning:service-list"), {}, r'href="/services/(\d+)/"', expected)


@pytest.mark.parametrize("tab", ["upcoming", "sent"])
def test_a_deep_reminders_page_starts_where_the_tabs_index_does(client, officer, tab):
    """Issue 24: "after this reminder" spelled out with OR made PostgreSQL read every reminder
    before the cursor (2.2 s for a next page half way through an admin's 2.6 million upcoming
    reminders at 100,000 contracts). The upcoming tab's is the row value "(send_at, id) > (...)"
    its index starts at; the sent tab's (a sent time can be empty) carries "sent_at <= ..." beside."""
    team = officer.teams.get()
    milestone = make_milestone(cycle=make_cycle(team=team), title="Provider event", due_on=START.date())
    status = "planned" if tab == "upcoming" else "sent"
    Reminder.objects.bulk_create(
        Reminder(
            milestone=milestone,
            offset=f"{index} days",
            audience="team",
            recipient_email="da-team@example.org",
            send_at=START + timedelta(minutes=index),
            sent_at=START + timedelta(minutes=index) if tab == "sent" else None,
            status=status,
        )
        for index in range(60)
    )
    client.force_login(officer)
    following = link(client.get(reverse("reminders:list"), {"show": tab}).content.decode(), "next")
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("reminders:list") + following)
    page = next(q["sql"] for q in queries if q["sql"].startswith('SELECT "reminders_reminder"."id"'))
    if tab == "upcoming":
        assert '("reminders_reminder"."send_at", "reminders_reminder"."id") > (' in page
    else:
        assert '"reminders_reminder"."sent_at" <= ' in page


def test_the_registers_page_is_chosen_by_id_before_its_rows_are_read(client):
    """Issue 24: an admin's register "active, ending within 24 months" by provider sorted 23,000
    whole rows at 100,000 contracts for a page of 25; the ids now come from the register's
    filter index (contract_register_filters) and only the page's rows are read."""
    client.force_login(make_user(role=roles.ADMIN))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("contracts:register"), {"status": "active", "sort": "provider"})
    assert response.status_code == 200
    page = next(q["sql"] for q in queries if 'AS "options_left"' in q["sql"])
    assert '"contracts_contract"."id" IN (SELECT' in page and page.count(" LIMIT 26") == 2
