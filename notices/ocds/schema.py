"""The OCDS 1.1.5 release schema with Find a Tender's extensions merged in, and its validator.

The files and where they come from are in ``schema/SOURCE.md``. Each extension's
``release-schema.json`` is a JSON merge patch (RFC 7396) on the release schema; merging is
done once per process and cached, as is the validator.

Date-times: OCDS requires RFC 3339 date-times, which always carry a time zone. The validator
checks every ``"format": "date-time"`` field with ``datetime_problem``, so "2032-02-29" and
"2032-02-29T23:59:59" are refused with a message saying what is missing.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path

import json_merge_patch
from jsonschema import Draft4Validator, FormatChecker

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
EXTENSIONS = ("lots", "renewal", "communication", "uk")

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NO_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as file:
        return json.load(file)


def merged_release_schema(schema_dir: Path = SCHEMA_DIR) -> dict:
    """The release schema with the lots, renewal, communication and UK extensions merged in."""
    schema = _load(schema_dir / "1.1.5" / "release-schema.json")
    for name in EXTENSIONS:
        schema = json_merge_patch.merge(schema, _load(schema_dir / "extensions" / name / "release-schema.json"))
    return schema


@cache
def release_schema() -> dict:
    return merged_release_schema()


def datetime_problem(value: object) -> str | None:
    """What is wrong with an OCDS date-time, in words, or None if it is a good one."""
    if not isinstance(value, str):
        return None  # the schema's "type" check reports it
    if _DATE_ONLY.match(value):
        return f"'{value}' is a date without a time or time zone (OCDS needs e.g. {value}T23:59:59+00:00)"
    if _NO_ZONE.match(value):
        return f"'{value}' has no time zone (OCDS needs an offset such as Z or +01:00)"
    match = _DATE_TIME.match(value)
    if not match:
        return f"'{value}' is not a date and time (OCDS needs e.g. 2027-03-01T00:00:00+00:00)"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"'{value}' is not a real date and time"
    return None


def _check_date_time(value: object) -> bool:
    problem = datetime_problem(value)
    if problem:
        raise ValueError(problem)
    return True


@cache
def release_validator() -> Draft4Validator:
    # Only date-time is checked: the other formats (uri, email) would need optional packages
    # and differ between installs, so a release would pass on one machine and fail on another.
    checker = FormatChecker(formats=())
    checker.checks("date-time", raises=ValueError)(_check_date_time)
    return Draft4Validator(release_schema(), format_checker=checker)
