"""Template helpers that render Django form fields and values the GOV.UK way."""

from datetime import date
from decimal import Decimal

from django import forms, template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from common import dates
from common.urls import reverse_pk

register = template.Library()

_CLASSES = {
    forms.Select: ("govuk-select", "govuk-select--error"),
    forms.Textarea: ("govuk-textarea", "govuk-textarea--error"),
    forms.CheckboxInput: ("govuk-checkboxes__input", ""),
}


DASHES = "---------"


def word_the_empty_choice(field) -> None:
    """A select's empty choice in words, not Django's dashes (issue 25): "Choose one" where an
    answer is needed, "None" where it may be left empty."""
    words = "Choose one" if field.required else "None"
    if getattr(field, "empty_label", None) == DASHES:
        field.empty_label = words  # a ModelChoiceField's iterator reads it as the select renders
    elif isinstance(field.widget, forms.Select) and not isinstance(field.widget, forms.SelectMultiple):
        choices = list(field.widget.choices)
        if any(label == DASHES for _, label in choices):
            field.widget.choices = [(value, words if label == DASHES else label) for value, label in choices]


@register.filter
def govuk_widget(bound_field):
    """Render a field's widget with GOV.UK classes and its hint and error wired up for screen readers."""
    widget = bound_field.field.widget
    word_the_empty_choice(bound_field.field)
    describedby = []
    if bound_field.help_text:
        describedby.append(f"{bound_field.auto_id}-hint")
    if bound_field.errors:
        describedby.append(f"{bound_field.auto_id}-error")
    attrs = {}
    if describedby and not getattr(widget, "is_date_input", False):
        attrs["aria-describedby"] = " ".join(describedby)
    if getattr(widget, "is_date_input", False):
        if bound_field.errors:
            attrs["aria-invalid"] = "true"
        return bound_field.as_widget(attrs=attrs)
    base, error = next(
        (classes for kind, classes in _CLASSES.items() if isinstance(widget, kind)),
        ("govuk-input", "govuk-input--error"),
    )
    extra = widget.attrs.get("class", "")
    attrs["class"] = " ".join(c for c in (base, extra, error if bound_field.errors else "") if c)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def is_date_input(bound_field) -> bool:
    return getattr(bound_field.field.widget, "is_date_input", False)


def _anchor(bound_field) -> str:
    return f"{bound_field.auto_id}_day" if is_date_input(bound_field) else bound_field.id_for_label


@register.filter
def error_anchor(form) -> str:
    """Where an error about the whole form links to in the error summary: the first field with
    an error, else the first field shown (issue 25: such errors linked to nothing). Given an
    id already (a page's own ``non_field_anchor``), that id."""
    if isinstance(form, str):
        return form
    fields = [field for field in form if not field.is_hidden]
    with_errors = [field for field in fields if field.errors]
    chosen = (with_errors or fields or [None])[0]
    return _anchor(chosen) if chosen is not None else ""


@register.filter
def long_date(value) -> str:
    """1 March 2027; aware datetimes are shown in London time with the time of day."""
    if value in (None, ""):
        return ""
    if isinstance(value, date):  # datetimes too
        return dates.long_date(value)
    return str(value)


@register.filter
def time_of_day(value) -> str:
    """11:59pm, midday, midnight: a time or an aware datetime's London time of day, never "23:59"."""
    if value in (None, ""):
        return ""
    return dates.time_of_day(value)


@register.filter
def money(value) -> str:
    """£524,994 or £1,049,988.50: pence only when there are some."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    text = intcomma(f"{amount:.2f}") if amount % 1 else intcomma(int(amount))
    return f"£{text}"


@register.filter
def months_label(months) -> str:
    """60 → 5 years; 18 → 1 year 6 months."""
    if months in (None, ""):
        return ""
    years, rest = divmod(int(months), 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)


PHASE_TAGS = {
    "planned": "govuk-tag--blue",
    "active": "govuk-tag--green",
    "in_extension": "govuk-tag--turquoise",
    "expired": "govuk-tag--grey",
    "terminated": "govuk-tag--red",
    "available": "govuk-tag--blue",
    "proposed": "govuk-tag--yellow",
    "approved": "govuk-tag--turquoise",
    "exercised": "govuk-tag--green",
    "declined": "govuk-tag--red",
    "lapsed": "govuk-tag--grey",
}


@register.filter
def tag_class(status) -> str:
    return PHASE_TAGS.get(str(status), "govuk-tag--grey")


@register.simple_tag
def url_pk(name: str, pk) -> str:
    """``{% url_pk 'contracts:organisation-detail' organisation.pk %}``: what ``{% url name pk %}``
    gives, for a link on every row of a table, from one reversal of the URL name
    (``common.urls.reverse_pk``, issue 24) rather than one a row."""
    return reverse_pk(name, pk)


# Tags shown once a row in long tables: written here rather than as included templates, whose
# rendering cost a tenth of a dashboard's CPU (issue 24). Each is surrounded by the newlines the
# included templates gave.


@register.simple_tag
def gap_tag(gaps) -> str:
    """The red "Gap in cover" tag on a contract or a cycle some service would be left without a
    contract by (commissioning.cover); nothing when ``gaps`` is empty."""
    return mark_safe(
        '\n<strong class="govuk-tag govuk-tag--red app-gap-tag">Gap in cover</strong>\n' if gaps else "\n\n"
    )


@register.simple_tag
def no_successor_tag(boundaries) -> str:
    """The red "No successor" tag on a service, contract or cycle whose cover ends (or has
    ended) with nothing to take over and no decommissioning decided
    (commissioning.cover.Boundary.no_successor); nothing when ``boundaries`` is empty."""
    if not boundaries:
        return mark_safe("\n\n")
    return mark_safe('\n<strong class="govuk-tag govuk-tag--red app-no-successor-tag">No successor</strong>\n')


@register.simple_tag
def risk_tag(risk) -> str:
    """A recommissioning risk (commissioning.rules.Risk): the red, amber or green tag and its
    reason; nothing when ``risk`` is None (the contract has ended)."""
    if not risk:
        return mark_safe("\n\n")
    return format_html(
        '\n<strong class="govuk-tag {} app-risk-tag"><span class="govuk-visually-hidden">Recommissioning risk: '
        '</span>{}</strong>\n<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0 app-risk-reason">'
        "{}</p>\n",
        risk.tag_class,
        risk.label,
        risk.reason,
    )
