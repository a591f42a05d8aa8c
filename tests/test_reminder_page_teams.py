"""The Reminders page for someone who sees every team (issue 24): it opens on their own team with
"All teams" a choice, each tab's number stops at "more than 1,000", and its cost does not grow
with the service (an admin's page read all 3 million reminders at 100,000 contracts)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import roles
from contracts.models import Team
from reminders.models import Reminder
from tests.export_helpers import read_csv
from tests.factories import make_contract, make_cycle, make_milestone, make_team, make_user
from tests.reminder_helpers import london

pytestmark = pytest.mark.django_db

URL = reverse("reminders:list")


def reminders_to(name: str, milestone, count: int, *, status=Reminder.Status.PLANNED, first: int = 0) -> None:
    """``count`` reminders of ``milestone`` to ``name`` (e.g. "Harry 0", "Harry 1", ...)."""
    send = london(2026, 3, 1, 8, 0)
    Reminder.objects.bulk_create(
        Reminder(
            milestone=milestone,
            offset=f"{number} days",
            audience=Reminder.Audience.OWNER,
            recipient_email=f"{name.lower()}{number}@example.org",
            recipient_name=f"{name} {number}",
            send_at=send + timedelta(minutes=number),
            status=status,
            sent_at=send + timedelta(minutes=number) if status == Reminder.Status.SENT else None,
        )
        for number in range(first, first + count)
    )


@pytest.fixture
def service():
    """Two teams: the admin's own, with reminders of a contract's and a cycle's milestones, and another."""
    mine, other = make_team(name="Domestic abuse team"), make_team(name="Housing team")
    reminders_to("Olivia", make_milestone(contract=make_contract(team=mine), title="Provider event"), 2)
    reminders_to("Cyd", make_milestone(cycle=make_cycle(team=mine), title="Tender deadline"), 1)
    reminders_to("Harry", make_milestone(contract=make_contract(team=other), title="Quality visit"), 3)
    reminders_to("Sam", make_milestone(contract=make_contract(team=other), title="Quality visit"), 1, status="sent")
    return mine, other


def tab_links(page: str) -> dict[str, tuple[str, str]]:
    """Each tab's words ("Upcoming (3)") and address, as the page's tab navigation shows them."""
    start = page.index('aria-label="Reminders by status"')
    nav = page[start : page.index("</nav>", start)]
    links = re.findall(r'href="([^"]*)"[^>]*>([^<]*)</a>', nav)
    return {words.split(" (")[0]: (words, html.unescape(href)) for href, words in links}


def test_an_admins_reminders_open_on_their_own_team_with_every_team_a_choice(client, service):
    mine, other = service
    client.force_login(make_user(role=roles.ADMIN, teams=[mine]))

    own = client.get(URL).content.decode()
    assert "Olivia 0" in own and "Cyd 0" in own and "Harry 0" not in own
    assert f'<option value="{mine.pk}" selected>Domestic abuse team</option>' in own
    tabs = tab_links(own)
    assert tabs["Upcoming"][0] == "Upcoming (3)" and tabs["Sent"][0] == "Sent (0)"
    assert tabs["Sent"][1] == f"?show=sent&team={mine.pk}"  # a tab keeps the team on screen
    assert "Every team's reminders" in own

    every = client.get(URL, {"team": ""}).content.decode()
    assert "Olivia 0" in every and "Harry 2" in every
    tabs = tab_links(every)
    assert tabs["Upcoming"][0] == "Upcoming (6)" and tabs["Sent"] == ("Sent (1)", "?show=sent&team=")
    sent = client.get(URL + tabs["Sent"][1]).content.decode()
    assert "Sam 0" in sent and "Olivia 0" not in sent

    theirs = client.get(URL, {"team": other.pk}).content.decode()
    assert "Harry 0" in theirs and "Olivia 0" not in theirs and tab_links(theirs)["Upcoming"][0] == "Upcoming (3)"


def test_an_officer_chooses_among_their_own_teams_only(client, service):
    mine, other = service
    client.force_login(make_user(role=roles.OFFICER, teams=[mine]))

    page = client.get(URL).content.decode()  # an officer opens on all their teams, as before
    assert "Olivia 0" in page and "Cyd 0" in page and "Harry 0" not in page
    assert "Housing team" not in page
    # Another team's address: refused as a choice, and nothing of that team shown.
    page = client.get(URL, {"team": other.pk}).content.decode()
    assert "Select a valid choice" in page and "Harry 0" not in page and "Olivia 0" in page


def test_each_tabs_number_stops_at_more_than_1000(client, service):
    mine, _ = service
    client.force_login(make_user(role=roles.ADMIN, teams=[mine]))
    milestone = make_milestone(contract=make_contract(team=mine), title="Contract ends")
    reminders_to("Many", milestone, 997)  # with the team's 3: exactly 1,000
    assert tab_links(client.get(URL).content.decode())["Upcoming"][0] == "Upcoming (1,000)"

    reminders_to("Many", milestone, 1, first=997)
    tabs = tab_links(client.get(URL).content.decode())
    assert tabs["Upcoming"][0] == "Upcoming (more than 1,000)"
    assert tabs["Sent"][0] == "Sent (0)"
    every = tab_links(client.get(URL, {"team": ""}).content.decode())
    assert every["Upcoming"][0] == "Upcoming (more than 1,000)" and every["Sent"][0] == "Sent (1)"


def test_the_download_holds_the_team_on_screen(client, service):
    mine, _ = service
    client.force_login(make_user(role=roles.ADMIN, teams=[mine]))
    page = client.get(URL).content.decode()
    link = html.unescape(re.search(r'href="([^"]*)">Download CSV', page).group(1))

    rows = read_csv(client.get(link))[1]

    assert sorted(row["To"] for row in rows) == ["Cyd 0", "Olivia 0", "Olivia 1"]


def test_an_admin_of_more_teams_than_a_list_holds_types_the_team(client, service):
    mine, other = service
    Team.objects.bulk_create(Team(name=f"Team {number:03d}") for number in range(100))
    client.force_login(make_user(role=roles.ADMIN, teams=[mine]))

    page = client.get(URL).content.decode()
    assert re.search(r'<input type="text" name="team_name" value="Domestic abuse team"', page)
    assert "Team 042" not in page  # no list of every team
    assert "Olivia 0" in page and "Harry 0" not in page

    page = client.get(URL, {"team_name": "Housing"}).content.decode()
    assert "Harry 0" in page and "Olivia 0" not in page


def test_an_admins_reminders_cost_the_same_queries_for_a_small_and_a_large_service(client, service):
    mine, other = service
    client.force_login(make_user(role=roles.ADMIN, teams=[mine]))

    def queries(path):
        client.get(path)
        with CaptureQueriesContext(connection) as counted:
            response = client.get(path)
        assert response.status_code == 200
        return len(counted)

    paths = [URL, URL + "?team=", URL + "?team=&show=sent", URL + f"?team={other.pk}&last=1"]
    small = [queries(path) for path in paths]
    for number in range(6):
        team = make_team(name=f"Team {number}")
        reminders_to("Many", make_milestone(contract=make_contract(team=team)), 60)
        reminders_to("Sent", make_milestone(contract=make_contract(team=team)), 60, status="sent")
        reminders_to("More", make_milestone(contract=make_contract(team=mine)), 60)
    assert [queries(path) for path in paths] == small


def test_each_tabs_number_counts_what_the_tab_shows_with_the_filters_applied(client, service):
    """Bug (issue 24): the tabs counted every reminder of the team whatever the recipient and
    date filters, so "Upcoming (6)" sat above a filtered list of three."""
    mine, _ = service
    client.force_login(make_user(role=roles.ADMIN, teams=[mine]))

    harry = client.get(URL, {"team": "", "recipient": "harry"}).content.decode()
    tabs = tab_links(harry)
    assert tabs["Upcoming"][0] == "Upcoming (3)" and tabs["Sent"][0] == "Sent (0)"

    sam = client.get(URL, {"team": "", "recipient": "Sam"}).content.decode()
    tabs = tab_links(sam)
    assert tabs["Upcoming"][0] == "Upcoming (0)" and tabs["Sent"][0] == "Sent (1)"
    # The tab keeps the filters, so the list it opens is the one it counted.
    sent = client.get(URL + tabs["Sent"][1]).content.decode()
    assert "Sam 0" in sent and "Harry 0" not in sent and tab_links(sent)["Sent"][0] == "Sent (1)"

    # Every reminder here is sent (or to be sent) on 1 March 2026: none from the 2nd.
    later = {"team": "", "sent_from_day": "2", "sent_from_month": "3", "sent_from_year": "2026"}
    tabs = tab_links(client.get(URL, later).content.decode())
    assert tabs["Upcoming"][0] == "Upcoming (0)" and tabs["Sent"][0] == "Sent (0)"
    on_the_day = {**later, "sent_from_day": "1", "sent_to_day": "1", "sent_to_month": "3", "sent_to_year": "2026"}
    tabs = tab_links(client.get(URL, on_the_day).content.decode())
    assert tabs["Upcoming"][0] == "Upcoming (6)" and tabs["Sent"][0] == "Sent (1)"


def test_only_reminders_to_me_counts_only_mine_in_each_tab(client, service):
    mine, _ = service
    admin = make_user(role=roles.ADMIN, teams=[mine], email="olivia1@example.org")
    client.force_login(admin)

    tabs = tab_links(client.get(URL, {"mine": "on"}).content.decode())

    assert tabs["Upcoming"][0] == "Upcoming (1)" and tabs["Sent"][0] == "Sent (0)"
    assert "mine=on" in tabs["Sent"][1]


def test_the_to_filter_is_served_by_trigram_indexes_on_postgresql():
    """Issue 24: "part of a name or address" (a LIKE with a leading wildcard) read every reminder
    of the service for the page and again for its tabs' numbers: 9.4 s for an admin's every team
    at 100,000 contracts. reminders migration 0007 adds pg_trgm's indexes on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reminders_reminder'")
        found = dict(cursor.fetchall())
    for column in ("recipient_email", "recipient_name"):
        definition = found.get(f"reminder_{column}_trigrams", "")
        assert "gin" in definition and "gin_trgm_ops" in definition and f"upper(({column})" in definition, found
