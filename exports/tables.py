"""One small tabular layer behind every download: columns in, CSV or XLSX out.

A ``Table`` is a list of ``Column``s (a heading, a function from a row to its value, and
what kind of value it is) and an iterable of rows. The kind decides how a value is written:

- ``TEXT`` always goes through ``access.spreadsheets.safe_cell``, so a title such as
  ``=HYPERLINK(...)`` (or ``"\x01=HYPERLINK(...)"``) arrives as text with a leading
  apostrophe, never as a formula; in a spreadsheet every text cell is also typed as a
  string, so nothing the writer does can turn it into a formula;
- ``DATE``, ``DATETIME`` and ``TIME`` are real date cells in a spreadsheet (times in
  Europe/London), and ISO 8601 in a CSV (2026-11-22, 2026-11-22 08:00), which Excel and
  LibreOffice read as dates;
- ``MONEY`` is a number in pounds: a numeric cell formatted £#,##0.00 in a spreadsheet,
  plain ``524994.00`` (no £, no commas) in a CSV, so it sums;
- ``INTEGER`` is a whole number.

CSV is UTF-8 with a byte order mark, so that Excel on Windows shows £ and accents rightly
(Python's ``csv`` and LibreOffice skip the mark), with CRLF line ends as RFC 4180 says.
Both formats are written row by row as the rows are read: a CSV streams to the browser
from the web request, and a spreadsheet is written by a Celery worker (exports.services)
with openpyxl's write-only mode to a temporary file, then kept in Django's storage, so a
100,000-row register never sits in memory as a list, and never holds a web process for minutes.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from access.spreadsheets import safe_cell

from .filenames import download_name, set_download_name

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
# Excel refuses a cell longer than this, and "repairs" the whole file.
XLSX_MAX_TEXT = 32_767


class Kind(enum.Enum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    MONEY = "money"
    INTEGER = "integer"


NUMBER_FORMATS = {
    Kind.DATE: "dd/mm/yyyy",
    Kind.DATETIME: "dd/mm/yyyy hh:mm",
    Kind.TIME: "hh:mm",
    Kind.MONEY: '"£"#,##0.00',
    Kind.INTEGER: "#,##0",
}


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[Any], Any]
    kind: Kind = Kind.TEXT
    width: int = 18  # characters, for the spreadsheet


@dataclass
class Table:
    """What one download holds. ``rows`` is read once, as the file is written."""

    columns: list[Column]
    rows: Iterable[Any]
    sheet_title: str
    filename_stem: str
    # How many rows there will be (a COUNT query), for a worker's progress bar; None if unknown.
    count: Callable[[], int] | None = None

    @property
    def headings(self) -> list[str]:
        return [safe_cell(column.heading) for column in self.columns]

    def values(self) -> Iterator[list[Any]]:
        """Each row as typed values: str (already made safe), date, datetime, time, Decimal, int or None."""
        for row in self.rows:
            yield [typed_value(column.kind, column.value(row)) for column in self.columns]


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _london(value: datetime) -> datetime:
    """A naive London wall-clock time: spreadsheets have no time zones."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def typed_value(kind: Kind, value: Any) -> Any:
    """The value as the column's kind, with every piece of text through ``safe_cell``."""
    if value is None or value == "":
        return None
    if kind is Kind.TEXT:
        return safe_cell(str(value))
    if kind is Kind.DATE:
        return _london(value).date() if isinstance(value, datetime) else value
    if kind is Kind.DATETIME:
        return _london(value)
    if kind is Kind.TIME:
        return _london(value).time().replace(second=0, microsecond=0) if isinstance(value, datetime) else value
    if kind is Kind.MONEY:
        return Decimal(value)
    if kind is Kind.INTEGER:
        return int(value)
    raise ValueError(f"Unknown column kind {kind}")


# --- CSV ------------------------------------------------------------------------------------


def csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


class _Line:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, line: str) -> str:
        return line


def csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(table.headings)
    for values in table.values():
        yield writer.writerow([csv_text(value) for value in values])


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx_cell(sheet, value: Any, kind: Kind) -> WriteOnlyCell:
    # Text has been through safe_cell (control characters dropped, formulas defused).
    if isinstance(value, str):
        value = value[:XLSX_MAX_TEXT]
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a string cell, never a formula, whatever it starts with
    if value is not None and kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def write_xlsx(table: Table, stream) -> None:
    """The table as one worksheet: bold frozen headings with filters, set widths, typed cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.sheet_title[:31])
    # Write-only sheets take their layout before the first row.
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    last = get_column_letter(max(len(table.columns), 1))
    sheet.auto_filter.ref = f"A1:{last}1"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    headings = []
    for heading in table.headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font, cell.alignment = bold, wrap
        headings.append(cell)
    sheet.append(headings)
    kinds = [column.kind for column in table.columns]
    for values in table.values():
        sheet.append([_xlsx_cell(sheet, value, kind) for value, kind in zip(values, kinds)])
    workbook.save(stream)


# --- responses ------------------------------------------------------------------------------


def filename(table: Table, extension: str, today: date | None = None) -> str:
    return download_name(table.filename_stem, (today or timezone.localdate()).isoformat(), extension=extension)


def _private(response):
    # A download of who-does-what is not for shared caches or the browser's back button.
    patch_cache_control(response, private=True, no_store=True)
    return response


def csv_response(table: Table) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type=CSV_CONTENT_TYPE)
    set_download_name(response, filename(table, "csv"))
    return _private(response)


def spreadsheet_file_response(stream, name: str) -> FileResponse:
    """A spreadsheet a worker made (exports.services), read from storage as it is sent."""
    response = FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
    return _private(response)


def download(table: Table, file_format: str):
    """The table as a CSV attachment named after it and today's date.

    A spreadsheet is never made here, in the web request: exports.services has a worker make it.
    """
    if file_format != "csv":
        raise ValueError("Only a CSV is made in the web request; a spreadsheet is a SpreadsheetJob")
    return csv_response(table)
