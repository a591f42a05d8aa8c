"""Cells for CSV and spreadsheet exports that a spreadsheet program cannot run as a formula.

A cell starting with =, +, -, @, a tab, a carriage return or a line feed may be read as a
formula by Excel, LibreOffice or Google Sheets (CSV injection), and so may one where such a
character follows spaces or invisible characters. Every export writes its text cells through
``safe_cell``, which works in this order (issue 15: checking before stripping let
``"\\x01=HYPERLINK(...)"`` through, as the XLSX writer then dropped the ``\\x01``):

1. drop the control characters no spreadsheet cell can hold (XML 1.0 forbids them, openpyxl
   refuses them), so what is checked is what the spreadsheet will read;
2. look past any leading run of spaces and invisible characters (no-break and zero-width
   spaces, byte order marks, direction marks);
3. if a formula character comes next, or that run holds a tab, carriage return or line feed,
   put an apostrophe in front, which spreadsheets read as "this is text".

Numbers and dates pass through untouched, so they stay numbers and dates.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

# The characters XML 1.0 cannot carry: openpyxl's ILLEGAL_CHARACTERS_RE.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_CHARACTERS = ("=", "+", "-", "@")
LINE_CHARACTERS = frozenset("\t\r\n")


def _blank(character: str) -> bool:
    """A space of any kind, or an invisible formatting character (Unicode category Cf)."""
    return character.isspace() or unicodedata.category(character) in {"Zs", "Zl", "Zp", "Cf", "Cc"}


def safe_cell(value):
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return value
    text = CONTROL_CHARACTERS.sub("", str(value))
    start = 0
    while start < len(text) and _blank(text[start]):
        start += 1
    if text[start:].startswith(FORMULA_CHARACTERS) or not LINE_CHARACTERS.isdisjoint(text[:start]):
        return f"'{text}"
    return text
