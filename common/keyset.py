"""Keyset pagination: a page is "the next 25 after this row", never OFFSET (issue 24).

OFFSET makes PostgreSQL read and throw away every row before the page: the register's last
page at 100,000 contracts read them all (3.7 s for an admin, docs/benchmarks.md). Here a page
is found from the sort values of the row before it, which the index on those columns serves
at any depth:

1. The ordering is a list of ``Key``s; the primary key is added as the last (unless it is
   already), so every row has a distinct position.
2. The values of the last row shown (the first, for "previous") go into the address as an
   opaque cursor, ``after=`` or ``before=``; ``last=1`` is the final page (the order reversed).
3. "After the cursor" is the lexicographic comparison spelled out as ``Q`` objects
   (``a > x OR (a = x AND b > y) OR ...``), NULLs placed last in ascending order as the
   register sorts them.
4. One more row than the page is read to know whether another page follows; the rows are
   counted only if the page asks for the total.

A cursor that does not parse, or whose values cannot be its columns' (hand-edited, or from an
older sort), gives the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import DateTimeField, F, Q, QuerySet

# Django's row-value comparison, "(a, b) > (x, y)", which composite primary keys use (5.2).
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan


@dataclass(frozen=True)
class Key:
    """One sort column: a field path or an annotation already on the queryset."""

    field: str
    descending: bool = False
    nullable: bool = False

    def reversed(self) -> Key:
        return Key(self.field, not self.descending, self.nullable)

    def order(self):
        # NULLs last when ascending, first when descending: the reverse of each other, so
        # reading a page backwards meets rows in exactly the opposite order.
        if self.descending:
            return F(self.field).desc(nulls_first=True)
        return F(self.field).asc(nulls_last=True)


@dataclass
class KeysetPage:
    object_list: list
    has_next: bool
    has_previous: bool
    next_cursor: str
    previous_cursor: str
    size: int
    # Every row matching the filters, for ``count``.
    matching: QuerySet = field(repr=False)

    @cached_property
    def count(self) -> int:
        """Rows matching the filters: one COUNT, made only for a page that shows the total (the
        register, the cycles), not for every list that pages through the whole service."""
        return self.matching.order_by().count()

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _plain(value):
    if isinstance(value, datetime):  # before date: a datetime is one
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return str(value) if isinstance(value, Decimal) else value


def _typed(value):
    if isinstance(value, dict):
        return datetime.fromisoformat(value["t"]) if "t" in value else date.fromisoformat(value["d"])
    return value


def _encode(values: list) -> str:
    plain = [_plain(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, length: int) -> list | None:
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list):
            return None
        values = [_typed(v) for v in plain]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != length:
        return None
    return values


def _strictly_after(key: Key, value) -> Q:
    """Rows whose ``key`` comes after ``value`` in the key's order (NULLs last when ascending)."""
    nulls_after = not key.descending
    if value is None:
        # Everything non-NULL is before a NULL when NULLs come last, after it when they come first.
        return Q(pk__in=[]) if nulls_after else Q(**{f"{key.field}__isnull": False})
    beyond = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
    if key.nullable and nulls_after:
        beyond |= Q(**{f"{key.field}__isnull": True})
    return beyond


def _equal(key: Key, value) -> Q:
    return Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})


def _after(keys: list[Key], values: list) -> Q:
    """Rows after ``values`` in the order of ``keys``.

    Where every key runs the same way and none can be empty, the row value
    ``(a, b) > (x, y)``, which PostgreSQL starts an index on (a, b) at: spelled out with OR, it
    read every row before the cursor (issue 24: the Reminders page's deep pages). Otherwise the
    spelled-out comparison, with the first key's bound beside it (``a >= x``), which an index
    on ``a`` starts at."""
    directions = {key.descending for key in keys}
    if len(directions) == 1 and not any(key.nullable for key in keys) and None not in values:
        lookup = TupleLessThan if keys[0].descending else TupleGreaterThan
        return Q(lookup(Tuple(*(F(key.field) for key in keys)), tuple(values)))
    condition, same = Q(pk__in=[]), Q()
    for key, value in zip(keys, values, strict=True):
        condition |= same & _strictly_after(key, value)
        same &= _equal(key, value)
    first, value = keys[0], values[0]
    if value is not None:
        bound = Q(**{f"{first.field}__{'lte' if first.descending else 'gte'}": value})
        if first.nullable and not first.descending:
            bound |= Q(**{f"{first.field}__isnull": True})  # NULLs come after every value
        condition &= bound
    return condition


def _values(row, keys: list[Key]) -> list:
    values = []
    for key in keys:
        value = row
        for part in key.field.split("__"):
            value = getattr(value, part, None) if value is not None else None
        values.append(value)
    return values


def _column(queryset: QuerySet, path: str):
    """The model field (or annotation's output field) a key's ``path`` names, or None."""
    if path in queryset.query.annotations:
        return queryset.query.annotations[path].output_field
    model, found = queryset.model, None
    for part in path.split("__"):
        if model is None:
            return None
        try:
            found = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = found.related_model
    return found.target_field if found is not None and found.is_relation else found


def _fitted(queryset: QuerySet, keys: list[Key], values: list) -> list | None:
    """A decoded cursor's values as its keys' columns hold them, or None if one cannot be (a
    hand-edited cursor: text where a date belongs, a list, a missing id): the first page then,
    never a server error."""
    fitted = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            if not key.nullable:
                return None
            fitted.append(None)
            continue
        if isinstance(value, (list, dict)):
            return None
        column = _column(queryset, key.field)
        if isinstance(column, DateTimeField) and isinstance(value, date) and not isinstance(value, datetime):
            return None  # a day where a moment belongs
        try:
            value = column.to_python(value) if column is not None else value
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
        if isinstance(value, datetime) and value.tzinfo is None:
            return None  # a date where a moment belongs: cursors carry the moment's offset
        fitted.append(value)
    return fitted


def keyset_page(
    queryset: QuerySet,
    keys: list[Key],
    *,
    size: int,
    after: str = "",
    before: str = "",
    last: bool = False,
    narrow: bool = False,
) -> KeysetPage:
    """One page of ``queryset`` in the order ``keys`` give (see the module docstring); ``keys``
    may end with the primary key in the order wanted (``Key("pk", descending=True)``).

    ``narrow``: the page's ids are chosen first, in a subquery of the same statement, and only
    its rows are read whole. For a list whose filters match thousands of wide rows and whose
    order is not an index's (the register by provider): the ids can come from an index alone."""
    if not keys or keys[-1].field != "pk":
        keys = [*keys, Key("pk")]
    backwards = bool(before) or last
    order_keys = [key.reversed() for key in keys] if backwards else keys
    rows = queryset.order_by(*(key.order() for key in order_keys))
    cursor = before or after
    values = _decode(cursor, len(keys)) if cursor and not last else None
    if values is not None:
        values = _fitted(queryset, keys, values)
    if cursor and values is None:
        backwards = False  # a cursor that does not parse: the first page
        rows = queryset.order_by(*(key.order() for key in keys))
        order_keys = keys
    if values is not None:
        rows = rows.filter(_after(order_keys, values))
    if narrow:
        rows = queryset.filter(pk__in=rows.values("pk")[: size + 1]).order_by(*rows.query.order_by)
    found = list(rows[: size + 1])
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
        has_previous, has_next = more, not last
    else:
        has_previous, has_next = values is not None, more
    return KeysetPage(
        object_list=found,
        has_next=has_next and bool(found),
        has_previous=has_previous and bool(found),
        next_cursor=_encode(_values(found[-1], keys)) if found else "",
        previous_cursor=_encode(_values(found[0], keys)) if found else "",
        size=size,
        matching=queryset,
    )


def keyset_page_asked(queryset: QuerySet, keys: list[Key], *, size: int, query, narrow: bool = False) -> KeysetPage:
    """The page a list's address asks for: ``query`` is the request's GET, whose ``after`` or
    ``before`` cursor, or ``last=1``, the pagination links (includes/keyset_pagination.html) set."""
    return keyset_page(
        queryset,
        keys,
        size=size,
        after=query.get("after", ""),
        before=query.get("before", ""),
        last=query.get("last") == "1",
        narrow=narrow,
    )
