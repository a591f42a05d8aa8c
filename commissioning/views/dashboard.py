"""The dashboard: the home page after signing in. Thin: everything it shows comes from
``commissioning.selectors.dashboard_for``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.views.generic import TemplateView

from access import policy
from common.views import Permission
from contracts.models import Team

from .. import selectors


class DashboardFilterForm(forms.Form):
    """The dashboard's filters; a stale or hand-edited value is ignored rather than an error."""

    team = forms.ModelChoiceField(label="Team", required=False, empty_label="All teams", queryset=Team.objects.none())
    mine = forms.BooleanField(
        label="My items only",
        required=False,
        help_text="Milestones you own, contracts you are lead officer for and cycles you lead",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = policy.teams_for(user)

    def filters(self) -> selectors.DashboardFilters:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return selectors.DashboardFilters(team=cleaned.get("team"), mine=bool(cleaned.get("mine")))


def opening_filters(request) -> dict:
    """The dashboard's filters: as asked, or, for someone who sees every team and has not chosen
    (no ``team`` in the address), their own first team; "All teams" (``team=``) stays a choice.

    Issue 24: an admin's dashboard opened on the whole service, every team's lists at once.
    """
    if "team" in request.GET or not policy.sees_every_team(request.user):
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
