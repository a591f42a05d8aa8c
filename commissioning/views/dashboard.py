"""The dashboard: the home page after signing in. Thin: everything it shows comes from
``commissioning.selectors.dashboard_for``."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from access import policy
from common.views import Permission
from contracts.forms import offer_or_search
from contracts.models import Team

from .. import selectors


class DashboardFilterForm(forms.Form):
    """The dashboard's filters; a stale or hand-edited value is ignored rather than an error."""

    team = forms.ModelChoiceField(label="Team", required=False, empty_label="All teams", queryset=Team.objects.none())
    # Typed instead of chosen when the person sees more teams than a list holds (an admin of a
    # national service: 2,508 at 100,000 contracts), with suggestions (contracts.views_search).
    team_name = forms.CharField(
        label="Team", required=False, help_text="Type part of the team's name, or leave it empty for all teams"
    )
    mine = forms.BooleanField(
        label="My items only",
        required=False,
        help_text="Milestones you own, contracts you are lead officer for and cycles you lead",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = policy.teams_for(user)
        self.search_teams = offer_or_search(self.fields["team"], policy.teams_for(user).order_by("name", "pk"))
        self.fields["team_name"].widget.attrs.update(
            {"data-module": "app-autocomplete", "data-source": reverse("contracts:search-teams"), "autocomplete": "off"}
        )

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("team_name") or "").strip()
        if name and cleaned.get("team") is None:
            teams = self.fields["team"].queryset
            found = list(teams.filter(name__iexact=name)[:1]) or list(teams.filter(name__icontains=name)[:2])
            if len(found) == 1:
                cleaned["team"] = found[0]
            else:
                self.add_error(
                    "team_name", f"No single team is called \u201c{name}\u201d: choose one from the suggestions"
                )
        return cleaned

    def filters(self) -> selectors.DashboardFilters:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        team = cleaned.get("team")
        if self.search_teams and team is not None and not self.data.get("team_name"):
            # The team chosen by id (an admin's own, opening the page) shows by name in the input.
            self.data = self.data.copy()
            self.data["team_name"] = team.name
        return selectors.DashboardFilters(team=team, mine=bool(cleaned.get("mine")))


def opening_filters(request) -> dict:
    """The dashboard's filters: as asked, or, for someone who sees every team and has not chosen
    (no ``team`` in the address), their own first team; "All teams" (``team=``) stays a choice.

    Issue 24: an admin's dashboard opened on the whole service, every team's lists at once.
    """
    if "team" in request.GET or "team_name" in request.GET or not policy.sees_every_team(request.user):
        return request.GET
    own = policy.team_ids(request.user)
    if not own:
        return request.GET
    data = request.GET.copy()
    data["team"] = str(min(own))
    return data


class DashboardView(Permission, TemplateView):
    permission_required = "commissioning.view_milestone"
    template_name = "commissioning/dashboard.html"

    def get_context_data(self, **kwargs):
        form = DashboardFilterForm(opening_filters(self.request) or None, user=self.request.user)
        filters = form.filters()
        dashboard = selectors.dashboard_for(user=self.request.user, today=timezone.localdate(), filters=filters)
        from reports.selectors import reports_awaiting_approval_by

        return super().get_context_data(
            form=form,
            filtered=filters.team is not None or filters.mine,
            dashboard=dashboard,
            reports_awaiting_approval=reports_awaiting_approval_by(self.request.user),
            **kwargs,
        )
