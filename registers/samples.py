"""Register files in the shapes councils publish: the template offered for download, and the
files the tests and the benchmark write (CSV in three encodings, XLSX with a title row and a
header split over two merged rows)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook

from .parsing import FIELDS, TEMPLATE_FIELDS

TEMPLATE_EXAMPLE = [
    "DA-2027-01",
    "Domestic abuse refuge",
    "28 self-contained flats with children's support",
    "",
    "Example Refuge Charity",
    "01234567",
    "1234567",
    "01/03/2027",
    "29/02/2032",
    "",
    "2 x 12 months",
    "",
    "£880,000",
    "£4,400,000",
    "£0",
    "01/03/2028",
    "Published invitation to tender",
    "Yes",
    "Yes",
    "Refuge and safe accommodation",
    "",
]


def csv_bytes(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8", title: str = ""
) -> bytes:
    """A CSV as a council's system writes it: ``encoding`` "utf-8-sig" adds Excel's byte order
    mark, "cp1252" is an older Windows system's; ``title`` adds a line above the header."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    if title:
        writer.writerow([title])
        writer.writerow([])
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "",
    groups: Sequence[tuple[str, int, int]] = (),
    write_only: bool = False,
) -> bytes:
    """A workbook with an optional merged title row and merged group headings above the header:
    ``groups`` are (heading, first column, last column), 1-based, e.g. ("Supplier", 5, 7) over
    "Name", "Companies House number", "Charity number"."""
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("Contracts") if write_only else workbook.active
    if not write_only:
        sheet.title = "Contracts"
    width = len(headers)
    if title:
        sheet.append([title] + [None] * (width - 1))
        if not write_only:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    if groups:
        above = [None] * width
        for heading, first, _last in groups:
            above[first - 1] = heading
        sheet.append(above)
        if not write_only:
            row = sheet.max_row
            for _, first, last in groups:
                sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """The downloadable template: the tracker's own headings and one example row."""
    headers = [FIELDS[key][0] for key in TEMPLATE_FIELDS]
    return xlsx_bytes(headers, [TEMPLATE_EXAMPLE])


TRANSPARENCY_HEADERS = [
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


def transparency_rows(count: int, *, first: date = date(2025, 4, 1), prefix: str = "TC") -> Iterable[list[Any]]:
    """``count`` rows of a Transparency Code contracts file, for the benchmark and the tests."""
    from contracts.terms import term_end

    for n in range(1, count + 1):
        start = date(first.year + n % 3, (first.month + n) % 12 + 1, 1)
        years = 2 + n % 4
        yield [
            "Example Council",
            f"{prefix}-{n:05d}",
            f"Support service {n}",
            "Domestic abuse team",
            "Community-based domestic abuse support",
            f"Support Charity {n % 400}",
            f"{(n % 400) + 1000000:08d}",
            "",
            f"£{50000 + n:,}",
            f"{(50000 + n) / years:.2f}",
            "0",
            start.strftime("%d/%m/%Y"),
            term_end(start, 12 * years).strftime("%d/%m/%Y"),
            "",
            "Published tender",
            "Yes",
            "Yes" if n % 2 else "No",
        ]
