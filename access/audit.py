"""The audit trail across every model with a history: who changed what, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import OuterRef, Subquery
from django.utils import timezone

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


def _described(record, model) -> str:
    """What the record was, in words, from the historical row alone: simple-history's
    ``record.instance`` reads the fields it does not keep (a person's password) from the live
    row, a query per row."""
    if record.history_type == "-":
        return f"#{record.pk}"
    kept = {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields if hasattr(record, f.attname)}
    return str(model(**kept))


def _changes(record, previous) -> list[str]:
    if previous is None or record.history_type != "~":
        return []
    delta = record.diff_against(previous, foreign_keys_are_objs=False)
    return [f"{change.field}: {change.old!r} → {change.new!r}" for change in delta.changes]


def audit_rows(
    *, user=None, label: str = "", since: date | None = None, until: date | None = None, limit: int = 200
) -> list[AuditRow]:
    """The newest ``limit`` changes matching the filters, newest first."""
    models = audited_models()
    chosen = {label: models[label]} if label in models else models
    rows: list[tuple] = []
    for model in chosen.values():
        history = getattr(model, model._meta.simple_history_manager_attribute).model.objects
        records = history.select_related("history_user")
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
        for record in records.order_by("-history_date")[:limit]:
            rows.append((record.history_date, record, model))
    rows.sort(key=lambda item: item[0], reverse=True)
    rows = rows[:limit]
    wanted: dict[type, list[int]] = {}
    for _, record, model in rows:
        if record.history_type == "~" and record.previous_history_id:
            wanted.setdefault(model, []).append(record.previous_history_id)
    previous_of = {}
    for model, ids in wanted.items():
        history = getattr(model, model._meta.simple_history_manager_attribute).model.objects
        previous_of.update({(model, old.pk): old for old in history.filter(pk__in=ids)})
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
                changes=_changes(record, previous_of.get((model, record.previous_history_id))),
            )
        )
    return result
