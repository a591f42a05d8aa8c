"""Reading a provider's KPI return from CSV: a pure parser, no ORM (the loader is in services).

The layout (the first row names the columns, in any order; letter case does not matter):

========== ======== ==============================================================
column     needed   what goes in it
========== ======== ==============================================================
year       yes      the financial year: 2016/17 (or 2016-17, 2016/2017, 2016)
quarter    yes      1 to 4, Q1 to Q4 or Quarter 1 to Quarter 4 (Q1 is April to June)
service    no       the part of the contract measured, e.g. One Stop, Refuge
indicator  yes      what is measured, e.g. New referrals responded to within 24 hours
unit       yes      %, number, days, weeks, months or £
target     no       a number; empty if the indicator has no target
actual     yes      a number; 99, 99% and 1,049,988 are all read as numbers
better     no       higher (the default) or lower, for indicators where less is better
========== ======== ==============================================================

Rows are numbered as a spreadsheet numbers them: the header is row 1, so the first result
is row 2. Every problem in the file is reported, each naming its row and column, and a file
with any problem is refused whole, so nothing is ever half-imported. Empty rows are skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .quarters import parse_financial_year, parse_quarter_number

COLUMNS = ("year", "quarter", "service", "indicator", "unit", "target", "actual", "better")
REQUIRED = ("year", "quarter", "indicator", "unit", "actual")
MAX_ROWS = 5000
MAX_ERRORS = 20  # beyond this, the file needs fixing as a whole, not row by row

UNITS = {
    "%": "percent",
    "percent": "percent",
    "percentage": "percent",
    "number": "number",
    "count": "number",
    "no.": "number",
    "days": "days",
    "weeks": "weeks",
    "months": "months",
    "£": "pounds",
    "gbp": "pounds",
    "pounds": "pounds",
}
LIMIT = Decimal("10000000000")  # the columns hold 12 digits, two after the point


@dataclass(frozen=True)
class KpiLine:
    row: int
    year: int
    quarter: int
    service: str
    name: str
    unit: str
    target: Decimal | None
    actual: Decimal
    higher_is_better: bool


@dataclass(frozen=True)
class Problem:
    row: int | None  # None for a problem with the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class KpiFileError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _number(text: str, *, column: str) -> Decimal:
    cleaned = text.strip().replace(",", "").removeprefix("£").removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"enter a number, for example 99 (the file has '{text.strip()}')") from None
    if not value.is_finite():
        raise ValueError(f"enter a number, for example 99 (the file has '{text.strip()}')")
    if abs(value) >= LIMIT:
        raise ValueError(f"the {column} must be less than 10,000,000,000")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"use at most two decimal places (the file has '{text.strip()}')")
    return value


def decode(data: bytes) -> str:
    """The file's text; spreadsheets' "CSV UTF-8" begins with a byte order mark, dropped here."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KpiFileError(
            [Problem(None, None, "The file is not UTF-8 text: in your spreadsheet, save it as 'CSV UTF-8'")]
        ) from None


def parse(text: str) -> list[KpiLine]:
    """The results in a KPI file, or KpiFileError listing every problem (up to MAX_ERRORS)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise KpiFileError([Problem(None, None, "The file is empty")]) from None
    except csv.Error as error:
        raise KpiFileError([Problem(1, None, f"the file cannot be read as CSV ({error})")]) from None

    names = [cell.strip().lower() for cell in header]
    problems = []
    unknown = [name for name in names if name and name not in COLUMNS]
    for name in unknown:
        problems.append(Problem(1, name, f"is not a column this import reads; the columns are {', '.join(COLUMNS)}"))
    for name in REQUIRED:
        if name not in names:
            problems.append(Problem(1, name, "is missing from the first row"))
    duplicated = {name for name in names if name and names.count(name) > 1}
    for name in sorted(duplicated):
        problems.append(Problem(1, name, "appears more than once in the first row"))
    if problems:
        raise KpiFileError(problems)
    position = {name: index for index, name in enumerate(names) if name}

    lines: list[KpiLine] = []
    seen: dict[tuple, int] = {}
    row_number = 1
    try:
        for cells in reader:
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(lines) >= MAX_ROWS:
                raise KpiFileError(
                    [Problem(row_number, None, f"the file has more than {MAX_ROWS:,} results; split it")]
                )
            line = _line(row_number, cells, position, problems)
            if line is None:
                if len(problems) >= MAX_ERRORS:
                    break
                continue
            key = (line.year, line.quarter, line.service.lower(), line.name.lower())
            if key in seen:
                problems.append(
                    Problem(
                        row_number,
                        "indicator",
                        f"'{line.name}' is already given for this quarter and service in row {seen[key]}",
                    )
                )
                continue
            seen[key] = row_number
            lines.append(line)
    except csv.Error as error:
        problems.append(Problem(row_number, None, f"the file cannot be read as CSV ({error})"))
    if problems:
        raise KpiFileError(problems[:MAX_ERRORS])
    if not lines:
        raise KpiFileError([Problem(None, None, "The file has a header row but no results")])
    return lines


def _line(row: int, cells: list[str], position: dict[str, int], problems: list[Problem]) -> KpiLine | None:
    """One row as a KpiLine, or None after adding its problems to ``problems``."""
    found = len(problems)

    def cell(name: str) -> str:
        index = position.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def required(name: str, example: str) -> str:
        value = cell(name)
        if not value:
            problems.append(Problem(row, name, f"is empty; enter {example}"))
        return value

    year = quarter = None
    if text := required("year", "the financial year, for example 2016/17"):
        try:
            year = parse_financial_year(text)
            if not 2000 <= year <= 2098:
                raise ValueError(text)
        except ValueError:
            problems.append(Problem(row, "year", f"enter a financial year such as 2016/17 (the file has '{text}')"))
    if text := required("quarter", "the quarter, for example Q3"):
        try:
            quarter = parse_quarter_number(text)
        except ValueError:
            problems.append(Problem(row, "quarter", f"enter a quarter from Q1 to Q4 (the file has '{text}')"))
    name = required("indicator", "what the indicator measures")
    if len(name) > 255:
        problems.append(Problem(row, "indicator", "is longer than 255 characters"))
    service = cell("service")
    if len(service) > 100:
        problems.append(Problem(row, "service", "is longer than 100 characters"))
    unit = None
    if text := required("unit", "%, number, days, weeks, months or £"):
        unit = UNITS.get(text.lower())
        if unit is None:
            problems.append(Problem(row, "unit", f"enter %, number, days, weeks, months or £ (the file has '{text}')"))
    target = actual = None
    if text := cell("target"):
        try:
            target = _number(text, column="target")
        except ValueError as error:
            problems.append(Problem(row, "target", str(error)))
    if text := required("actual", "the figure achieved, for example 99"):
        try:
            actual = _number(text, column="actual")
        except ValueError as error:
            problems.append(Problem(row, "actual", str(error)))
    better = cell("better").lower() or "higher"
    if better not in ("higher", "lower"):
        problems.append(Problem(row, "better", f"enter higher or lower (the file has '{cell('better')}')"))

    if len(problems) > found:
        return None
    return KpiLine(
        row=row,
        year=year,
        quarter=quarter,
        service=service,
        name=name,
        unit=unit,
        target=target,
        actual=actual,
        higher_is_better=better == "higher",
    )
