"""Decision report pages: start, write, submit, approve, preview and print."""

from __future__ import annotations

import os
from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from access import policy
from common.keyset import Key, keyset_page_asked
from common.views import Permission, ServiceFormMixin
from contracts.models import ExtensionOption

from .. import checklist, selectors, services
from ..forms import (
    OptionsAppraisalForm,
    ReportDetailsForm,
    ReportDocxUploadForm,
    ReportImplicationsForm,
    ReportSectionsForm,
    ReturnToDraftForm,
)
from ..models import (
    OTHER_IMPLICATIONS,
    RESOURCE_IMPLICATIONS,
    DecisionReport,
    RenderedReport,
)
from ..pdf import pdf_filename, render_report_pdf
from ..snapshot import figures_changed, report_figures
from .common import PostOnly

REPORTS_PAGE_SIZE = 50
# The list's order, the latest meeting first (those with none set before them), for ``keyset_page``.
REPORT_KEYS = [Key("meeting_date", descending=True, nullable=True), Key("title")]


class ReportListView(Permission, TemplateView):
    permission_required = "reports.view_decisionreport"
    template_name = "reports/report_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        reports = policy.reports_visible_to(user, DecisionReport.objects.select_related("contract", "cycle"))
        # A status the list does not know (a stale or hand-edited link) shows every report.
        status = self.request.GET.get("status", "")
        if status == "mine":
            reports = selectors.reports_awaiting_approval_by(user, reports)
        elif status in DecisionReport.Status.values:
            reports = reports.filter(status=status)
        else:
            status = ""
        statuses = [("", "All reports"), *DecisionReport.Status.choices]
        if user.has_perm(services.APPROVE_PERMISSION):
            statuses.append(("mine", "Awaiting my approval"))
        # Keyset pagination: never OFFSET (common.keyset).
        page = keyset_page_asked(
            reports,
            REPORT_KEYS,
            size=REPORTS_PAGE_SIZE,
            query=self.request.GET,
        )
        return super().get_context_data(
            reports=page.object_list,
            page=page,
            status=status,
            statuses=statuses,
            can_add=user.has_perm("reports.add_decisionreport"),
            **kwargs,
        )


class ReportMixin:
    """Pages about one report the person can see (404 otherwise), loaded with its figures' data."""

    def dispatch(self, request, *args, **kwargs):
        visible = policy.reports_visible_to(request.user)
        try:
            self.report = selectors.report_for_display(kwargs["pk"], visible)
        except DecisionReport.DoesNotExist:
            raise Http404("No such report") from None
        return super().dispatch(request, *args, **kwargs)

    def can_edit(self) -> bool:
        user = self.request.user
        if not user.has_perm("reports.change_decisionreport"):
            return False
        try:
            policy.require_editable(user, contract_id=self.report.contract_id, cycle_id=self.report.cycle_id)
        except PermissionDenied:
            return False
        return True


class ReportDetailView(Permission, ReportMixin, TemplateView):
    """The report as it will print, its status and what can be done next, and its history."""

    permission_required = "reports.view_decisionreport"
    template_name = "reports/report_detail.html"

    def get_context_data(self, **kwargs):
        report, user = self.report, self.request.user
        can_edit = self.can_edit()
        submitted = report.status == DecisionReport.Status.SUBMITTED
        facts = selectors.report_facts(report)
        approvals = list(report.approvals.select_related("approved_by").order_by("-version"))
        return super().get_context_data(
            report=report,
            facts=facts,
            history=selectors.report_history(report),
            can_edit=can_edit and report.is_draft,
            can_approve=submitted and user.has_perm(services.APPROVE_PERMISSION),
            approval_refused=services.four_eyes_refusal(report, user) if submitted else "",
            tasks=checklist.report_tasks(report, facts) if report.is_draft and can_edit else [],
            to_do=checklist.submission_problems(report, facts) if report.is_draft and can_edit else [],
            rendered=RenderedReport.objects.filter(report=report).defer("pdf").first(),
            return_form=ReturnToDraftForm(),
            approvals=approvals,
            changed_since_approval=figures_changed(approvals[0].figures, report_figures(facts)) if approvals else [],
            can_start_new_version=report.status == DecisionReport.Status.APPROVED and can_edit,
            **kwargs,
        )

    @classmethod
    def with_errors(cls, request, report: DecisionReport, errors: list[str], return_form=None, **kwargs):
        """The report's page again, with an action's errors in the error summary."""
        view = cls()
        view.setup(request, **kwargs)
        view.report = report
        context = view.get_context_data(action_errors=errors)
        if return_form is not None:
            context["return_form"] = return_form
        return view.render_to_response(context)


class ReportCreateView(Permission, ServiceFormMixin, FormView):
    permission_required = "reports.add_decisionreport"
    template_name = "reports/report_details_form.html"
    form_class = ReportDetailsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        """From a contract's page: the contract, and the next option still open on it."""
        initial = {"decision_route": DecisionReport.Route.CABINET}
        contract = (
            policy.contracts_editable_by(self.request.user).filter(pk=self.request.GET.get("contract") or None).first()
        )
        if contract is not None:
            initial["contract"] = contract.pk
            option = contract.options.filter(status__in=ExtensionOption.OPEN_STATUSES).order_by("sequence").first()
            if option is not None:
                initial.update(kind=DecisionReport.Kind.EXTENSION, option=option.pk)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        policy.require_editable(
            self.request.user,
            contract_id=data["contract"].pk if data.get("contract") else None,
            cycle_id=data["cycle"].pk if data.get("cycle") else None,
        )
        return super().form_valid(form)

    def call_service(self, form):
        return services.report_create(report=form.instance, officer=self.request.user)

    def service_succeeded(self, form, report):
        messages.success(self.request, "Report started: write its sections next")
        return redirect(report)


class DraftFormView(Permission, ReportMixin, ServiceFormMixin, FormView):
    """A form that changes a draft: 403 for those who may not, a message if it is no longer a draft."""

    permission_required = "reports.change_decisionreport"
    reason = "Report edited"
    done = "Report saved"

    def get(self, request, *args, **kwargs):
        if redirect_response := self.refuse_unless_draft():
            return redirect_response
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if redirect_response := self.refuse_unless_draft():
            return redirect_response
        return super().post(request, *args, **kwargs)

    def refuse_unless_draft(self):
        if not self.can_edit():
            raise PermissionDenied("You can read this report but not change it")
        if not self.report.is_draft:
            messages.success(
                self.request,
                f"This report has been {self.report.get_status_display().lower()}, so it can no longer be changed",
            )
            return redirect(self.report)
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.report, **kwargs)

    def save(self, form) -> None:
        services.report_update(
            report=self.report,
            fields={name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data},
            officer=self.request.user,
            reason=self.reason,
        )

    def call_service(self, form):
        return self.save(form)

    def service_succeeded(self, form, result):
        messages.success(self.request, self.done)
        return redirect(self.report)


class ReportDetailsUpdateView(DraftFormView):
    template_name = "reports/report_details_form.html"
    form_class = ReportDetailsForm
    reason = "Report details edited"
    done = "Report details saved"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "instance": DecisionReport.objects.get(pk=self.report.pk),
        }


class ReportSectionsView(DraftFormView):
    template_name = "reports/report_sections_form.html"
    form_class = ReportSectionsForm
    reason = "Sections edited"
    done = "Sections saved"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": DecisionReport.objects.get(pk=self.report.pk)}


class ReportImplicationsView(DraftFormView):
    template_name = "reports/report_implications_form.html"
    form_class = ReportImplicationsForm
    reason = "Implications edited"
    done = "Implications saved"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": DecisionReport.objects.get(pk=self.report.pk)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["resource_fields"] = [form[f"implies_{key}"] for key, _ in RESOURCE_IMPLICATIONS]
        context["other_fields"] = [form[f"implies_{key}"] for key, _ in OTHER_IMPLICATIONS]
        context["labels"] = {f"implies_{key}": label for key, label in RESOURCE_IMPLICATIONS + OTHER_IMPLICATIONS}
        return context


class ReportOptionsView(DraftFormView):
    template_name = "reports/report_options_form.html"
    form_class = OptionsAppraisalForm
    done = "Options appraisal saved"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "options": selectors.report_options(self.report)}

    def save(self, form) -> None:
        services.report_options_save(
            report=self.report,
            texts=form.texts(),
            recommended=form.cleaned_data["recommended"],
            officer=self.request.user,
        )


class ReportSubmitView(ReportMixin, PostOnly, Permission, View):
    permission_required = "reports.change_decisionreport"

    def post(self, request, *args, **kwargs):
        policy.require_editable(request.user, contract_id=self.report.contract_id, cycle_id=self.report.cycle_id)
        try:
            services.report_submit(report=self.report, officer=request.user)
        except ValidationError as error:
            return ReportDetailView.with_errors(request, self.report, error.messages, **kwargs)
        messages.success(request, "Report submitted for approval: a manager will approve it or return it to you")
        return redirect(self.report)


class ReportApproveView(ReportMixin, PostOnly, Permission, View):
    """A manager's decision on a submitted report: approve it, or return it to draft saying why.

    The permission is reports.approve_decisionreport, which the manager role carries (every
    "approve" permission of the tracker's apps, contracts/roles.py); officers get 403.
    """

    permission_required = services.APPROVE_PERMISSION

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "return":
            form = ReturnToDraftForm(request.POST)
            if not form.is_valid():
                return ReportDetailView.with_errors(request, self.report, [], return_form=form, **kwargs)
            try:
                services.report_return_to_draft(
                    report=self.report, officer=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                return ReportDetailView.with_errors(request, self.report, error.messages, **kwargs)
            messages.success(request, "Report returned to draft")
            return redirect(self.report)
        try:
            services.report_approve(report=self.report, officer=request.user)
        except ValidationError as error:
            return ReportDetailView.with_errors(request, self.report, error.messages, **kwargs)
        messages.success(request, "Report approved")
        return redirect(self.report)


def pdf_download(pdf: bytes, filename: str) -> FileResponse:
    """A PDF as a download (Content-Disposition: attachment), never cached: reports are confidential."""
    response = FileResponse(BytesIO(pdf), as_attachment=True, filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    return response


class ReportPdfView(Permission, ReportMixin, View):
    """The report's PDF: the approved file once approved, otherwise rendered now from today's data."""

    permission_required = "reports.view_decisionreport"

    def get(self, request, *args, **kwargs):
        if self.report.status == DecisionReport.Status.APPROVED:
            approval = self.report.approvals.order_by("-version").first()
            if approval is not None:
                return pdf_download(services.approved_pdf(approval), os.path.basename(approval.pdf.name))
        return pdf_download(render_report_pdf(self.report), pdf_filename(self.report))


class ApprovedPdfView(Permission, ReportMixin, View):
    """One approved version's PDF, exactly as it was approved."""

    permission_required = "reports.view_decisionreport"

    def get(self, request, *args, version: int, **kwargs):
        approval = self.report.approvals.filter(version=version).first()
        if approval is None:
            raise Http404("No such approved version")
        return pdf_download(services.approved_pdf(approval), os.path.basename(approval.pdf.name))


class ReportNewVersionView(ReportMixin, PostOnly, Permission, View):
    """Start a new version of an approved report; the approved one stays as approved."""

    permission_required = "reports.change_decisionreport"

    def post(self, request, *args, **kwargs):
        policy.require_editable(request.user, contract_id=self.report.contract_id, cycle_id=self.report.cycle_id)
        try:
            services.report_new_version(report=self.report, officer=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            return ReportDetailView.with_errors(request, self.report, error.messages, **kwargs)
        messages.success(request, "New version started: it needs its own approval once changed")
        return redirect(self.report)


class StoredPdfView(Permission, ReportMixin, View):
    """The PDF rendered for the meeting pack, as it was then."""

    permission_required = "reports.view_renderedreport"

    def get(self, request, *args, **kwargs):
        rendered = RenderedReport.objects.filter(report=self.report).first()
        if rendered is None:
            return render(request, "reports/stored_pdf_missing.html", {"report": self.report})
        stamp = timezone.localtime(rendered.rendered_at).strftime("%Y%m%d-%H%M")
        return pdf_download(services.rendered_pdf(rendered), pdf_filename(self.report, "rendered", stamp))


class ReportDocxView(Permission, ReportMixin, View):
    """The report as a Word document, built from the same content as its PDF, as a download."""

    permission_required = "reports.view_decisionreport"

    def get(self, request, *args, **kwargs):
        from ..docx import CONTENT_TYPE, report_docx

        document, name = None, pdf_filename(self.report).removesuffix(".pdf") + ".docx"
        if self.report.status == DecisionReport.Status.APPROVED:
            # An approved report's Word version is the one made with its approved PDF.
            approval = self.report.approvals.order_by("-version").first()
            document = services.approved_docx(approval) if approval is not None else None
            if document is not None:
                name = os.path.basename(approval.docx.name)
        if document is None:
            document = report_docx(self.report)
        response = FileResponse(BytesIO(document), as_attachment=True, filename=name, content_type=CONTENT_TYPE)
        response["Cache-Control"] = "no-store"
        return response


class ReportDocxUploadView(DraftFormView):
    """A draft's text from a Word document: the words under each of the report's headings."""

    template_name = "reports/report_docx_upload.html"
    form_class = ReportDocxUploadForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def call_service(self, form):
        from ..docx import DocxError

        try:
            return services.report_text_from_docx(
                report=self.report, data=form.cleaned_data["data"], officer=self.request.user
            )
        except DocxError as error:
            raise ValidationError({"file": error.problems}) from None

    def service_succeeded(self, form, sections):
        messages.success(
            self.request,
            "Text uploaded: "
            + (", ".join(sections) if sections else "the document held none of the report's sections"),
        )
        return redirect(self.report)
