"""A detail page's address for a row, without resolving the URL pattern for every row.

Issue 24: lists call ``get_absolute_url`` once a row (96 times on a dashboard), and each
``reverse`` walks the resolver: 5 to 8 per cent of a page's CPU. ``reverse_pk`` reverses a
URL name once (per URL configuration and script prefix) with a stand-in id, and puts each
row's id in its place, giving what ``reverse(name, args=[pk])`` gives.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_STAND_IN = 918273645  # an id no URL pattern's fixed text contains
_FORMS: dict[tuple, tuple[str, str] | None] = {}


def reverse_pk(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for an integer ``pk``."""
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name)
    form = _FORMS.get(key, False)
    if form is False:
        parts = reverse(name, args=[_STAND_IN]).split(str(_STAND_IN))
        form = _FORMS[key] = tuple(parts) if len(parts) == 2 else None
    if form is None or not isinstance(pk, int):
        return reverse(name, args=[pk])
    return f"{form[0]}{pk}{form[1]}"
