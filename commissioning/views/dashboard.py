"""The dashboard: the home page after signing in. Thin: everything it shows comes from
``commissioning.selectors.dashboard_for``."""

from __future__ import annotations

from django.utils import timezone
from django.views.generic import TemplateView

from common.views import Permission

from .. import selectors
from ..filters import DashboardFilterForm


class DashboardView(Permission, TemplateView):
    permission_required = "commissioning.view_milestone"
    template_name = "commissioning/dashboard.html"

    def get_context_data(self, **kwargs):
        form = DashboardFilterForm.opening(self.request)
        filters = form.filters()
        dashboard = selectors.dashboard_for(user=self.request.user, today=timezone.localdate(), filters=filters)
        from reports.selectors import reports_awaiting_approval_by

        return super().get_context_data(
            form=form,
            filtered=filters.team is not None or filters.mine,
            dashboard=dashboard,
            # The day every status tag is worked out on ({% milestone_status %}), read once.
            today=dashboard.today,
            reports_awaiting_approval=reports_awaiting_approval_by(self.request.user),
            **kwargs,
        )
