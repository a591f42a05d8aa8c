"""Read a register file (CSV or XLSX) into its header and its rows: no ORM, no clock.

Councils' files come in three encodings (UTF-8, UTF-8 with a byte order mark as Excel writes
it, and Windows-1252 from older systems), with title rows above the header, a header split over
two rows by merged cells, and blank rows between sections. ``read_table`` finds the header
among the first rows (the row whose cells name the most known columns), joins a group heading
from a merged row above it ("Supplier" over "Name"), and yields the rows after it with their
row numbers as a spreadsheet would show them, skipping blank ones.

XLSX is read with openpyxl's read-only mode, row by row, so a 10,000-row file never sits in
memory as a workbook. Read-only mode does not report merged cells; a merged cell's value is in
its first cell only, so group headings are carried to the right until the next one.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# How far down a file the header may be (title rows, notes, a merged group heading).
HEADER_SEARCH_ROWS = 15


class UnreadableFile(ValueError):
    """The file is neither a CSV nor an XLSX the tracker can read; the message says why."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number in the file, cells)
    header_row: int
    estimated_rows: int | None = None
    sheet: str = ""
    notes: list[str] = field(default_factory=list)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without a byte order mark), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _text(cell: Any) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = decode_csv(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text, newline=""), dialect)


def _xlsx_rows(data: bytes) -> tuple[Iterator[list[Any]], int | None, str, Callable[[], None]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile("The file looks like an Excel workbook but could not be opened") from error
    sheet = workbook.worksheets[0]
    for candidate in workbook.worksheets:
        # The first sheet with something in it: some registers open on a cover sheet.
        if candidate.max_row and candidate.max_row > 1:
            sheet = candidate
            break
    rows = (list(row) for row in sheet.iter_rows(values_only=True))
    return rows, sheet.max_row, sheet.title, workbook.close


def read_table(data: bytes, score: Callable[[list[str]], int]) -> Table:
    """The header and the rows of the file's first sheet.

    ``score`` says how many of a candidate row's cells name a known column; the best row of the
    first ``HEADER_SEARCH_ROWS`` (at least two matches) is the header.
    """
    if not data.strip():
        raise UnreadableFile("The file is empty")
    close = lambda: None
    if is_xlsx(data):
        rows, estimated, sheet, close = _xlsx_rows(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile("This is an old Excel file (.xls): save it as .xlsx or CSV and upload that")
    else:
        rows, estimated, sheet = _csv_rows(data), data.count(b"\n") + 1, ""

    head: list[tuple[int, list[Any]]] = []
    try:
        for number, cells in enumerate(rows, start=1):
            head.append((number, cells))
            if len(head) >= HEADER_SEARCH_ROWS:
                break
    except UnreadableFile:
        close()
        raise
    except Exception as error:  # csv.Error, or a damaged sheet inside the workbook
        close()
        raise UnreadableFile(f"The file could not be read: {_reason(error)}") from error
    best, best_score = None, 1
    for index, (_, cells) in enumerate(head):
        texts = [_text(cell) for cell in cells]
        candidates = [texts, _with_group_headings(head, index)]
        for candidate in candidates:
            candidate_score = score(candidate)
            if candidate_score > best_score:
                best, best_score = (index, candidate), candidate_score
    if best is None:
        close()
        raise UnreadableFile(
            "No header row was found: the first rows should name the columns, such as Reference, "
            "Title, Supplier name, Start date and End date"
        )
    index, headers = best
    while headers and not headers[-1]:
        headers.pop()
    header_row = head[index][0]
    width = len(headers)

    def body() -> Iterator[tuple[int, list[Any]]]:
        last = header_row
        try:
            for number, cells in itertools.chain(head[index + 1 :], enumerate(rows, start=len(head) + 1)):
                last = number
                cells = list(cells[:width]) + [None] * (width - len(cells))
                if not _blank(cells):
                    yield number, cells
        except GeneratorExit:
            raise
        except Exception as error:  # csv.Error, or a damaged sheet inside the workbook
            raise UnreadableFile(f"The file could not be read after row {last}: {_reason(error)}") from error
        finally:
            close()

    return Table(headers=headers, rows=body(), header_row=header_row, estimated_rows=estimated, sheet=sheet)


def _reason(error: Exception) -> str:
    if isinstance(error, csv.Error) and "field larger than field limit" in str(error):
        return "one cell is longer than 131,072 characters"
    return "it is damaged or not a register"


def _with_group_headings(head: list[tuple[int, list[Any]]], index: int) -> list[str]:
    """The row's headings prefixed by the merged group heading above each ("Supplier" + "Name")."""
    texts = [_text(cell) for cell in head[index][1]]
    if index == 0:
        return texts
    above = [_text(cell) for cell in head[index - 1][1]]
    group, joined = "", []
    for position, text in enumerate(texts):
        if position < len(above) and above[position]:
            group = above[position]
        joined.append(f"{group} {text}".strip() if text and group else text or group)
    return joined
