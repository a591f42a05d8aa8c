"""The Transparency Code quarterly contracts return: the quarter, the rule, the columns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts import roles
from exports.transparency import Quarter, last_complete_quarter, quarters_up_to
from tests.export_helpers import attachment_name, read_csv, read_xlsx, spreadsheet_download
from tests.factories import make_buyer, make_contract, make_organisation, make_team, make_user

pytestmark = pytest.mark.usefixtures("frozen_today")


# The documented order (docs/exports.md): the buying organisation, then the Code's fields.
TRANSPARENCY_HEADINGS = [
    "Organisation",
    "Reference number",
    "Title of agreement",
    "Department responsible",
    "Description of goods and services",
    "Supplier name",
    "Supplier Companies House number",
    "Supplier charity number",
    "Total value (£)",
    "Estimated annual value (£)",
    "Non-recoverable VAT (£)",
    "Start date",
    "End date",
    "Review date",
    "Invitation to quote or published tender",
    "SME",
    "VCSE",
]


# --- quarters (no database) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "key", "first", "last"),
    [
        (date(2026, 4, 1), "2026-Q1", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 9, 30), "2026-Q2", date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 12, 31), "2026-Q3", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), "2026-Q4", date(2027, 1, 1), date(2027, 3, 31)),
        (date(2024, 2, 29), "2023-Q4", date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_financial_year_quarters_run_april_to_june_july_to_september_and_so_on(day, key, first, last):
    quarter = Quarter.containing(day)

    assert (quarter.key, quarter.first, quarter.last) == (key, first, last)
    assert Quarter.parse(key) == quarter


def test_the_default_quarter_is_the_last_complete_one():
    assert last_complete_quarter(date(2026, 11, 22)).key == "2026-Q2"
    assert last_complete_quarter(date(2026, 4, 1)).key == "2025-Q4"
    assert Quarter(2026, 4).label == "Q4 2026 to 2027: January to March 2027"


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "26-Q1", "2026Q1", "", "2026-Q1x", "abcd-Q1"])
def test_anything_but_a_year_and_quarter_is_not_a_quarter(text):
    with pytest.raises(ValueError):
        Quarter.parse(text)


def test_the_quarters_offered_run_from_the_codes_first_to_this_one_newest_first():
    quarters = quarters_up_to(date(2026, 11, 22))

    assert quarters[0].key == "2026-Q3" and quarters[-1].key == "2015-Q1"
    assert len(quarters) == 4 * 11 + 3


# --- which contracts are in a quarter -------------------------------------------------------


db = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team(name="Domestic abuse team")


@pytest.fixture
def officer(team):
    return make_user(username="olivia", role=roles.OFFICER, teams=[team])


def references(client, quarter="2026-Q2", extra=""):
    return [
        row["Reference number"]
        for row in read_csv(client.get(reverse("exports:transparency-csv") + f"?quarter={quarter}{extra}"))[1]
    ]


@db
def test_only_contracts_worth_more_than_5000_pounds_are_in_the_return(client, team, officer):
    make_contract(reference="EXACTLY-5000", team=team, start_date=date(2026, 1, 1), total_value=Decimal("5000.00"))
    make_contract(reference="JUST-OVER", team=team, start_date=date(2026, 1, 1), total_value=Decimal("5000.01"))
    make_contract(reference="ANNUAL-ONLY", team=team, start_date=date(2026, 1, 1), annual_value=Decimal("6000"))
    make_contract(
        reference="SMALL-TOTAL",
        team=team,
        start_date=date(2026, 1, 1),
        total_value=Decimal("4000"),
        annual_value=Decimal("9000"),
    )
    client.force_login(officer)

    assert references(client) == ["ANNUAL-ONLY", "JUST-OVER"]


@db
def test_a_contract_is_in_every_quarter_it_was_in_force_for_even_one_day(client, team, officer):
    money = {"total_value": Decimal("100000"), "team": team, "option_months": ()}
    make_contract(reference="ENDS-30-JUNE", start_date=date(2025, 7, 1), initial_term_months=12, **money)
    make_contract(reference="ENDS-1-JULY", start_date=date(2025, 7, 2), initial_term_months=12, **money)
    make_contract(reference="STARTS-LAST-DAY", start_date=date(2026, 9, 30), **money)
    make_contract(reference="STARTS-NEXT-QUARTER", start_date=date(2026, 10, 1), **money)
    make_contract(reference="TERMINATED-BEFORE", start_date=date(2025, 1, 1), terminated_on=date(2026, 6, 30), **money)
    make_contract(reference="TERMINATED-DURING", start_date=date(2025, 1, 1), terminated_on=date(2026, 8, 15), **money)
    client.force_login(officer)

    assert references(client, "2026-Q2") == ["ENDS-1-JULY", "STARTS-LAST-DAY", "TERMINATED-DURING"]
    assert "ENDS-30-JUNE" in references(client, "2026-Q1")
    # A terminated contract ends on its termination date in the return.
    row = read_csv(client.get(reverse("exports:transparency-csv") + "?quarter=2026-Q2"))[1][-1]
    assert row["Reference number"] == "TERMINATED-DURING" and row["End date"] == "2026-08-15"


@db
def test_the_spreadsheet_has_date_cells_and_money_as_numbers_in_the_documented_order(client, team, officer):
    make_contract(
        reference="MK-REFUGE",
        title="Refuge",
        team=team,
        start_date=date(2026, 4, 1),
        initial_term_months=36,
        provider=make_organisation(
            name="Refuge charity", charity_number="1234567", company_number="07654321", is_sme=True, is_vcse=True
        ),
        total_value=Decimal("1574983.50"),
        annual_value=Decimal("524994.50"),
        non_recoverable_vat=Decimal("0"),
        review_date=date(2027, 9, 1),
        procurement_route="invitation_to_quote",
    )
    client.force_login(officer)

    response = spreadsheet_download(client, reverse("exports:transparency-xlsx") + "?quarter=2026-Q2")

    headings, rows, sheet = read_xlsx(response)
    assert headings == TRANSPARENCY_HEADINGS
    row = {heading: cell.value for heading, cell in rows[0].items()}
    assert Decimal(str(row["Total value (£)"])) == Decimal("1574983.50")
    assert Decimal(str(row["Estimated annual value (£)"])) == Decimal("524994.50")
    assert row["Non-recoverable VAT (£)"] == 0  # recorded as none: a number, not a blank
    assert rows[0]["Start date"].is_date and row["Start date"].date() == date(2026, 4, 1)
    assert row["End date"].date() == date(2029, 3, 31) and row["Review date"].date() == date(2027, 9, 1)
    assert (row["Supplier charity number"], row["Supplier Companies House number"]) == ("1234567", "07654321")
    assert row["Invitation to quote or published tender"] == "Invitation to quote"
    assert (row["SME"], row["VCSE"]) == ("Yes", "Yes")
    assert row["Department responsible"] == "Domestic abuse team"
    assert attachment_name(response) == "transparency-contracts-2026-Q2-2026-11-22.xlsx"


@db
def test_a_formula_in_a_supplier_name_arrives_as_text(client, team, officer):
    make_contract(
        reference="EVIL",
        team=team,
        start_date=date(2026, 1, 1),
        total_value=Decimal("9000"),
        provider=make_organisation(name='=HYPERLINK("http://evil.example")'),
    )
    client.force_login(officer)

    csv_row = read_csv(client.get(reverse("exports:transparency-csv") + "?quarter=2026-Q2"))[1][0]
    xlsx_row = read_xlsx(spreadsheet_download(client, reverse("exports:transparency-xlsx") + "?quarter=2026-Q2"))[1][0]

    assert csv_row["Supplier name"] == xlsx_row["Supplier name"].value == '\'=HYPERLINK("http://evil.example")'


@db
def test_the_organisation_filter_and_the_teams_decide_whose_contracts_are_in_it(client, team, officer):
    council, police = make_buyer(name="A council"), make_buyer(name="A police commissioner")
    money = {"start_date": date(2026, 1, 1), "total_value": Decimal("9000")}
    make_contract(reference="COUNCIL", team=team, buyer=council, **money)
    make_contract(reference="POLICE", team=team, buyer=police, **money)
    make_contract(reference="OTHER-TEAM", team=make_team(name="Other team"), buyer=council, **money)
    client.force_login(officer)

    assert references(client) == ["COUNCIL", "POLICE"]
    assert references(client, extra=f"&buyer={council.pk}") == ["COUNCIL"]


@db
def test_a_bad_quarter_is_a_form_error_on_the_page_and_a_400_for_the_download(client, officer):
    client.force_login(officer)

    for bad in ["2026-Q5", "2014-Q1", "next quarter", ""]:
        page = client.get(reverse("exports:transparency"), {"quarter": bad})
        assert page.status_code == 200, bad
        text = page.content.decode()
        assert "There is a problem" in text and (
            "Select a quarter from the list" in text or "Select the quarter" in text
        ), bad
        assert "Download the return" not in text
        download = client.get(reverse("exports:transparency-csv"), {"quarter": bad})
        assert download.status_code == 400 and "There is a problem" in download.content.decode(), bad

    page = client.get(reverse("exports:transparency"), {"quarter": "2026-Q2", "buyer": "999"})
    assert "Select an organisation from the list" in page.content.decode()


@db
def test_the_page_opens_on_the_last_complete_quarter(client, officer):
    client.force_login(officer)

    text = client.get(reverse("exports:transparency")).content.decode()

    assert '<option value="2026-Q2" selected>' in text
    assert "Q2 2026 to 2027: July to September 2026" in text
    assert "?quarter=2026-Q2" in text  # the download links


# --- the demo data --------------------------------------------------------------------------


@pytest.fixture
def demo(demo_once):
    """The demo's people by username; the demo is loaded once for this module (tests/conftest.py)."""
    return demo_once


MK = "Milton Keynes City Council"
MK_TEAM = "Domestic abuse commissioning team"
PARTNERSHIP = "Milton Keynes Domestic Abuse Partnership"


@db
def test_the_demo_return_for_july_to_september_2026_is_the_partnership_framework(client, demo):
    client.force_login(demo["admin"])

    headings, rows = read_csv(client.get(reverse("exports:transparency-csv") + "?quarter=2026-Q2"))

    assert headings == TRANSPARENCY_HEADINGS
    assert len(rows) == 1
    row = rows[0]
    assert [row[h] for h in TRANSPARENCY_HEADINGS] == [
        MK,
        "MK-SPF-2020",
        "Domestic Abuse Strategic Partnership Framework",
        MK_TEAM,
        row["Description of goods and services"],
        PARTNERSHIP,
        "",
        "",
        "",
        "550000.00",
        "",
        "2020-03-01",
        "2027-02-28",
        "",
        "",
        "No",
        "No",
    ]
    assert row["Description of goods and services"].startswith("Milton Keynes' core domestic abuse services")


@db
def test_the_demo_return_for_april_to_june_2019_is_asc0013_with_its_extension(client, demo):
    client.force_login(demo["admin"])

    rows = read_csv(client.get(reverse("exports:transparency-csv") + "?quarter=2019-Q1"))[1]

    assert [row["Reference number"] for row in rows] == ["ASC0013"]
    row = rows[0]
    assert (row["Supplier name"], row["Total value (£)"], row["Estimated annual value (£)"]) == (
        "MK ACT",
        "2624970.00",
        "524994.00",
    )
    assert (row["Start date"], row["End date"]) == ("2014-09-01", "2019-08-31")
    assert row["Invitation to quote or published tender"] == "Published invitation to tender"
    assert (row["SME"], row["VCSE"]) == ("No", "Yes")


@db
def test_the_demo_page_lists_what_it_left_out_and_the_officer_sees_only_their_team(client, demo):
    with time_machine.travel("2027-04-15 10:00:00+01:00", tick=False):  # once January to March 2027 is over
        client.force_login(demo["officer"])
        page = client.get(reverse("exports:transparency")).content.decode()
        rows = read_csv(client.get(reverse("exports:transparency-csv") + "?quarter=2026-Q4"))[1]

    assert "Q4 2026 to 2027: January to March 2027" in page
    assert [row["Reference number"] for row in rows] == ["MK-SPF-2020"]
    # In force from 1 March 2027, worth £4.4 million, but not yet awarded: left out and listed.
    assert "No supplier recorded" in page and "MK-DASS-2027" in page
    assert "No value recorded" in page and "MK-SPF-IDVA" in page
    assert "CLE-" not in page and "Cleveland" not in page  # another team's contracts and buyer
