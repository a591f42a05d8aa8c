"""Reading a finance system's payments file (CSV) for the UK8 contract payment notices. Pure: no ORM.

``read_payments_csv`` turns the file into rows or a list of problems, each naming the row and
the column, so the officer can fix the file; the service imports a file only if it has no
problems at all, so a bad file changes nothing.

The columns, in any order, named as finance systems usually name them (case and spaces do
not matter):

- supplier: "supplier", "supplier name", "payee"
- date: "date", "date paid", "payment date", "paid on"
- amount (VAT included): "amount", "amount paid", "gross amount", "value"
- contract reference: "contract reference", "contract", "contract ref"
- optionally the finance system's own reference: "reference", "payment reference", "invoice number"

Dates are 31/12/2026 or 2026-12-31; amounts may carry a £ sign and thousands commas.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

MAX_ROWS = 50_000
MAX_AMOUNT = Decimal("999999999999.99")

COLUMNS = {
    "supplier": ("supplier", "supplier name", "payee"),
    "date": ("date", "date paid", "payment date", "paid on"),
    "amount": ("amount", "amount paid", "gross amount", "value"),
    "contract": ("contract reference", "contract", "contract ref"),
    "reference": ("reference", "payment reference", "invoice number"),
}
REQUIRED = ("supplier", "date", "amount", "contract")
LABELS = {
    "supplier": "supplier",
    "date": "date",
    "amount": "amount",
    "contract": "contract reference",
    "reference": "reference",
}


@dataclass(frozen=True)
class PaymentRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    supplier: str
    paid_on: date
    amount: Decimal
    contract_reference: str
    finance_reference: str


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # None: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row is not None else "The file"
        column = f", column '{self.column}'" if self.column else ""
        return f"{where}{column}: {self.message}"


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower().replace("_", " "))


def read_date(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def read_amount(text: str) -> Decimal | None:
    cleaned = text.strip().replace("£", "").replace(",", "").replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        return None
    return amount if amount <= MAX_AMOUNT else None


def read_payments_csv(data: bytes) -> tuple[list[PaymentRow], list[RowProblem]]:
    """Every row of a payments file, or every problem in it (see the module docstring)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return [], [RowProblem(None, "", "is not a CSV text file: save it from the spreadsheet as CSV")]
    if "\x00" in text:
        return [], [RowProblem(None, "", "is not a CSV text file: save it from the spreadsheet as CSV")]
    # newline="": the csv module reads line endings itself, so a stray carriage return is data, not an error.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _read_rows(reader)
    except csv.Error as error:
        return [], [RowProblem(reader.line_num or None, "", f"cannot be read as CSV ({error})")]


def _read_rows(reader) -> tuple[list[PaymentRow], list[RowProblem]]:
    header = next(reader, None)
    if not header:
        return [], [RowProblem(None, "", "is empty")]
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        for key, names in COLUMNS.items():
            if _normal(name) in names and key not in positions:
                positions[key] = index
    missing = [LABELS[key] for key in REQUIRED if key not in positions]
    if missing:
        return [], [
            RowProblem(None, "", f"has no column for the {', '.join(missing)} (the first row must name the columns)")
        ]
    rows, problems = [], []
    for number, cells in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            problems.append(RowProblem(None, "", f"has more than {MAX_ROWS:,} payments: split it into smaller files"))
            break
        if not any(cell.strip() for cell in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            index = positions.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        before = len(problems)
        supplier, contract = cell("supplier"), cell("contract")
        if not supplier:
            problems.append(RowProblem(number, header[positions["supplier"]], "enter the supplier"))
        if not contract:
            problems.append(RowProblem(number, header[positions["contract"]], "enter the contract reference"))
        paid_on = read_date(cell("date"))
        if paid_on is None:
            problems.append(
                RowProblem(number, header[positions["date"]], f"'{cell('date')[:30]}' is not a date like 31/12/2026")
            )
        amount = read_amount(cell("amount"))
        if amount is None:
            problems.append(
                RowProblem(
                    number, header[positions["amount"]], f"'{cell('amount')[:30]}' is not an amount like 40,000.00"
                )
            )
        if len(problems) == before:
            rows.append(PaymentRow(number, supplier[:255], paid_on, amount, contract, cell("reference")[:100]))
    if not rows and not problems:
        problems.append(RowProblem(None, "", "has no payments in it"))
    return rows, problems
