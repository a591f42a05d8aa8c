"""History (django-simple-history): who made a save and why, and one entry of a page's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

# django-simple-history keeps the reason in a 100-character column.
REASON_LENGTH = 100


def record(instance, *, officer: AbstractBaseUser | None, reason: str) -> None:
    """Tell django-simple-history who makes the next save of ``instance`` and why.

    Without an officer (an import, a command) the history falls back to the signed-in person
    of the request, if any, through its middleware.
    """
    if officer is not None:
        instance._history_user = officer
    instance._change_reason = reason[:REASON_LENGTH]


def normalise_text(value: str) -> str:
    """Text as the tracker keeps it: one kind of line ending, no spaces at the end of a line,
    none before or after the whole.

    Browsers send a textarea's lines with CRLF; a value saved with LF came back "changed" on
    every save, and the history showed the whole description as old and new (issue 25).
    """
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _text_fields(instance) -> list:
    return [
        model_field
        for model_field in instance._meta.concrete_fields
        if isinstance(model_field, models.CharField | models.TextField) and not model_field.primary_key
    ]


def normalise(instance) -> None:
    """Normalise every text field of ``instance`` in place, before it is checked and saved."""
    for text_field in _text_fields(instance):
        value = getattr(instance, text_field.attname)
        if isinstance(value, str):
            setattr(instance, text_field.attname, normalise_text(value))


def _comparable(value):
    return normalise_text(value) if isinstance(value, str) else value


def changed_fields(instance) -> list[str]:
    """The names of the fields whose values differ from the saved row (text compared normalised);
    every field for a record not yet saved.

    A service saves only when this is not empty: a save that changes nothing records nothing.
    """
    fields = [model_field for model_field in instance._meta.concrete_fields if not model_field.primary_key]
    if instance._state.adding or instance.pk is None:
        return [f.name for f in fields]
    saved = type(instance)._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
    if saved is None:
        return [f.name for f in fields]
    return [f.name for f in fields if _comparable(getattr(instance, f.attname)) != _comparable(saved[f.attname])]


def person_name(user: AbstractBaseUser | None, *, nobody: str = "System") -> str:
    """The name a history entry shows: the person's full name, else their username."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()


def field_label(model_field) -> str:
    """A field's name as a history entry shows it: its verbose name with a capital first letter
    and the rest as written ("Values include VAT", not "Values include vat")."""
    label = str(model_field.verbose_name)
    return label[:1].upper() + label[1:]


def value_in_words(model_field, value):
    """A field's old or new value as an officer reads it in a history entry: the choice's label,
    the related record's name, "Yes" or "No", money with a pound sign; None when it was empty.
    Dates stay dates (templates show them in words with ``long_date``)."""
    if value is None or value == "":
        return None
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if model_field.is_relation:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        if related is None:
            return "a deleted record"
        if hasattr(related, "get_full_name"):
            return related.get_full_name() or related.get_username()
        return str(related)
    if isinstance(model_field, models.BooleanField) or isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(model_field, models.DecimalField):
        return f"£{value:,.2f}".replace(".00", "")
    return value


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: object
    new: object


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a page's history: when, who, what and why, and what changed.

    ``changes`` are ``FieldChange`` values where the page shows old and new side by side, or
    sentences ("Status: Draft → Approved") where it says them in words.
    """

    when: datetime
    who: str
    what: str
    why: str
    changes: list = field(default_factory=list)
    order: tuple = ()
