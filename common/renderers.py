"""The form renderer: Django's own widget templates written out in Python, everything else
through the templates as before.

Issue 24: rendering a register's filters went through Django's template engine once per
widget, once per ``<option>`` and once per widget's attributes (``attrs.html``), about a
seventh of a register page's CPU. ``render`` below gives the same characters for the stock
input, checkbox, select and textarea templates (tests/test_form_renderer.py compares the two
for every kind, with errors, escaping and option groups); any other template (the GOV.UK date
input in templates/govuk, or a project copy of a stock template) is rendered by
``TemplatesSetting`` as before.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting
from django.template.loader import get_template
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

WIDGETS = "django/forms/widgets/"
INPUTS = {
    f"{WIDGETS}{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "search", "tel", "checkbox", "date")
}
SELECTS = {f"{WIDGETS}select.html"}
OPTIONS = {f"{WIDGETS}select_option.html"}
TEXTAREAS = {f"{WIDGETS}textarea.html"}
WRITTEN_OUT = INPUTS | SELECTS | OPTIONS | TEXTAREAS


def _shown(value) -> str:
    """``{{ value }}``: localised, escaped unless already safe."""
    return conditional_escape(localize(value))


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: always a plain string, so always escaped."""
    return escape(value)  # escape() escapes even what is marked safe, as the filter does


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'


def _option(widget: dict) -> str:
    return (
        f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>{_shown(widget["label"])}</option>\n'
    )


def _select(widget: dict, renderer) -> str:
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            parts.append("\n  ")
            # {% include %}, so not stripped as the renderer strips what it returns.
            parts.append(_option(option) if option["template_name"] in OPTIONS else renderer.render_option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = _shown(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


class GovukFormRenderer(TemplatesSetting):
    """``TemplatesSetting`` (the project's templates first, then Django's), with the stock
    widgets written out in Python when the project has not replaced their templates."""

    def __init__(self):
        super().__init__()
        self._stock: dict[str, bool] = {}

    def _is_stock(self, template_name: str) -> bool:
        """True when ``template_name`` resolves to Django's own file (not a project copy)."""
        if template_name not in self._stock:
            origin = get_template(template_name).origin.name
            self._stock[template_name] = origin.replace("\\", "/").endswith(f"django/forms/templates/{template_name}")
        return self._stock[template_name]

    def render(self, template_name, context, request=None):
        if template_name not in WRITTEN_OUT or request is not None or not self._is_stock(template_name):
            return super().render(template_name, context, request=request)
        widget = context["widget"]
        if template_name in OPTIONS:
            text = _option(widget)
        elif template_name in SELECTS:
            text = _select(widget, self)
        elif template_name in TEXTAREAS:
            text = _textarea(widget)
        else:
            text = _input(widget)
        return mark_safe(text.strip())  # as BaseRenderer.render does

    def render_option(self, option: dict) -> str:
        """An option with a template of its own, included as the select template would."""
        return get_template(option["template_name"]).render({"widget": option})
