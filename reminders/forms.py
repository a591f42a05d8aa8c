"""Forms for the Reminders page's filters and an officer's quiet days."""

from __future__ import annotations

from django import forms

from commissioning.filters import TeamFilterForm
from contracts.widgets import GovukDateField

from .models import QuietDays


class ReminderFilterForm(TeamFilterForm):
    """The Reminders page's filters; every one optional, bad values reported and ignored.

    The team as on the dashboard (``commissioning.filters.TeamFilterForm``): chosen from a list,
    or typed with suggestions by someone who sees more teams than a list holds; "All teams" is a
    choice, and an admin's page opens on their own team (``ReminderFilterForm.opening``).
    """

    mine = forms.BooleanField(required=False, label="Only reminders to me")
    recipient = forms.CharField(
        required=False,
        max_length=200,
        label="To",
        help_text="Part of a name or email address, for example 'olivia' or 'da-team@'",
    )
    sent_from = GovukDateField(required=False, label="From", help_text="Send date on or after, for example 1 3 2026")
    sent_to = GovukDateField(required=False, label="To date", help_text="Send date on or before, for example 31 3 2026")

    def clean(self):
        data = super().clean()
        first, last = data.get("sent_from"), data.get("sent_to")
        if first and last and first > last:
            self.add_error("sent_to", "The end date must be the same as or after the start date")
        return data

    def filters(self) -> dict:
        """The filters that are valid, for the selector: an invalid one is left out, never guessed."""
        team = self.chosen_team()
        data = getattr(self, "cleaned_data", {})
        return {
            **({"team": team} if team is not None else {}),
            **{
                key: data[key]
                for key in ("mine", "recipient", "sent_from", "sent_to")
                if key in data and key not in self.errors and data[key] not in (None, "")
            },
        }


class QuietDaysForm(forms.ModelForm):
    first_day = GovukDateField(label="First day")
    last_day = GovukDateField(label="Last day")

    class Meta:
        model = QuietDays
        fields = ["first_day", "last_day", "note"]
        labels = {"note": "Note (for example 'Annual leave')"}

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and first > last:
            self.add_error("last_day", "The last day must be the same as or after the first day")
        return data
