"""Reading a register file and parsing its rows: pure, no database (registers.reading, registers.parsing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from registers import parsing, reading
from registers.parsing import (
    CellError,
    Context,
    KnownOrganisation,
    OrganisationIndex,
    parse_row,
)
from registers.samples import TRANSPARENCY_HEADERS, csv_bytes, xlsx_bytes


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("01/03/2027", date(2027, 3, 1)),
        ("1/3/27", date(2027, 3, 1)),
        ("1 Mar 2027", date(2027, 3, 1)),
        ("1st March 2027", date(2027, 3, 1)),
        ("2027-03-01", date(2027, 3, 1)),
        ("1-Mar-27", date(2027, 3, 1)),
        (46447, date(2027, 3, 1)),  # an Excel serial number
        ("46447", date(2027, 3, 1)),
        (date(2027, 3, 1), date(2027, 3, 1)),
        ("", None),
    ],
)
def test_dates_are_read_in_the_shapes_registers_use(cell, expected):
    assert parsing.read_date(cell) == expected


@pytest.mark.parametrize("cell", ["31/02/2026", "ongoing", "TBC", "12", "2027"])
def test_a_cell_that_is_not_a_date_says_so_in_its_own_words(cell):
    with pytest.raises(CellError) as error:
        parsing.read_date(cell)
    assert str(error.value) == f"{cell} is not a date"


@pytest.mark.parametrize(
    "cell, amount, note",
    [
        ("£524,994.00", "524994.00", ""),
        ("524994", "524994.00", ""),
        (524994, "524994.00", ""),
        ("£50k", "50000.00", ""),
        ("1.2m", "1200000.00", ""),
        ("£12,000 + VAT", "12000.00", "excluding VAT"),
        ("12000 (exc VAT)", "12000.00", "excluding VAT"),
        ("£1,000 inc. VAT", "1000.00", "including VAT"),
        ("£50,000 p.a.", "50000.00", ""),
    ],
)
def test_money_is_read_with_pounds_commas_thousands_and_vat_notes(cell, amount, note):
    money = parsing.read_money(cell)
    assert money.amount == Decimal(amount) and money.note == note


@pytest.mark.parametrize("cell", ["£10,000 - £20,000", "TBC", "various"])
def test_a_cell_that_is_not_money_says_so(cell):
    with pytest.raises(CellError, match="is not an amount of money"):
        parsing.read_money(cell)


@pytest.mark.parametrize(
    "cell, options, initial",
    [
        ("2 x 12 months", (12, 12), None),
        ("Extension 2 x 12 months", (12, 12), None),
        ("Option to extend for 2 x 12 months", (12, 12), None),
        ("2x1 year", (12, 12), None),
        ("two 12-month extensions", (12, 12), None),
        ("+1+1", (12, 12), None),
        ("3+1+1", (12, 12), 36),
        ("1 year", (12,), None),
        ("12 months + 6 months", (12, 6), None),
        ("None", (), None),
        ("N/A", (), None),
    ],
)
def test_extension_text_becomes_options_where_it_is_unambiguous(cell, options, initial):
    extensions = parsing.read_extensions(cell)
    assert extensions.options == options and extensions.initial_months == initial


@pytest.mark.parametrize("cell", ["up to 24 months", "option to extend", "TBC", "1 or 2 years"])
def test_extension_text_that_could_mean_several_things_is_flagged(cell):
    with pytest.raises(CellError, match="does not say how many options"):
        parsing.read_extensions(cell)


@pytest.mark.parametrize(
    "heading, field",
    [
        ("Reference number", "reference"),
        ("Title of agreement", "title"),
        ("Supplier name", "provider"),
        ("Supplier Companies House number", "company_number"),
        ("Total value (£)", "total_value"),
        ("Estimated annual value (£)", "annual_value"),
        ("Non-recoverable VAT (£)", "non_recoverable_vat"),
        ("Irrecoverable VAT", "non_recoverable_vat"),
        ("Start date (dd/mm/yyyy)", "start_date"),
        ("CONTRACT END DATE", "end_date"),
        ("End of initial term", "initial_end_date"),  # the tracker's own export
        ("Maximum extent date", "max_extent_date"),
        ("SME/VCSE", "sme_vcse"),
        ("Invitation to quote or published tender", "procurement_route"),
        ("Days to end", ""),
    ],
)
def test_headings_are_matched_by_name_and_common_synonyms(heading, field):
    assert parsing.match_header(heading) == field


def test_a_remembered_mapping_wins_over_the_guess_and_each_field_is_used_once():
    mapping = parsing.guess_mapping(["Ref", "Contract ref", "Provider"], remembered={"provider": ""})
    assert mapping == ["reference", "", ""]


# --- reading files ---------------------------------------------------------------------------

HEADERS = ["Contract Ref", "Contract Title", "Supplier", "Start", "End", "Value"]
ROWS = [["R-1", "Café refuge", "Refuge Café Ltd", "01/04/2025", "31/03/2028", "£120,000"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_a_csv_in_any_of_the_three_encodings_reads_the_same(encoding):
    table = reading.read_table(csv_bytes(HEADERS, ROWS, encoding=encoding), parsing.header_score)
    assert table.headers == HEADERS
    assert list(table.rows) == [(2, ROWS[0])]


def test_a_csv_with_a_title_line_and_blank_rows_keeps_the_row_numbers_a_spreadsheet_shows():
    data = csv_bytes(
        HEADERS,
        [ROWS[0], [""] * 6, ["R-2", "Second", "S", "01/04/2025", "31/03/2026", "1"]],
        title="Contracts register, quarter 3",
    )
    table = reading.read_table(data, parsing.header_score)
    assert table.header_row == 3
    assert [number for number, _ in table.rows] == [4, 6]


def test_an_xlsx_with_a_merged_title_and_a_merged_group_heading_finds_its_header():
    headers = ["Reference", "Title", "Start date", "End date", "Name", "Companies House number"]
    data = xlsx_bytes(
        headers,
        [
            ["R-1", "Refuge", date(2025, 4, 1), date(2028, 3, 31), "Refuge Charity", "01234567"],
            [None] * 6,
            ["R-2", "IDVA", 45748, "31 Mar 2027", "Advocacy Trust", ""],
        ],
        title="Example Council contracts register",
        groups=[("Contract", 1, 4), ("Supplier", 5, 6)],
    )
    table = reading.read_table(data, parsing.header_score)
    mapping = parsing.guess_mapping(table.headers)
    assert mapping == ["reference", "title", "start_date", "end_date", "provider", "company_number"]
    rows = list(table.rows)
    assert [number for number, _ in rows] == [4, 6]
    assert rows[1][1][2] == 45748


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel file"),
        (b"PK\x03\x04not really a zip", "could not be opened"),
        (b"just,some,words\n1,2,3\n", "No header row was found"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data, message):
    with pytest.raises(reading.UnreadableFile, match=message):
        reading.read_table(data, parsing.header_score)


# --- rows ---------------------------------------------------------------------------------------

KNOWN = OrganisationIndex(
    [
        KnownOrganisation(1, "Example Council", role="buyer"),
        KnownOrganisation(2, "Women's Aid Refuge", company_number="01234567"),
        KnownOrganisation(3, "Advocacy Trust", charity_number="1100001"),
    ]
)
COUNCIL = KnownOrganisation(1, "Example Council", role="buyer")


def row(**cells):
    headers = list(cells)
    mapping = [parsing.match_header(h.replace("_", " ")) for h in headers]
    context = Context(
        headers=[h.replace("_", " ") for h in headers], mapping=mapping, organisations=KNOWN, default_buyer=COUNCIL
    )
    return parse_row(14, list(cells.values()), context)


def messages(proposed):
    return [str(p) for p in proposed.problems]


def test_an_end_date_with_no_term_gives_the_term_through_the_term_arithmetic():
    proposed = row(Reference="R-1", Title="Refuge", Start_date="01/03/2027", End_date="29/02/2032")
    assert proposed.initial_term_months == 60 and proposed.problems == []
    assert proposed.initial_end_date == date(2032, 2, 29)


def test_an_end_date_that_is_not_the_day_before_an_anniversary_is_flagged_not_moved_silently():
    proposed = row(Reference="R-1", Title="Refuge", Start_date="01/04/2025", End_date="01/04/2028")
    assert proposed.initial_term_months == 36
    assert messages(proposed) == [
        "Row 14, End date: 1 April 2028 is not the day before an anniversary of the start (1 April 2025): "
        "the term is taken as 36 months, ending 31 March 2028"
    ]
    assert proposed.problems[0].severity == parsing.WARNING and not proposed.has_errors


def test_a_bad_date_is_an_error_with_its_row_and_column():
    proposed = row(Reference="R-1", Title="Refuge", Start_date="01/04/2025", End_date="31/02/2026")
    assert "Row 14, End date: 31/02/2026 is not a date" in messages(proposed)
    assert proposed.has_errors


def test_options_are_parsed_and_checked_against_the_maximum_extent():
    proposed = row(
        Reference="R-1",
        Title="Refuge",
        Start_date="01/03/2027",
        End_date="29/02/2032",
        Extension_options="2 x 12 months",
        Maximum_extent_date="28/02/2033",
    )
    assert proposed.options == (12, 12)
    assert messages(proposed) == [
        "Row 14, Extension options: option 2 would run to 28 February 2034, after the maximum extent date "
        "of 28 February 2033"
    ]


def test_3_plus_1_plus_1_gives_the_term_when_no_end_date_is_given():
    proposed = row(Reference="R-1", Title="Refuge", Start_date="01/04/2027", Extensions="3+1+1")
    assert proposed.initial_term_months == 36 and proposed.options == (12, 12) and proposed.problems == []


def test_suppliers_match_by_registration_number_before_name():
    proposed = row(
        Reference="R-1",
        Title="Refuge",
        Start_date="01/04/2025",
        End_date="31/03/2028",
        Supplier_name="A new trading name",
        Companies_House_number="1234567",
    )
    assert proposed.provider.existing_pk == 2 and proposed.provider.matched_by == "Companies House number"


def test_a_supplier_name_with_only_legal_words_different_is_the_same_supplier():
    proposed = row(
        Reference="R-1",
        Title="Refuge",
        Start_date="01/04/2025",
        End_date="31/03/2028",
        Supplier_name="The Advocacy Trust Ltd.",
    )
    assert proposed.provider.existing_pk == 3 and proposed.provider.matched_by == "name"


def test_a_near_supplier_name_is_offered_not_silently_created():
    proposed = row(
        Reference="R-1",
        Title="Refuge",
        Start_date="01/04/2025",
        End_date="31/03/2028",
        Supplier_name="Womens Aid Refuges",
    )
    assert proposed.provider.is_new and [o.pk for o in proposed.provider.near] == [2]
    assert messages(proposed) == [
        "Row 14, Supplier name: Womens Aid Refuges is not known, but looks like 'Women's Aid Refuge': "
        "choose which, or add it as a new organisation"
    ]


def test_an_unknown_supplier_is_new_and_the_buyer_is_the_teams():
    proposed = row(
        Reference="R-1",
        Title="Counselling",
        Start_date="01/04/2025",
        End_date="31/03/2028",
        Supplier_name="Brand New Counselling CIC",
        SME_VCSE="VCSE",
    )
    assert proposed.provider.is_new and not proposed.provider.near
    assert (proposed.provider.is_sme, proposed.provider.is_vcse) == (False, True)
    assert proposed.buyer.existing_pk == 1
    assert proposed.service_category == "counselling"


def test_missing_reference_title_and_dates_are_each_named():
    proposed = row(Reference="", Title="", Start_date="", End_date="")
    assert messages(proposed) == [
        "Row 14, Reference: Reference is missing",
        "Row 14, Title: Title is missing",
        "Row 14, Start date: Start date is missing",
    ]


def test_a_transparency_code_row_reads_every_field():
    cells = [
        "Example Council",
        "TC-1",
        "Refuge",
        "Domestic abuse",
        "Refuge for women",
        "Advocacy Trust",
        "",
        "1100001",
        "£1.2m",
        "£400,000",
        "0",
        "1 Apr 2025",
        "31 Mar 2028",
        "01/04/2026",
        "Published invitation to tender",
        "No",
        "Yes",
    ]
    context = Context(
        headers=TRANSPARENCY_HEADERS, mapping=parsing.guess_mapping(TRANSPARENCY_HEADERS), organisations=KNOWN
    )
    proposed = parse_row(2, cells, context)
    assert proposed.problems == []
    assert (proposed.reference, proposed.buyer.existing_pk, proposed.provider.existing_pk) == ("TC-1", 1, 3)
    assert proposed.total_value == Decimal("1200000.00") and proposed.annual_value == Decimal("400000.00")
    assert proposed.initial_term_months == 36 and proposed.review_date == date(2026, 4, 1)
    assert proposed.procurement_route == "published_tender"
