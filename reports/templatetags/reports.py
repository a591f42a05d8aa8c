"""Template filters for decision reports and KPI figures."""

from __future__ import annotations

from decimal import Decimal

import nh3
from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

from common.history import person_name

register = template.Library()

# The Markdown officers may use: paragraphs, line breaks, lists, emphasis and links. No
# headings (they would break the report's heading order), images, tables, code or raw HTML.
_MARKDOWN = MarkdownIt("zero", {"breaks": True, "html": False, "linkify": False, "typographer": False}).enable(
    ["list", "emphasis", "link", "newline"]
)
_ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "em", "strong", "a"}
_ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
_ALLOWED_URL_SCHEMES = {"https", "http", "mailto"}


@register.filter
def narrative(text: str) -> str:
    """An officer's text as HTML: a small, safe Markdown subset (CommonMark, markdown-it-py).

    Blank lines part paragraphs, a line break is kept, lines starting "- " or "1. " are lists
    (with or without a blank line before them), *emphasis*, **strong** and [links](https://...).
    Raw HTML is escaped by the parser, and the result is sanitised by nh3 to the tags above,
    so officers' words can never become other markup, and never make the PDF renderer load
    anything (reports/pdf.py's fetcher is the second wall).
    """
    if not text or not text.strip():
        return ""
    html = _MARKDOWN.render(text.replace("\r\n", "\n"))
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean.strip())


def _number(value: Decimal) -> str:
    text = f"{Decimal(value):,.2f}"
    return text.removesuffix(".00")


@register.filter
def kpi_value(value, unit: str) -> str:
    """99 % → "99%"; 1049988 £ → "£1,049,988"; 10 months → "10 months"; 310 → "310"."""
    if value is None or value == "":
        return ""
    number = _number(value)
    if unit == "percent":
        return f"{number}%"
    if unit == "pounds":
        return f"£{number}"
    if unit in ("days", "weeks", "months"):
        return f"{number} {unit[:-1] if Decimal(value) == 1 else unit}"
    return number


@register.filter
def score(value) -> str:
    """A quality score: 83.0 → "83%"."""
    if value is None or value == "":
        return ""
    return f"{_number(value)}%"


@register.filter
def yes_no(value) -> str:
    return "Y" if value else "N"


@register.filter
def attr(obj, name: str):
    """``report|attr:"implies_capital"``: a field named in a loop."""
    return getattr(obj, name, "")


@register.filter
def met_label(met) -> str:
    if met is None:
        return "No target"
    return "Met" if met else "Not met"


@register.filter
def attr_key(mapping: dict, key: str):
    return mapping.get(key, "")


@register.filter
def person(user) -> str:
    """A person's full name, else their username; "System" for changes no person made."""
    return person_name(user)
