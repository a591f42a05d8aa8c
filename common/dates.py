"""Dates in words, the GOV.UK way: "1 March 2027", with no leading zero and no weekday."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def long_date(value: date | datetime) -> str:
    """1 March 2027; an aware datetime is shown in London time with its time of day."""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %B %Y at %H:%M}"
    return f"{value:%-d %B %Y}"
