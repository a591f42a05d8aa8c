"""The Transparency Code page's form: which quarter, and optionally which buying organisation."""

from __future__ import annotations

from datetime import date

from django import forms

from access import policy
from contracts.models import Organisation

from .transparency import Quarter, last_complete_quarter, quarters_up_to


class TransparencyForm(forms.Form):
    quarter = forms.ChoiceField(
        label="Quarter",
        help_text="Financial-year quarters: Q1 is April to June",
        error_messages={
            "required": "Select the quarter",
            "invalid_choice": "Select a quarter from the list, from April 2015 to this quarter",
        },
    )
    buyer = forms.ModelChoiceField(
        label="Organisation",
        required=False,
        empty_label="All organisations",
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": "Select an organisation from the list"},
    )

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        current = Quarter.containing(today)
        self.fields["quarter"].choices = [
            (q.key, q.label + (" (in progress)" if q == current else "")) for q in quarters_up_to(today)
        ]
        self.fields["quarter"].initial = last_complete_quarter(today).key
        # Only organisations that buy a contract the person can see: another team's buyers stay hidden.
        self.fields["buyer"].queryset = Organisation.objects.filter(
            pk__in=policy.contracts_visible_to(user).values("buyer_id")
        ).order_by("name")

    def clean_quarter(self) -> Quarter:
        return Quarter.parse(self.cleaned_data["quarter"])
