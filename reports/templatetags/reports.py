"""Template filters for decision reports and KPI figures."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from common.history import person_name

register = template.Library()

_BULLETS = ("- ", "* ", "• ")


@register.filter
def narrative(text: str) -> str:
    """An officer's text as HTML: blank lines part paragraphs, lines starting "- " are a list.

    Everything is escaped first: officers' words can never become markup, so a report's text
    can never make the PDF renderer load anything.
    """
    if not text:
        return ""
    html = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip("\n").split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith(_BULLETS) for line in lines):
            items = "".join(f"<li>{escape(line.lstrip()[2:].strip())}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append("<p>" + "<br>".join(escape(line.strip()) for line in lines) + "</p>")
    return mark_safe("\n".join(html))


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
