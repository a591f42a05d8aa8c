"""Reads that span relations: the register and a contract's history."""

from __future__ import annotations

from datetime import date

from django.db.models import F, Q, QuerySet

from access import policy
from common.history import FieldChange, HistoryEntry, field_label, person_name, value_in_words
from common.keyset import Key

from . import terms
from .models import Contract, ExtensionOption, Organisation

# Sort keys the register accepts, and the columns they sort on (reference breaks ties).
REGISTER_SORTS = {
    "end": ("current_end_date", "reference"),
    "days": ("current_end_date", "reference"),
    "reference": ("reference",),
    "title": ("title", "reference"),
    "provider": (F("provider__name").asc(nulls_last=True), "reference"),
    "options": ("options_left", "current_end_date", "reference"),
    "start": ("start_date", "reference"),
}


# The same orders as keyset pagination sees them (common.keyset): a field per key, the
# provider's name the one that can be empty (a contract still being procured).
REGISTER_KEYS = {
    "end": ("current_end_date", "reference"),
    "days": ("current_end_date", "reference"),
    "reference": ("reference",),
    "title": ("title", "reference"),
    "provider": ("provider__name", "reference"),
    "options": ("options_left", "current_end_date", "reference"),
    "start": ("start_date", "reference"),
}
NULLABLE_KEYS = {"provider__name"}


def providers_offered_to(user) -> QuerySet[Organisation]:
    """The providers a person's filters offer: those of the contracts they may see (the register's
    list once offered every provider in the service: 4,000 at 100,000 contracts)."""
    visible = policy.contracts_visible_to(user).values("provider_id")
    return Organisation.objects.exclude(role=Organisation.Role.BUYER).filter(pk__in=visible).order_by("name", "pk")


def register_keys(sort: str, descending: bool) -> list[Key]:
    """The register's order for ``keyset_page``: the same as ``contracts_for_register`` gives."""
    return [
        Key(field, descending=descending, nullable=field in NULLABLE_KEYS)
        for field in REGISTER_KEYS.get(sort, REGISTER_KEYS["end"])
    ]


def contracts_for_register(*, user, filters: dict, sort: str, descending: bool, today: date) -> QuerySet[Contract]:
    """The register's rows a person may see, for the given filters and order, ready to paginate."""
    contracts = policy.contracts_visible_to(user, Contract.objects.with_register_columns())
    if query := filters.get("q"):
        contracts = contracts.filter(Q(reference__icontains=query) | Q(title__icontains=query))
    if status := filters.get("status"):
        contracts = contracts.in_phase(terms.Phase(status), today)
    if service := filters.get("service"):
        contracts = contracts.filter(service_category=service)
    if provider := filters.get("provider"):
        contracts = contracts.filter(provider=provider)
    if team := filters.get("team"):
        contracts = contracts.filter(team=team)
    # Typed where the lists are too long to offer (contracts.forms.MANY_CHOICES): part of a name.
    if provider_name := filters.get("provider_name"):
        contracts = contracts.filter(provider__name__icontains=provider_name)
    if team_name := filters.get("team_name"):
        contracts = contracts.filter(team__name__icontains=team_name)
    if months := filters.get("ending_within"):
        contracts = contracts.filter(
            current_end_date__gte=today, current_end_date__lte=terms.add_months(today, int(months))
        )
    if risk := filters.get("risk"):
        # The rating stored by commissioning.ratings (rated again each night and on every change).
        contracts = contracts.filter(rating__rating__in=["red", "amber"] if risk == "attention" else [risk])
    ordering = []
    for key in REGISTER_SORTS.get(sort, REGISTER_SORTS["end"]):
        if isinstance(key, str):
            key = F(key).asc()
        if descending:
            key = key.copy()
            key.reverse_ordering()
        ordering.append(key)
    return contracts.order_by(*ordering)


def _display(field, value):
    return value_in_words(field, value)


def _changes(old, new) -> list[FieldChange]:
    delta = new.diff_against(old, excluded_fields=["id"])
    return [
        FieldChange(
            label=field_label(field),
            old=_display(field, change.old),
            new=_display(field, change.new),
        )
        for change in delta.changes
        for field in [new.instance_type._meta.get_field(change.field)]
    ]


def _entries(records, describe, rank: int) -> list[HistoryEntry]:
    entries = []
    previous_by_object = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        previous = previous_by_object.get(record.id)
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=person_name(record.history_user),
                what=describe(record),
                why=record.history_change_reason or "",
                changes=_changes(previous, record) if previous is not None else [],
                order=(record.history_date, rank, record.history_id),
            )
        )
        previous_by_object[record.id] = record
    return entries


def contract_history(contract: Contract) -> list[HistoryEntry]:
    """Who changed what, when and why, for a contract and its options, newest first."""
    verbs = {"+": "created", "~": "changed", "-": "deleted"}
    contract_records = contract.history.select_related("history_user")
    option_records = ExtensionOption.history.filter(contract_id=contract.pk).select_related("history_user")
    entries = _entries(contract_records, lambda r: f"Contract {verbs[r.history_type]}", rank=1)
    entries += _entries(option_records, lambda r: f"Option {r.sequence} {verbs[r.history_type]}", rank=0)
    # Newest first; an option's change and the end date it moved share a moment, and the
    # contract's row (saved second) goes above the option's.
    return sorted(entries, key=lambda e: e.order, reverse=True)


def organisation_history(organisation) -> list[HistoryEntry]:
    """Who changed a buyer or provider, what, when and why, newest first."""
    verbs = {"+": "added", "~": "changed", "-": "deleted"}
    records = organisation.history.select_related("history_user")
    entries = _entries(records, lambda r: f"Organisation {verbs[r.history_type]}", rank=0)
    return sorted(entries, key=lambda e: e.order, reverse=True)
