"""Downloads: thin views over ``exports.sources``, ``exports.transparency`` and ``exports.services``.

Each download answers GET only (a POST gets 405), needs the same permission as the page it
comes from, and reads the page's own query string, so it holds what the officer sees. A CSV
streams from the request; a spreadsheet (XLSX) is made by a Celery worker: its address shows
a page that asks for one (a POST to ``spreadsheet-new``), then the job's progress page, which
offers the file when it is ready.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from access import policy
from common.views import Permission

from . import services, tables
from .models import SpreadsheetJob
from .transparency import end_date, transparency_table

# How many rows of the return the page shows before "and N more in the download".
PREVIEW_ROWS = 50


class TableDownloadView(Permission, View):
    """A table from ``exports.sources`` as a CSV attachment, streamed as it is read."""

    http_method_names = ["get", "head"]
    source = None  # register_table, milestones_table or reminders_table
    file_format = "csv"

    def get(self, request, *args, **kwargs):
        table = self.source(user=request.user, params=request.GET, today=timezone.localdate())
        return tables.download(table, self.file_format)


class TransparencyMixin:
    def transparency(self):
        """The form and, when it is valid (or not yet filled in), the return it asks for."""
        return services.transparency_from_query(
            user=self.request.user, params=self.request.GET, today=timezone.localdate()
        )


class TransparencyView(Permission, TransparencyMixin, TemplateView):
    """Choose a quarter; see what its return holds and what was left out; download it."""

    http_method_names = ["get", "head"]
    permission_required = "contracts.view_contract"
    template_name = "exports/transparency.html"

    def get_context_data(self, **kwargs):
        form, result = self.transparency()
        context = {"form": form, "result": result}
        if result is not None:
            query = self.request.GET.copy()
            query["quarter"] = result.quarter.key
            count = result.contracts.count()
            preview = list(result.contracts[:PREVIEW_ROWS])
            for contract in preview:
                contract.transparency_end = end_date(contract)
            context.update(
                query=query.urlencode(),
                count=count,
                preview=preview,
                more=max(count - PREVIEW_ROWS, 0),
                no_value=list(result.no_value),
                no_supplier=list(result.no_supplier),
            )
        return super().get_context_data(**context, **kwargs)


class TransparencyDownloadView(Permission, TransparencyMixin, TemplateView):
    """The return as CSV or XLSX; a bad quarter gets the page with its error, status 400."""

    http_method_names = ["get", "head"]
    permission_required = "contracts.view_contract"
    template_name = "exports/transparency.html"
    file_format = "csv"

    def get(self, request, *args, **kwargs):
        form, result = self.transparency()
        if result is None:
            return self.render_to_response({"form": form, "result": None}, status=400)
        if self.file_format == "xlsx":
            return spreadsheet_request_page(request, "transparency")
        return tables.download(transparency_table(result), self.file_format)


# --- spreadsheets made by a worker ----------------------------------------------------------


def spreadsheet_request_page(request, source: str):
    """The page a spreadsheet link opens: what the file will hold, and a button to ask for it."""
    spreadsheet = services.SPREADSHEETS[source]
    return render(
        request,
        "exports/spreadsheet_request.html",
        {
            "source": source,
            "spreadsheet": spreadsheet,
            "query": request.GET.urlencode(),
            "csv_url": reverse(f"exports:{source}-csv"),
            "keep_days": settings.EXPORT_FILE_DAYS,
        },
    )


class SpreadsheetRequestView(Permission, View):
    """``register.xlsx`` and the like: GET only, it changes nothing; the button on it asks."""

    http_method_names = ["get", "head"]
    source = None  # a key of services.SPREADSHEETS

    def get(self, request, *args, **kwargs):
        return spreadsheet_request_page(request, self.source)


class SpreadsheetNewView(View):
    """Ask a worker for a spreadsheet (POST, from the request page); then see its progress."""

    http_method_names = ["post"]

    def post(self, request):
        source = request.POST.get("source", "")
        spreadsheet = services.SPREADSHEETS.get(source)
        if spreadsheet is None:
            return HttpResponseBadRequest(
                "Choose a download from the register, dashboard, reminders or transparency pages."
            )
        if not request.user.has_perm(spreadsheet.permission):
            raise PermissionDenied
        job = services.spreadsheet_job_start(
            officer=request.user, source=source, query=request.POST.get("query", ""), today=timezone.localdate()
        )
        return redirect(job)


class SpreadsheetJobMixin:
    def get_queryset(self):
        # The person who asked, and nobody else (access.policy).
        return policy.spreadsheet_jobs_visible_to(self.request.user)

    def spreadsheet(self, job: SpreadsheetJob) -> services.Spreadsheet:
        return services.SPREADSHEETS[job.source]


class SpreadsheetJobView(SpreadsheetJobMixin, DetailView):
    """How far the worker has got; once it is ready, the link to the file (until it expires)."""

    http_method_names = ["get", "head"]
    template_name = "exports/spreadsheet_job.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        job = self.object
        # A ready file past its date, or already deleted by the nightly clean-up.
        expired = job.status == SpreadsheetJob.Status.FINISHED and (job.is_expired() or not job.file)
        return super().get_context_data(spreadsheet=self.spreadsheet(job), expired=expired, **kwargs)


class SpreadsheetFileView(SpreadsheetJobMixin, DetailView):
    """The spreadsheet itself, from storage, to the person who asked, until it expires."""

    http_method_names = ["get", "head"]
    template_name = "exports/spreadsheet_job.html"
    context_object_name = "job"

    def get(self, request, *args, **kwargs):
        job = self.object = self.get_object()
        spreadsheet = self.spreadsheet(job)
        # Their rights as they are now: someone who has lost the page has lost its files too.
        if not request.user.has_perm(spreadsheet.permission):
            raise PermissionDenied
        if job.status != SpreadsheetJob.Status.FINISHED:
            return redirect(job)
        if job.is_expired() or not job.file:
            context = self.get_context_data(spreadsheet=spreadsheet, expired=True)
            return self.render_to_response(context, status=410)
        try:
            stream = job.file.open("rb")
        except FileNotFoundError:
            raise Http404("The spreadsheet's file is missing") from None
        return tables.spreadsheet_file_response(stream, job.file_name)


class SpreadsheetListView(ListView):
    """The person's own spreadsheets from the last days, newest first: to come back to one."""

    http_method_names = ["get", "head"]
    template_name = "exports/spreadsheet_list.html"
    context_object_name = "jobs"

    def get_queryset(self):
        return policy.spreadsheet_jobs_visible_to(self.request.user).filter(
            created_at__gte=timezone.now() - timedelta(days=30)
        )[:50]
