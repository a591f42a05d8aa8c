"""Totals of capped lists, counted up to a limit, several in one query.

A capped list (the first 25, with a link to the full list) says how many there are. Counted
exactly, that total is a pass over every matching row, and for someone who sees a whole service
those grow with it: the dashboard's five totals took 150 ms of PostgreSQL's time at 100,000
contracts (issue 24). Counted up to ``COUNT_CAP`` they cost the same at any size, and past it
the page says "more than 1,000"; the full list, one link away, has the exact number.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 1000


def capped_counts(*, exact: bool = False, **querysets: QuerySet) -> dict[str, int]:
    """How many rows each queryset has, up to ``COUNT_CAP + 1`` (one more than the cap: "more
    than"), by name, in one query: ``SELECT (SELECT COUNT(*) FROM (... LIMIT 1001)), ...``.

    ``exact`` counts every row: for lists bounded by something else (one team's), where the
    LIMIT only leads PostgreSQL to plans that hope to stop early and then read everything."""
    parts, params, found = [], [], {}
    for name, queryset in querysets.items():
        rows = queryset.order_by().values("pk")
        if not exact:
            rows = rows[: COUNT_CAP + 1]
        try:
            sql, values = rows.query.sql_with_params()
        except EmptyResultSet:
            found[name] = 0
            continue
        parts.append((name, f"(SELECT COUNT(*) FROM ({sql}) AS capped)"))
        params.extend(values)
    if parts:
        alias = next(iter(querysets.values())).db
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(sql for _, sql in parts), params)
            found.update(zip((name for name, _ in parts), cursor.fetchone(), strict=True))
    return {name: found[name] for name in querysets}


def is_exact(total: int, *, exact: bool = False) -> bool:
    """Whether a total ``capped_counts`` gave is the exact number (not "more than"): always when
    it was counted ``exact``, else when it is within the cap."""
    return exact or total <= COUNT_CAP


def total_words(total: int, *, exact: bool = False) -> str:
    """A total ``capped_counts`` gave, for a page: "2,048", or "more than 1,000"."""
    return f"{total:,}" if is_exact(total, exact=exact) else f"more than {COUNT_CAP:,}"


def more_words(total: int, shown: int, *, exact: bool = False) -> str:
    """How many more there are than the ``shown``: "23", or "more than 975" past the cap."""
    if not is_exact(total, exact=exact):
        return f"more than {COUNT_CAP - shown:,}"
    return f"{max(total - shown, 0):,}"
