"""The audit trail across every model with a history: who changed what, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from django.apps import apps
from django.db.models import F, OuterRef, Q, Subquery

# Django's row-value comparison, "(a, b) < (x, y)", which composite primary keys use (5.2).
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.utils import timezone
from simple_history import utils

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


def _before(model, cursor: tuple[datetime, str, int] | None) -> Q:
    """The rows of ``model``'s history after ``cursor`` in the trail's order (newest first,
    then by record type and history id, backwards): keyset pagination across every table.

    Each is a range of the table's (history_date, history_id) index (access migration 0003):
    the cursor's own table by the row value "(history_date, history_id) < (when, id)", which
    PostgreSQL starts the index scan at, where "date < when OR (date = when AND id < ...)" read
    every row of a bulk write's moment before the cursor."""
    if cursor is None:
        return Q()
    when, label, history_id = cursor
    own = model._meta.label_lower
    if own < label:
        return Q(history_date__lte=when)
    if own == label:
        return Q(TupleLessThan(Tuple(F("history_date"), F("history_id")), (when, history_id)))
    return Q(history_date__lt=when)


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


def audit_rows(
    *,
    user=None,
    label: str = "",
    since: date | None = None,
    until: date | None = None,
    limit: int = 200,
    after: tuple[datetime, str, int] | None = None,
) -> list[AuditRow]:
    """The newest ``limit`` changes matching the filters (older than ``after``), newest first."""
    models = audited_models()
    chosen = {label: models[label]} if label in models else models
    rows: list[tuple] = []
    for model in chosen.values():
        history = _history_model(model).objects
        records = history.select_related("history_user").filter(_before(model, after))
        if user is not None:
            records = records.filter(history_user=user)
        if since:
            records = records.filter(history_date__gte=timezone.make_aware(datetime.combine(since, time())))
        if until:
            records = records.filter(
                history_date__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1), time()))
            )
        # The version before each change, as simple-history's ``prev_record`` finds it, but read
        # for every row at once below rather than a query per row.
        previous = history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date")).order_by(
            "-history_date"
        )
        records = records.annotate(previous_history_id=Subquery(previous.values("history_id")[:1]))
        for record in records.order_by("-history_date", "-history_id")[:limit]:
            rows.append((record.history_date, record, model))
    rows.sort(key=lambda item: (item[0], item[2]._meta.label_lower, item[1].pk), reverse=True)
    rows = rows[:limit]
    wanted: dict[type, list[int]] = {}
    for _, record, model in rows:
        if record.history_type == "~" and record.previous_history_id:
            wanted.setdefault(model, []).append(record.previous_history_id)
    previous_of = {}
    for model, ids in wanted.items():
        history = _history_model(model).objects
        previous_of.update({(model, old.pk): old for old in history.filter(pk__in=ids)})
    m2m = _m2m_rows(rows)
    result = []
    for when, record, model in rows:
        person = record.history_user
        result.append(
            AuditRow(
                when=when,
                who=(person.get_full_name() or person.get_username()) if person else "System",
                record_type=str(model._meta.verbose_name).capitalize(),
                record=_described(record, model),
                action=ACTIONS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=_changes(record, previous_of.get((model, record.previous_history_id)), model, m2m),
                label=model._meta.label_lower,
                history_id=record.pk,
            )
        )
    return result
