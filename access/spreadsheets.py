"""Cells for CSV and spreadsheet exports that a spreadsheet program cannot run as a formula.

A cell starting with =, +, -, @, a tab or a carriage return may be read as a formula by
Excel, LibreOffice or Google Sheets (CSV injection). Every export writes its text cells
through ``safe_cell``: such a cell gets a leading apostrophe, which spreadsheets show as
text and do not display. Numbers and dates pass through untouched, so they stay numbers
and dates.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
