"""Reading a download back, as a person's spreadsheet program would: csv and openpyxl."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response) -> tuple[list[str], list[dict[str, str]]]:
    """The headings and the rows of a CSV download (UTF-8 with a byte order mark)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte order mark to read UTF-8"
    reader = csv.reader(io.StringIO(text[1:], newline=""))
    headings = next(reader)
    return headings, [dict(zip(headings, row)) for row in reader]


def read_xlsx(response):
    """The headings, the rows (as dicts of cells) and the sheet of an XLSX download."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows())
    headings = [cell.value for cell in rows[0]]
    return headings, [dict(zip(headings, row)) for row in rows[1:]], sheet


def attachment_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    return disposition.split('filename="', 1)[1].rstrip('"')
