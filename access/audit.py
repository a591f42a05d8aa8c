"""The audit trail across every model with a history: who changed what, when and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from simple_history import utils

User = get_user_model()
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def audited_models() -> dict[str, type]:
    """Every model whose changes django-simple-history records, by label ("contracts.contract")."""
    found = {}
    for model in apps.get_models():
        if getattr(model._meta, "simple_history_manager_attribute", None):
            found[model._meta.label_lower] = model
    return dict(sorted(found.items(), key=lambda item: str(item[1]._meta.verbose_name)))


@cache
def _history_model(model: type) -> type:
    """The model of ``model``'s history rows. Asked for through its manager attribute, simple-history
    builds a new manager class each time (inspect over the queryset's methods): 17 ms of an admin's
    page for 28 kinds of record, and the same class every time."""
    return getattr(model, model._meta.simple_history_manager_attribute).model


@dataclass
class AuditRow:
    when: datetime
    who: str
    record_type: str
    record: str
    action: str
    reason: str
    changes: list[str]
    # Where the row is in the trail's order, for the next page's cursor.
    label: str = ""
    history_id: int = 0


def _described(record, model) -> str:
    """What the record was, in words, from the historical row alone: simple-history's
    ``record.instance`` reads the fields it does not keep (a person's password) from the live
    row, a query per row."""
    if record.history_type == "-":
        return f"#{record.pk}"
    kept = {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields if hasattr(record, f.attname)}
    return str(model(**kept))


def _m2m_rows(rows: list[tuple]) -> dict:
    """The rows of every many-to-many field (a person's groups) of each historical record on the
    page and of the version before it, one query a field: simple-history's ``diff_against``
    reads them two queries a row (169 queries for an admin's page at 1,000 contracts)."""
    wanted: dict[tuple, set[int]] = {}
    throughs = {}
    for _, record, model in rows:
        if record.history_type != "~" or not record.previous_history_id:
            continue
        for field in record._history_m2m_fields:
            wanted.setdefault((model, field.name), set()).update({record.pk, record.previous_history_id})
            # The historical through model, from the related manager (which reads nothing).
            throughs[(model, field.name)] = getattr(record, field.name).model
    found: dict[tuple, list[dict]] = {}
    for (model, name), ids in wanted.items():
        through = throughs[(model, name)]
        fields = [
            f.name for f in through._meta.fields if f.editable and f.name not in ("id", "m2m_history_id", "history")
        ]
        reverse_name = utils.get_m2m_reverse_field_name(model._meta.get_field(name))
        for row in through.objects.filter(history_id__in=ids).order_by(reverse_name).values("history_id", *fields):
            found.setdefault((model, name, row.pop("history_id")), []).append(row)
    return found


def _changes(record, previous, model, m2m: dict) -> list[str]:
    if previous is None or record.history_type != "~":
        return []
    names = [field.name for field in record._history_m2m_fields]
    delta = record.diff_against(previous, excluded_fields=names, foreign_keys_are_objs=False)
    changes = [(change.field, change.old, change.new) for change in delta.changes]
    for name in names:
        old, new = m2m.get((model, name, previous.pk), []), m2m.get((model, name, record.pk), [])
        if old != new:
            changes.append((name, old, new))
    return [f"{field}: {old!r} → {new!r}" for field, old, new in sorted(changes, key=lambda change: change[0])]


def encode_cursor(row: AuditRow) -> str:
    return f"{row.when.isoformat()}|{row.label}|{row.history_id}"


def decode_cursor(text: str) -> tuple[datetime, str, int] | None:
    """A cursor from the address; None (the newest page) for one that does not parse."""
    try:
        when, label, history_id = text.split("|")
        parsed = datetime.fromisoformat(when)
        return (parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)), label, int(history_id)
    except (ValueError, TypeError):
        return None


def _moment(when: datetime):
    """A moment as the database keeps it, for raw SQL (SQLite: UTC text without an offset)."""
    return connection.ops.adapt_datetimefield_value(when)


def _field_value(field, value):
    """A value of a history row's JSON read back to its field's type, as the ORM would give it:
    a decimal with its places, a moment aware (SQLite keeps UTC without an offset)."""
    if value is None:
        return None
    value = field.to_python(value)
    if isinstance(value, Decimal) and getattr(field, "decimal_places", None) is not None:
        return value.quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value


def _conditions(model, *, user, since, until, after, params: list) -> str:
    """The WHERE of one history table's part of the page. The cursor's own table starts after it
    by the row value "(history_date, history_id) < (when, id)", which PostgreSQL starts the
    table's (history_date, history_id) index at (access migration 0003); another table's rows
    at the cursor's moment come before or after it by their label, as the trail orders them."""
    found = []
    if user is not None:
        found.append('"history_user_id" = %s')
        params.append(user.pk)
    if since:
        found.append('"history_date" >= %s')
        params.append(_moment(timezone.make_aware(datetime.combine(since, time()))))
    if until:
        found.append('"history_date" < %s')
        params.append(_moment(timezone.make_aware(datetime.combine(until + timedelta(days=1), time()))))
    if after is not None:
        when, label, history_id = after
        own = model._meta.label_lower
        if own == label:
            found.append('("history_date", "history_id") < (%s, %s)')
            params.extend([_moment(when), history_id])
        else:
            found.append('"history_date" <= %s' if own < label else '"history_date" < %s')
            params.append(_moment(when))
    return " AND ".join(found) or "1 = 1"


def _page_keys(chosen: dict[str, type], *, user, since, until, limit, after) -> list[tuple[str, int, int | None]]:
    """The page's rows as (label, history id, history id of the version before), newest first,
    chosen across every history table in one query: each table's newest ``limit`` read from its
    (history_date, history_id) index, then the newest ``limit`` of them all. Raw SQL: the ORM's
    28 querysets cost 20 ms of CPU a page to build, and the query a table a round trip each."""
    labels = sorted(chosen)  # the trail's order: by label where two changes share a moment
    parts, params = [], []
    for rank, label in enumerate(labels):
        model = chosen[label]
        table = _history_model(model)._meta.db_table
        pk = model._meta.pk.column
        where = _conditions(model, user=user, since=since, until=until, after=after, params=params)
        parts.append(
            f'SELECT * FROM (SELECT {rank} AS "rank", "history_id", "history_date", '
            f'(SELECT "before"."history_id" FROM "{table}" "before" WHERE "before"."{pk}" = "h"."{pk}" '
            f'AND "before"."history_date" < "h"."history_date" ORDER BY "before"."history_date" DESC LIMIT 1) '
            f'AS "previous" FROM "{table}" "h" WHERE {where} '
            f'ORDER BY "history_date" DESC, "history_id" DESC LIMIT {int(limit)}) AS "part{rank}"'
        )
    sql = (
        'SELECT "rank", "history_id", "previous" FROM ('
        + " UNION ALL ".join(parts)
        + f') AS "page" ORDER BY "history_date" DESC, "rank" DESC, "history_id" DESC LIMIT {int(limit)}'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(labels[rank], history_id, previous) for rank, history_id, previous in cursor.fetchall()]


def _as_json(history) -> str:
    """SQL for a history row as one JSON text, so rows of every table come back in one query."""
    if connection.vendor == "postgresql":
        return 'row_to_json("h")::text'
    pairs = ", ".join(f'\'{field.column}\', "h"."{field.column}"' for field in history._meta.concrete_fields)
    return f"json_object({pairs})"


def _history_rows(wanted: dict[str, set[int]], chosen: dict[str, type]) -> dict[tuple[str, int], tuple]:
    """The history rows ``wanted`` (by label, history ids), with the name of who made each,
    read in one query (each table's rows as JSON text, read back to its fields' types)."""
    parts, params = [], []
    for label, ids in sorted(wanted.items()):
        history = _history_model(chosen[label])
        table = history._meta.db_table
        parts.append(
            f'SELECT %s, "h"."history_id", {_as_json(history)}, "u"."username", "u"."first_name", '
            f'"u"."last_name" FROM "{table}" "h" LEFT JOIN "{User._meta.db_table}" "u" ON "u"."id" = "h"."history_user_id" '
            f'WHERE "h"."history_id" IN ({", ".join(["%s"] * len(ids))})'
        )
        params.extend([label, *sorted(ids)])
    found = {}
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for label, history_id, text, username, first, last in cursor.fetchall():
            history = _history_model(chosen[label])
            values = json.loads(text, parse_float=Decimal)
            record = history(
                **{
                    field.attname: _field_value(field, values.get(field.column))
                    for field in history._meta.concrete_fields
                }
            )
            who = "System" if username is None else (f"{first} {last}".strip() or username)
            found[(label, history_id)] = (record, who)
    return found


def audit_rows(
    *,
    user=None,
    label: str = "",
    since: date | None = None,
    until: date | None = None,
    limit: int = 200,
    after: tuple[datetime, str, int] | None = None,
) -> list[AuditRow]:
    """The newest ``limit`` changes matching the filters (older than ``after``), newest first:
    one query chooses the page across every table, one reads its rows and the versions before
    them, whatever kinds of record it shows (tests/test_navigation_queries.py)."""
    models = audited_models()
    chosen = {label: models[label]} if label in models else models
    keys = _page_keys(chosen, user=user, since=since, until=until, limit=limit, after=after)
    wanted: dict[str, set[int]] = {}
    for key_label, history_id, previous in keys:
        wanted.setdefault(key_label, set()).update({history_id} | ({previous} if previous else set()))
    found = _history_rows(wanted, chosen)
    rows = []
    for key_label, history_id, previous in keys:
        record, who = found[(key_label, history_id)]
        record.previous_history_id = previous
        rows.append((record.history_date, record, chosen[key_label], who))
    m2m = _m2m_rows([(when, record, model) for when, record, model, _ in rows])
    result = []
    for when, record, model, who in rows:
        before = found.get((model._meta.label_lower, record.previous_history_id))
        result.append(
            AuditRow(
                when=when,
                who=who,
                record_type=str(model._meta.verbose_name).capitalize(),
                record=_described(record, model),
                action=ACTIONS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=_changes(record, before[0] if before else None, model, m2m),
                label=model._meta.label_lower,
                history_id=record.pk,
            )
        )
    return result
