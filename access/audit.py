"""The audit trail across every model with a history: who changed what, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.db.models import CharField, F, JSONField, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from simple_history import utils

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def audited_models() -> dict[str, type]:
    """Every model whose changes django-simple-history records, by label ("contracts.contract")."""
    found = {}
    for model in apps.get_models():
        if getattr(model._meta, "simple_history_manager_attribute", None):
            found[model._meta.label_lower] = model
    return dict(sorted(found.items(), key=lambda item: str(item[1]._meta.verbose_name)))


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
    then by record type and history id, backwards): keyset pagination across every table."""
    if cursor is None:
        return Q()
    when, label, history_id = cursor
    own = model._meta.label_lower
    if own < label:
        return Q(history_date__lte=when)
    if own == label:
        return Q(history_date__lt=when) | Q(history_date=when, history_id__lt=history_id)
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


def _history_of(model):
    return getattr(model, model._meta.simple_history_manager_attribute).model.objects


# A row's fields go through the union as text in a JSON object (one object per 40 fields:
# PostgreSQL's jsonb_build_object takes at most 100 arguments), and come back to the types the
# database would have given (``_from_text``).
_CHUNK = 40
_INTEGERS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
_TEXTS = {"CharField", "TextField", "EmailField", "URLField", "SlugField", "FileField", "ImageField"}


def _row_as_json(fields) -> JSONObject:
    chunks = [fields[index : index + _CHUNK] for index in range(0, len(fields), _CHUNK)]
    return JSONObject(
        **{
            f"part{number}": JSONObject(**{field.attname: Cast(field.attname, TextField()) for field in chunk})
            for number, chunk in enumerate(chunks)
        }
    )


def _from_text(field, text):
    """A field's value from its text, as the database's own column would have given it: aware
    datetimes in UTC, decimals to the field's places, booleans from PostgreSQL's or SQLite's text."""
    if text is None:
        return None
    kind = field.get_internal_type()
    if field.is_relation:
        return _from_text(field.target_field, text)
    if kind in _INTEGERS:
        return int(text)
    if kind in _TEXTS:
        return text
    if kind == "DateTimeField":
        value = parse_datetime(text)
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    if kind == "DateField":
        return parse_date(text)
    if kind == "DecimalField":
        return Decimal(text).quantize(Decimal(1).scaleb(-field.decimal_places))
    if kind == "BooleanField":
        return text in ("true", "t", "1", "True")
    if kind == "FloatField":
        return float(text)
    if kind == "JSONField":
        return field.from_db_value(text, None, None)
    raise TypeError(f"the audit trail cannot read a {kind} ({field})")


def _record_of(history_model, fields, data):
    """A historical record from its JSON text, as the ORM would have read it."""
    values = {}
    for part in data.values():
        values.update(part)
    return history_model(**{field.attname: _from_text(field, values.get(field.attname)) for field in fields})


def _page(
    models: dict[str, type],
    *,
    user,
    since: date | None,
    until: date | None,
    limit: int,
    after: tuple[datetime, str, int] | None,
) -> list[tuple]:
    """The newest ``limit`` changes across every history table, each with its whole row, the
    version before it and who made it, in one query: a UNION ALL of the tables, ordered and cut
    in the database. It replaced a query per table (28 of them, each ordering its table with a
    subquery per row for the version before) and a query per kind for the rows (issue 24)."""
    branches = []
    for label, model in models.items():
        history = _history_of(model)
        fields = list(history.model._meta.concrete_fields)
        records = history.filter(_before(model, after))
        if user is not None:
            records = records.filter(history_user=user)
        if since:
            records = records.filter(history_date__gte=timezone.make_aware(datetime.combine(since, time())))
        if until:
            records = records.filter(
                history_date__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1), time()))
            )
        # The version before each change, as simple-history's ``prev_record`` finds it.
        previous = history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date")).order_by(
            "-history_date"
        )
        branches.append(
            records.order_by()
            .annotate(
                audit_label=Value(label, output_field=CharField()),
                audit_row=_row_as_json(fields),
                previous_history_id=Subquery(previous.values("history_id")[:1]),
                previous_row=Subquery(
                    previous.annotate(row=_row_as_json(fields)).values("row")[:1], output_field=JSONField()
                ),
                who_username=F("history_user__username"),
                who_first_name=F("history_user__first_name"),
                who_last_name=F("history_user__last_name"),
            )
            .values_list(
                "history_date",
                "audit_label",
                "history_id",
                "previous_history_id",
                "audit_row",
                "previous_row",
                "who_username",
                "who_first_name",
                "who_last_name",
            )
        )
    if not branches:
        return []
    union = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    return list(union.order_by("-history_date", "-audit_label", "-history_id")[:limit])


def audit_rows(
    *,
    user=None,
    label: str = "",
    since: date | None = None,
    until: date | None = None,
    limit: int = 200,
    after: tuple[datetime, str, int] | None = None,
) -> list[AuditRow]:
    """The newest ``limit`` changes matching the filters (older than ``after``), newest first.

    One query reads the page across every table (``_page``), then one a many-to-many field
    changed on it (a person's groups)."""
    models = audited_models()
    chosen = {label: models[label]} if label in models else models
    rows: list[tuple] = []
    previous_of = {}
    who = {}
    for when, model_label, _, previous_id, data, previous_data, username, first, last in _page(
        chosen, user=user, since=since, until=until, limit=limit, after=after
    ):
        model = chosen[model_label]
        history_model = _history_of(model).model
        fields = list(history_model._meta.concrete_fields)
        record = _record_of(history_model, fields, data)
        record.previous_history_id = previous_id
        rows.append((when, record, model))
        if record.history_type == "~" and previous_id and previous_data is not None:
            previous_of[(model, previous_id)] = _record_of(history_model, fields, previous_data)
        if username is not None:
            who[(model, record.pk)] = f"{first} {last}".strip() or username
    m2m = _m2m_rows(rows)
    result = []
    for when, record, model in rows:
        result.append(
            AuditRow(
                when=when,
                who=who.get((model, record.pk), "System"),
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
