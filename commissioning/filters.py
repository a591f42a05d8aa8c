"""The team filter the dashboard, the cycles list, the timeline, the Reminders page and the milestones download share.

One team, or "All teams": chosen from a select by an officer, typed with suggestions by someone
who sees more teams than a select holds (``common.team_choice.TeamByNameMixin``); and where such
a page opens for someone who sees every team (``opening_filters``). A stale or hand-edited value
is ignored rather than an error: these forms filter what is read, they change nothing.
"""

from __future__ import annotations

from django import forms

from access import policy
from common.team_choice import TeamByNameMixin
from contracts.models import Team

from . import selectors


def opening_filters(request) -> dict:
    """The filters as asked, or, for someone who sees every team and has not chosen (no ``team``
    in the address), their own first team; "All teams" (``team=``) stays a choice.

    Issue 24: an admin's dashboard, cycles and timeline opened on the whole service at once.
    """
    if "team" in request.GET or "team_name" in request.GET or not policy.sees_every_team(request.user):
        return request.GET
    own = policy.team_ids(request.user)
    if not own:
        return request.GET
    data = request.GET.copy()
    data["team"] = str(min(own))
    return data


class TeamFilterForm(TeamByNameMixin, forms.Form):
    """One team of those the person may see (``access.policy.teams_for``), or all of them."""

    team = forms.ModelChoiceField(label="Team", required=False, empty_label="All teams", queryset=Team.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_teams(user, help_text="Type part of the team's name, or leave it empty for all teams")

    @classmethod
    def opening(cls, request) -> TeamFilterForm:
        """The form for a page's address, as ``opening_filters`` opens it."""
        return cls(opening_filters(request) or None, user=request.user)

    def clean(self):
        cleaned = super().clean()
        self.team_from_name(cleaned)
        return cleaned

    def chosen_team(self) -> Team | None:
        """The team asked for, if valid; a team chosen by id (an admin's own, opening the page)
        shows by name in the typed input."""
        self.is_valid()
        team = getattr(self, "cleaned_data", {}).get("team")
        if self.search_teams and team is not None and not self.data.get("team_name"):
            self.data = self.data.copy()
            self.data["team_name"] = team.name
        return team


class DashboardFilterForm(TeamFilterForm):
    """The dashboard's filters (and the milestones download's, ``exports.sources``)."""

    mine = forms.BooleanField(
        label="My items only",
        required=False,
        help_text="Milestones you own, contracts you are lead officer for and cycles you lead",
    )

    def filters(self) -> selectors.DashboardFilters:
        team = self.chosen_team()
        return selectors.DashboardFilters(team=team, mine=bool(getattr(self, "cleaned_data", {}).get("mine")))
