"""A meeting's reports, and rendering all their PDFs at once in the background (Celery)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from access import policy
from common.views import Permission

from .. import selectors
from ..models import RenderedReport
from ..tasks import render_meeting_pack
from .common import PostOnly


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(value) from None  # a 404, as for any URL that does not match

    def to_url(self, value: date) -> str:
        return value.isoformat()


class MeetingView(Permission, TemplateView):
    permission_required = "reports.view_decisionreport"
    template_name = "reports/meeting.html"

    def get_context_data(self, **kwargs):
        meeting_date = self.kwargs["meeting_date"]
        reports = selectors.reports_for_meeting(meeting_date, policy.reports_visible_to(self.request.user))
        if not reports:
            raise Http404("No reports for this meeting")
        rendered = {r.report_id: r for r in RenderedReport.objects.filter(report__in=reports).defer("pdf")}
        return super().get_context_data(
            rows=[{"report": report, "rendered": rendered.get(report.pk)} for report in reports],
            can_render=self.request.user.has_perm("reports.add_renderedreport"),
            **kwargs,
        )


class MeetingSubject:
    """The meeting's reports: 404 unless the person can see every one of them."""

    def dispatch(self, request, *args, **kwargs):
        meeting_date = kwargs["meeting_date"]
        self.reports = selectors.reports_for_meeting(meeting_date, policy.reports_visible_to(request.user))
        if not self.reports or len(self.reports) != len(selectors.reports_for_meeting(meeting_date)):
            raise Http404("No reports for this meeting")
        return super().dispatch(request, *args, **kwargs)


class MeetingPackCreateView(MeetingSubject, PostOnly, Permission, View):
    """Queue the meeting pack: a Celery worker renders every report's PDF and keeps it."""

    permission_required = "reports.add_renderedreport"

    def post(self, request, meeting_date: date):
        visible = self.reports
        transaction.on_commit(lambda: render_meeting_pack.delay(meeting_date.isoformat()))
        messages.success(
            request,
            f"The {len(visible)} PDF{'s are' if len(visible) != 1 else ' is'} being prepared: refresh this page in a minute",
        )
        return redirect(reverse("reports:meeting", args=[meeting_date]))
