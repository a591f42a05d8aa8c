"""Choosing one team in a form that changes something (the imports), whoever chooses.

An officer picks from their teams in a select; someone who sees more teams than a select holds
(an admin of a national shared service: 2,508 teams at 100,000 contracts) types part of the
name, with suggestions from ``/contracts/search/teams/`` (GOV.UK's accessible-autocomplete,
``includes/autocomplete_assets.html``), rather than receive a page listing every team (issue 24).
"""

from __future__ import annotations

from django import forms
from django.urls import reverse

from access import policy
from contracts.forms import offer_or_search


class TeamByNameMixin:
    """For a form with a ``team`` ModelChoiceField: call ``offer_teams(user)`` in ``__init__``
    and ``team_from_name(cleaned)`` in ``clean``. The template shows ``team_name`` instead of
    ``team`` when ``form.search_teams``."""

    search_teams = False

    def offer_teams(self, user, *, help_text: str) -> None:
        field = self.fields["team"]
        teams = policy.teams_for(user)
        field.queryset = teams
        self.search_teams = offer_or_search(field, teams.order_by("name", "pk"))
        if field.empty_label is None:
            # A required choice has no empty option (offer_or_search adds one for a filter).
            field.widget.choices = [choice for choice in field.widget.choices if choice[0] != ""]
        self.team_required = field.required
        if self.search_teams:
            field.required = False
            self.fields["team_name"] = forms.CharField(
                label=field.label or "Team",
                required=False,
                help_text=help_text,
                widget=forms.TextInput(
                    attrs={
                        "data-module": "app-autocomplete",
                        "data-source": reverse("contracts:search-teams"),
                        "autocomplete": "off",
                    }
                ),
            )

    def team_from_name(self, cleaned: dict) -> None:
        if not self.search_teams or cleaned.get("team") is not None:
            return
        name = (cleaned.get("team_name") or "").strip()
        if not name:
            if self.team_required:
                self.add_error("team_name", "Type the team's name and choose it from the suggestions")
            return
        teams = self.fields["team"].queryset
        found = list(teams.filter(name__iexact=name)[:1]) or list(teams.filter(name__icontains=name)[:2])
        if len(found) == 1:
            cleaned["team"] = found[0]
        else:
            self.add_error("team_name", f"No single team is called \u201c{name}\u201d: choose one from the suggestions")
