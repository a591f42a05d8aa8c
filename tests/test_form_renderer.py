"""The form renderer writes Django's stock widgets out in Python (issue 24: a register page
spent a seventh of its CPU in the widget templates); the characters must be the templates'."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe

from common.renderers import GovukFormRenderer
from contracts.forms import RegisterFilterForm
from contracts.templatetags.govuk import govuk_widget
from tests.factories import make_team, make_user


class EveryWidget(forms.Form):
    text = forms.CharField(label="Name & <title>", help_text="Part of a name")
    number = forms.IntegerField(required=False, min_value=0)
    decimal = forms.DecimalField(
        required=False, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})
    )
    email = forms.EmailField(required=False)
    url = forms.URLField(
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "off", "data-x": '"quoted" & <b>'}),
    )
    password = forms.CharField(required=False, widget=forms.PasswordInput)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search", "spellcheck": False}))
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ticked = forms.BooleanField(required=False)
    unticked = forms.BooleanField(required=False, disabled=True)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    choice = forms.ChoiceField(
        required=False,
        choices=[("", "---------"), ("a&b", "A & B"), ("c", mark_safe("<em>C</em>")), (3, 3)],
    )
    grouped = forms.ChoiceField(
        choices=[("", "Choose"), ("Refuges", [("r1", "Refuge <1>"), ("r2", "Refuge 2")]), ("o", "Outreach")]
    )
    many = forms.MultipleChoiceField(required=False, choices=[("x", "X"), ("y", "Y")])


DATA = {
    "text": 'Bob "the" <builder> & co',
    "number": "-3",
    "decimal": "12.50",
    "email": "not an email",
    "url": "https://example.org/?a=1&b=2",
    "password": "secret",
    "hidden": "<h>",
    "search": "x",
    "day": "2027-03-01",
    "ticked": "on",
    "notes": "line one\n<two> & three",
    "choice": "a&b",
    "grouped": "r1",
    "many": ["x", "y"],
}


def rendered(form, renderer) -> list[str]:
    form.renderer = renderer
    for field in form.fields.values():
        field.widget.is_required = field.required
    return [str(bound.as_widget()) for bound in form] + [str(govuk_widget(bound)) for bound in form]


@pytest.mark.parametrize("data", [None, DATA, {"number": "x", "grouped": "nope"}], ids=["unbound", "valid", "errors"])
def test_every_stock_widget_renders_as_its_template_does(data):
    expected = rendered(EveryWidget(data), TemplatesSetting())
    assert rendered(EveryWidget(data), GovukFormRenderer()) == expected
    assert any("<optgroup" in text for text in expected) and any("&amp;" in text for text in expected)


@pytest.mark.django_db
def test_the_register_filters_render_as_the_templates_do():
    team = make_team(name="Refuges & outreach")
    user = make_user(username="olivia", teams=[team])
    data = {"q": "<script>", "status": "active", "team": str(team.pk), "ending_within": "24"}
    expected = rendered(RegisterFilterForm(data, user=user), TemplatesSetting())
    assert rendered(RegisterFilterForm(data, user=user), GovukFormRenderer()) == expected
