"""The milestones download (the dashboard's filters) and the reminders download (the page's tab)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import Milestone
from contracts import roles
from reminders.models import Reminder
from tests.export_helpers import attachment_name, body, read_csv, read_xlsx, spreadsheet_download
from tests.factories import make_contract, make_cycle, make_milestone, make_team, make_user
from tests.reminder_helpers import london

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


MILESTONE_HEADINGS = [
    "Due date",
    "Due time (UK)",
    "Ends (UK)",
    "Milestone",
    "Kind",
    "Status",
    "Met on",
    "Contract reference",
    "Contract title",
    "Cycle",
    "Team",
    "Owner",
    "Source",
    "Sources disagree",
    "Description",
]
REMINDER_HEADINGS = [
    "Send at (UK)",
    "Sent at (UK)",
    "Status",
    "Milestone",
    "Milestone due date",
    "Contract or cycle",
    "To",
    "Email",
    "Audience",
    "Which",
    "Notes",
    "Last error",
    "Late",
    "Attempts",
]


@pytest.fixture
def teams():
    return make_team(name="Milton Keynes team"), make_team(name="Cleveland team")


@pytest.fixture
def officer(teams):
    """Works in both teams, so the team filter has something to leave out."""
    return make_user(
        username="olivia",
        role=roles.OFFICER,
        first_name="Olivia",
        last_name="Okafor",
        email="olivia@example.org",
        teams=list(teams),
    )


@pytest.fixture
def milestones(teams, officer):
    mk, cleveland = teams
    contract = make_contract(reference="MK-DASS-2027", title="Domestic abuse support", team=mk, option_months=())
    engagement = make_milestone(
        contract=contract,
        title="Market engagement responses due",
        kind=Milestone.Kind.MARKET_ENGAGEMENT,
        due_on=date(2026, 3, 12),
        due_at=london(2026, 3, 12, 12, 0),
        owner=officer,
        status=Milestone.Status.MET,
        met_on=date(2026, 3, 11),
        conflict_note="The notice says 12 noon; the OCDS milestone says 23:59:59",
    )
    cycle = make_cycle(name="Cleveland victim support 2027", team=cleveland)
    event = make_milestone(
        cycle=cycle,
        title="Provider event",
        kind=Milestone.Kind.PROVIDER_EVENT,
        due_on=date(2026, 6, 8),
        due_at=london(2026, 6, 8, 10, 0),
        ends_at=london(2026, 6, 8, 11, 30),
    )
    return engagement, event


def download(client, name, query=""):
    if name.endswith("-xlsx"):  # made by a worker: ask, run it, download what it made
        return spreadsheet_download(client, reverse(f"exports:{name}") + query)
    return client.get(reverse(f"exports:{name}") + query)


def by_title(rows, key="Milestone"):
    return {(row[key] if isinstance(row[key], str) else row[key].value): row for row in rows}


def test_the_milestones_csv_has_each_milestone_with_london_times_and_its_team(client, officer, milestones):
    client.force_login(officer)

    response = download(client, "milestones-csv")

    headings, rows = read_csv(response)
    assert headings == MILESTONE_HEADINGS
    row = by_title(rows)["Market engagement responses due"]
    assert row["Due date"] == "2026-03-12"
    assert row["Due time (UK)"] == "12:00"
    assert row["Status"] == "Met" and row["Met on"] == "2026-03-11"
    assert row["Contract reference"] == "MK-DASS-2027" and row["Contract title"] == "Domestic abuse support"
    assert row["Team"] == "Milton Keynes team"
    assert row["Owner"] == "Olivia Okafor"
    assert row["Sources disagree"] == "The notice says 12 noon; the OCDS milestone says 23:59:59"
    event = by_title(rows)["Provider event"]
    # 8 June is in British Summer Time: 10:00 in London is 09:00 UTC.
    assert (event["Due time (UK)"], event["Ends (UK)"]) == ("10:00", "11:30")
    assert event["Cycle"] == "Cleveland victim support 2027" and event["Team"] == "Cleveland team"
    assert attachment_name(response) == "milestones-2026-11-22.csv"


def test_the_milestones_spreadsheet_has_date_and_time_cells(client, officer, milestones):
    client.force_login(officer)

    headings, rows, sheet = read_xlsx(download(client, "milestones-xlsx"))

    assert headings == MILESTONE_HEADINGS
    row = by_title(rows)["Market engagement responses due"]
    assert row["Due date"].is_date and row["Due date"].value.date() == date(2026, 3, 12)
    assert row["Due time (UK)"].value == time(12, 0)
    assert row["Met on"].value.date() == date(2026, 3, 11)
    assert by_title(rows)["Provider event"]["Ends (UK)"].value == time(11, 30)
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("name", ["milestones-csv", "milestones-xlsx"])
def test_the_dashboards_team_and_my_items_filters_apply_to_the_milestones_download(
    client, officer, teams, milestones, name
):
    mk, cleveland = teams
    client.force_login(officer)
    read = read_csv if name.endswith("csv") else read_xlsx

    only_cleveland = by_title(read(download(client, name, f"?team={cleveland.pk}"))[1])
    mine = by_title(read(download(client, name, "?mine=on"))[1])

    assert "Provider event" in only_cleveland and "Market engagement responses due" not in only_cleveland
    assert set(mine) == {"Market engagement responses due"}


def test_another_teams_milestones_are_not_in_the_download(client, teams, milestones):
    mk, cleveland = teams
    client.force_login(make_user(role=roles.OFFICER, teams=[cleveland]))

    titles = set(by_title(read_csv(download(client, "milestones-csv"))[1]))

    assert "Provider event" in titles
    assert not any("MK-DASS-2027" in title or title == "Market engagement responses due" for title in titles)


@pytest.fixture
def failed_reminder(milestones, officer):
    """One of the engagement deadline's planned reminders, failed on a permanent SMTP error."""
    engagement, event = milestones
    reminder = Reminder.objects.create(
        milestone=engagement,
        offset="1 week",
        audience=Reminder.Audience.OWNER,
        recipient_email="olivia@example.org",
        recipient_name="Olivia Okafor",
        send_at=london(2026, 3, 5, 8, 0),
        status=Reminder.Status.FAILED,
        attempts=3,
        last_error="=cmd|' /C calc'!A0 550 mailbox unavailable",
    )
    Reminder.objects.create(
        milestone=event,
        offset="morning of",
        audience=Reminder.Audience.TEAM,
        recipient_email="cleveland@example.org",
        send_at=london(2026, 6, 8, 8, 0),
        status=Reminder.Status.FAILED,
        last_error="550 no such mailbox",
    )
    return reminder


def test_the_reminders_csv_holds_the_tab_on_screen_with_london_times(client, officer, failed_reminder):
    client.force_login(officer)

    response = download(client, "reminders-csv", "?show=failed")

    headings, rows = read_csv(response)
    assert headings == REMINDER_HEADINGS
    assert [row["Milestone"] for row in rows] == ["Provider event", "Market engagement responses due"]  # newest first
    row = rows[1]
    assert row["Send at (UK)"] == "2026-03-05 08:00"
    assert row["Sent at (UK)"] == ""
    assert row["Status"] == "Failed"
    assert row["Milestone due date"] == "2026-03-12"
    assert row["Contract or cycle"] == "MK-DASS-2027"
    assert (row["To"], row["Email"], row["Audience"], row["Which"]) == (
        "Olivia Okafor",
        "olivia@example.org",
        "Owner",
        "1 week",
    )
    assert row["Last error"] == "'=cmd|' /C calc'!A0 550 mailbox unavailable"
    assert row["Attempts"] == "3" and row["Late"] == "No"
    assert rows[0]["Contract or cycle"] == "Cleveland victim support 2027"
    assert attachment_name(response) == "reminders-failed-2026-11-22.csv"


def test_the_reminders_spreadsheet_has_datetime_cells_in_london_time(client, officer, failed_reminder):
    client.force_login(officer)

    headings, rows, sheet = read_xlsx(download(client, "reminders-xlsx", "?show=failed"))

    row = by_title(rows)["Market engagement responses due"]
    assert row["Send at (UK)"].is_date and row["Send at (UK)"].value == datetime(2026, 3, 5, 8, 0)
    assert row["Milestone due date"].value.date() == date(2026, 3, 12)
    assert row["Attempts"].value == 3
    assert row["Last error"].value.startswith("'=cmd")
    assert sheet.title == "Reminders (failed)"


def test_only_my_reminders_and_only_my_teams_reminders_are_downloaded(client, teams, officer, failed_reminder):
    mk, cleveland = teams
    client.force_login(officer)
    mine = read_csv(download(client, "reminders-csv", "?show=failed&mine=1"))[1]
    assert [row["Email"] for row in mine] == ["olivia@example.org"]

    client.force_login(make_user(role=roles.OFFICER, teams=[cleveland]))
    theirs = read_csv(download(client, "reminders-csv", "?show=failed"))[1]
    assert [row["Milestone"] for row in theirs] == ["Provider event"]


def test_an_unknown_tab_downloads_the_upcoming_reminders_as_the_page_shows_them(
    client, teams, officer, failed_reminder
):
    make_milestone(
        contract=make_contract(team=teams[0], option_months=()),
        title="Tender deadline",
        kind=Milestone.Kind.TENDER_DEADLINE,
        due_on=date(2027, 1, 15),
        owner=officer,
    )
    client.force_login(officer)

    rows = read_csv(download(client, "reminders-csv", "?show=nonsense"))[1]

    planned = Reminder.objects.filter(status__in=[Reminder.Status.PLANNED, Reminder.Status.SENDING]).count()
    assert len(rows) == planned > 0
    assert {row["Status"] for row in rows} <= {"Planned", "Sending"}


def test_both_downloads_read_the_same_number_of_queries_for_few_or_many_rows(client, teams, officer, milestones):
    client.force_login(officer)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            for name in ("milestones-csv", "milestones-xlsx", "reminders-csv", "reminders-xlsx"):
                body(download(client, name, "?show=upcoming"))
        return len(captured)

    few = queries()
    for number in range(8):
        contract = make_contract(team=teams[number % 2], option_months=(12,))
        make_milestone(contract=contract, title=f"Deadline {number}", due_on=date(2027, 1, 15), owner=officer)

    assert Reminder.objects.filter(status=Reminder.Status.PLANNED).count() > 8
    assert queries() == few
