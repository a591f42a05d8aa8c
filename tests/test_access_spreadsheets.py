"""Spreadsheet cells cannot carry formulas (access.spreadsheets.safe_cell)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from access.spreadsheets import safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
        ("+44 1908 691691", "'+44 1908 691691"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("MK ACT", "MK ACT"),
        ("Refuge = 28 flats", "Refuge = 28 flats"),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_written_as_text(value, written):
    assert safe_cell(value) == written


@pytest.mark.parametrize("value", [Decimal("-524994.00"), -3, 2.5, date(2019, 8, 31), None, True])
def test_numbers_and_dates_stay_numbers_and_dates(value):
    assert safe_cell(value) == value


def test_a_csv_written_through_it_reads_back_with_the_formula_defused():
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell("=1+1"), safe_cell("ASC0013"), safe_cell(Decimal("524994"))])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=1+1", "ASC0013", "524994"]
