"""Writing JSON with numbers exactly as they were read.

The standard library writes a Decimal only by turning it into a float first (or not at
all), and writes infinity as ``Infinity``, which is not JSON. Releases are read with every
non-integer number as a Decimal (``reader.py``), so this writer puts each Decimal back as
its own digits: ``1E+9999`` stays ``1E+9999`` (valid JSON, "no maximum" in OCDS), and
``4400000.00`` stays as written. Floats are refused unless finite.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from decimal import Decimal


def _write(value, parts: list[str], indent: str | None, level: int) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        parts.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        parts.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as JSON")
        parts.append(str(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written as JSON")
        parts.append(repr(value))
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                parts.append(",")
            if indent is not None:
                parts.append("\n" + indent * (level + 1))
            parts.append(json.dumps(str(key), ensure_ascii=False))
            parts.append(": " if indent is not None else ":")
            _write(item, parts, indent, level + 1)
        if indent is not None:
            parts.append("\n" + indent * level)
        parts.append("}")
    elif isinstance(value, (list, tuple)):
        if not value:
            parts.append("[]")
            return
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            if indent is not None:
                parts.append("\n" + indent * (level + 1))
            _write(item, parts, indent, level + 1)
        if indent is not None:
            parts.append("\n" + indent * level)
        parts.append("]")
    else:
        raise TypeError(f"{type(value).__name__} cannot be written as JSON")


def dumps(value, *, indent: int | None = None) -> str:
    if indent is None:
        try:
            return _compact(value)
        except TypeError:
            pass  # a key that is not a string, say: written below as it always was, or refused there
    parts: list[str] = []
    _write(value, parts, " " * indent if indent is not None else None, 0)
    return "".join(parts)


def _compact(value) -> str:
    """``dumps`` without an indent, by the standard library's C encoder (a fifth of the time):
    each Decimal is written as a placeholder string (a NUL and a random 64-bit token, which no
    real text holds), then replaced by its own digits."""
    token = secrets.token_hex(8)
    decimals: list[str] = []

    def decimal(item):
        if not isinstance(item, Decimal):
            raise TypeError(f"{type(item).__name__} cannot be written as JSON")
        if not item.is_finite():
            raise ValueError(f"{item} cannot be written as JSON")
        decimals.append(str(item))
        return f"\x00{token}:{len(decimals) - 1}"

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=decimal)
    if not decimals:
        return text
    return re.sub(rf'"\\u0000{token}:(\d+)"', lambda match: decimals[int(match[1])], text)


def loads(text: str):
    """Read JSON with non-integer numbers as Decimals, the way the importer reads files."""
    return json.loads(text, parse_float=Decimal)
