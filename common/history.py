"""History (django-simple-history): who made a save and why, and one entry of a page's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

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


def person_name(user: AbstractBaseUser | None, *, nobody: str = "System") -> str:
    """The name a history entry shows: the person's full name, else their username."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()


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
