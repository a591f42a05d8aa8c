"""The tabular layer under every download: typed cells, and no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from exports.tables import Column, Kind, Table, csv_lines, write_xlsx

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def table(rows, *columns) -> Table:
    return Table(columns=list(columns), rows=rows, sheet_title="Test", filename_stem="test")


def as_csv(t: Table) -> list[list[str]]:
    text = "".join(csv_lines(t))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def as_xlsx(t: Table):
    stream = io.BytesIO()
    write_xlsx(t, stream)
    stream.seek(0)
    return list(load_workbook(stream).active.iter_rows())


TEXT = Column("Text", lambda row: row)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_starting_like_a_formula_gets_an_apostrophe_in_both_formats(start):
    value = f"{start}1+1 cmd|' /C calc'!A0"

    csv_cell = as_csv(table([value], TEXT))[1][0]
    xlsx_cell = as_xlsx(table([value], TEXT))[1][0]

    assert csv_cell == "'" + value
    # Without lxml, openpyxl writes a lone carriage return raw and XML reads it back as a line feed;
    # with lxml (installed with python-docx) it is escaped and kept. The apostrophe is what matters.
    assert xlsx_cell.value.replace("\r", "\n") == ("'" + value).replace("\r", "\n")
    assert xlsx_cell.data_type == "s"


def test_a_heading_is_made_safe_too():
    assert as_csv(table([], Column("=SUM(A:A)", lambda row: row)))[0] == ["'=SUM(A:A)"]


def test_negative_money_and_numbers_stay_numbers_not_escaped_text():
    columns = (Column("Money", lambda row: row, Kind.MONEY), Column("Count", lambda row: -int(row), Kind.INTEGER))

    assert as_csv(table([Decimal("-50.5")], *columns))[1] == ["-50.50", "50"]
    money, count = as_xlsx(table([Decimal("-50.5")], *columns))[1]
    assert money.value == -50.5 and money.data_type == "n" and money.number_format == '"£"#,##0.00'
    assert count.value == 50


def test_aware_times_are_written_as_london_wall_clock_times():
    summer = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)  # 10:00 in London (BST)
    winter = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)
    columns = (
        Column("When", lambda row: row, Kind.DATETIME),
        Column("Day", lambda row: row, Kind.DATE),
        Column("Time", lambda row: row, Kind.TIME),
    )

    assert as_csv(table([summer, winter], *columns))[1:] == [
        ["2026-06-08 10:00", "2026-06-08", "10:00"],
        ["2026-12-08 09:00", "2026-12-08", "09:00"],
    ]
    when, day, clock = as_xlsx(table([summer], *columns))[1]
    assert when.value == datetime(2026, 6, 8, 10, 0) and when.number_format == "dd/mm/yyyy hh:mm"
    assert day.value == datetime(2026, 6, 8) and day.is_date
    assert clock.value == time(10, 0)


def test_empty_values_are_empty_cells_not_the_word_none():
    columns = (TEXT, Column("Day", lambda row: None, Kind.DATE), Column("Money", lambda row: None, Kind.MONEY))

    assert as_csv(table(["x"], *columns))[1] == ["x", "", ""]
    assert [cell.value for cell in as_xlsx(table(["x"], *columns))[1]] == ["x", None, None]


def test_quotes_commas_and_line_breaks_survive_the_round_trip():
    value = 'Refuge, "safe house"\nsecond line'

    assert as_csv(table([value], TEXT))[1] == [value]
    assert as_xlsx(table([value], TEXT))[1][0].value == value


def test_control_characters_that_excel_refuses_are_dropped_rather_than_failing_the_download():
    assert as_xlsx(table(["Bell\x07 and null\x00 gone"], TEXT))[1][0].value == "Bell and null gone"


def test_text_longer_than_excel_allows_is_cut_to_its_limit():
    assert len(as_xlsx(table(["x" * 40_000], TEXT))[1][0].value) == 32_767


def test_csv_rows_end_in_crlf_as_rfc_4180_says():
    assert "".join(csv_lines(table(["a"], TEXT))) == "\ufeffText\r\na\r\n"
