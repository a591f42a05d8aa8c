"""Downloads: thin views over ``exports.sources`` and ``exports.transparency``.

Each download answers GET only (a POST gets 405), needs the same permission as the page it
comes from, and reads the page's own query string, so it holds what the officer sees.
"""

from __future__ import annotations

from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from common.views import Permission

from . import tables
from .forms import TransparencyForm
from .transparency import end_date, last_complete_quarter, transparency_return, transparency_table

# How many rows of the return the page shows before "and N more in the download".
PREVIEW_ROWS = 50


class TableDownloadView(Permission, View):
    """A table from ``exports.sources`` as a CSV or XLSX attachment."""

    http_method_names = ["get", "head"]
    source = None  # register_table, milestones_table or reminders_table
    file_format = "csv"

    def get(self, request, *args, **kwargs):
        table = self.source(user=request.user, params=request.GET, today=timezone.localdate())
        return tables.download(table, self.file_format)


class TransparencyMixin:
    def transparency(self):
        """The form and, when it is valid (or not yet filled in), the return it asks for."""
        today = timezone.localdate()
        form = TransparencyForm(self.request.GET or None, user=self.request.user, today=today)
        if not form.is_bound:
            return form, transparency_return(user=self.request.user, quarter=last_complete_quarter(today))
        if not form.is_valid():
            return form, None
        return form, transparency_return(
            user=self.request.user, quarter=form.cleaned_data["quarter"], buyer=form.cleaned_data["buyer"]
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
        return tables.download(transparency_table(result), self.file_format)
