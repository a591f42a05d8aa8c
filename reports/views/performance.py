"""A contract's performance: its monitoring returns and KPIs, the CSV import, quality assessments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from access import policy
from common.views import Permission, ServiceFormMixin

from .. import kpi_csv, selectors, services
from ..forms import KpiImportForm, KpiResultForm, MonitoringReturnForm, QualityAssessmentForm
from ..models import KpiResult, MonitoringReturn, QualityAssessment, Unit


def performance_url(contract_id: int) -> str:
    return reverse("reports:performance", args=[contract_id])


class ContractPerformanceView(Permission, TemplateView):
    permission_required = "reports.view_monitoringreturn"
    template_name = "reports/performance.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        contract = policy.visible_contract_or_404(user, pk=self.kwargs["contract_pk"])
        can_edit = policy.may_edit_contract_records(user, contract.pk)
        returns = (
            policy.returns_visible_to(user, MonitoringReturn.objects.filter(contract=contract))
            .annotate(result_count=Count("results"))
            .order_by("-year", "-quarter")
        )
        return super().get_context_data(
            contract=contract,
            returns=returns,
            kpis=selectors.kpi_table(contract, up_to=None),
            assessments=policy.assessments_visible_to(user, QualityAssessment.objects.filter(contract=contract)),
            reports=policy.reports_visible_to(user, contract.decision_reports.all()),
            can_add_return=can_edit and user.has_perm("reports.add_monitoringreturn"),
            can_import=can_edit and user.has_perm("reports.add_kpiresult"),
            can_add_assessment=can_edit and user.has_perm("reports.add_qualityassessment"),
            can_change_assessment=can_edit and user.has_perm("reports.change_qualityassessment"),
            can_add_report=can_edit and user.has_perm("reports.add_decisionreport"),
            **kwargs,
        )


class ContractFormView(Permission, ServiceFormMixin, FormView):
    """A form about one of a contract's records: the contract must be the officer's to change."""

    def dispatch(self, request, *args, **kwargs):
        self.contract = policy.visible_contract_or_404(request.user, pk=kwargs["contract_pk"])
        if request.user.has_perm(self.permission_required):
            policy.require_editable(request.user, contract_id=self.contract.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.contract}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)


class ReturnCreateView(ContractFormView):
    permission_required = "reports.add_monitoringreturn"
    template_name = "reports/return_form.html"
    form_class = MonitoringReturnForm

    def call_service(self, form):
        return services.monitoring_return_save(
            monitoring_return=form.instance, officer=self.request.user, reason="Return added"
        )

    def service_succeeded(self, form, monitoring_return):
        messages.success(self.request, f"Return for {monitoring_return.period.label} added: now add its KPI results")
        return redirect(monitoring_return)


class ReturnMixin:
    """Pages about one monitoring return the person can see (404 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        self.monitoring_return = get_object_or_404(
            policy.returns_visible_to(request.user, MonitoringReturn.objects.select_related("contract")),
            pk=kwargs["pk"],
        )
        self.contract = self.monitoring_return.contract
        return super().dispatch(request, *args, **kwargs)


class ReturnDetailView(Permission, ReturnMixin, TemplateView):
    permission_required = "reports.view_monitoringreturn"
    template_name = "reports/return_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        can_edit = policy.may_edit_contract_records(user, self.contract.pk)
        return super().get_context_data(
            monitoring_return=self.monitoring_return,
            contract=self.contract,
            results=self.monitoring_return.results.order_by("position", "id"),
            can_edit=can_edit and user.has_perm("reports.change_monitoringreturn"),
            can_add_result=can_edit and user.has_perm("reports.add_kpiresult"),
            can_change_result=can_edit and user.has_perm("reports.change_kpiresult"),
            **kwargs,
        )


class ReturnUpdateView(Permission, ReturnMixin, ServiceFormMixin, FormView):
    permission_required = "reports.change_monitoringreturn"
    template_name = "reports/return_form.html"
    form_class = MonitoringReturnForm

    def get_form(self, form_class=None):
        policy.require_editable(self.request.user, contract_id=self.contract.pk)
        return super().get_form(form_class)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.contract, "instance": self.monitoring_return}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, monitoring_return=self.monitoring_return, **kwargs)

    def call_service(self, form):
        return services.monitoring_return_save(
            monitoring_return=form.instance, officer=self.request.user, reason="Return details updated"
        )

    def service_succeeded(self, form, monitoring_return):
        messages.success(self.request, f"Return for {form.instance.period.label} updated")
        return redirect(form.instance)


class KpiFormMixin(ServiceFormMixin):
    template_name = "reports/kpi_form.html"
    form_class = KpiResultForm
    reason = ""

    def get_form(self, form_class=None):
        policy.require_editable(self.request.user, contract_id=self.contract.pk)
        return super().get_form(form_class)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "monitoring_return": self.monitoring_return}

    def get_context_data(self, **kwargs):
        return super().get_context_data(monitoring_return=self.monitoring_return, contract=self.contract, **kwargs)

    def call_service(self, form):
        return services.kpi_result_save(result=form.instance, officer=self.request.user, reason=self.reason)

    def service_succeeded(self, form, result):
        messages.success(self.request, f"{result.name}: {self.done}")
        return redirect(self.monitoring_return)


class KpiCreateView(Permission, ReturnMixin, KpiFormMixin, FormView):
    permission_required = "reports.add_kpiresult"
    reason = "KPI result added"
    done = "added"

    def get_initial(self):
        return {"unit": Unit.PERCENT}


class KpiResultMixin:
    def dispatch(self, request, *args, **kwargs):
        returns = policy.returns_visible_to(request.user)
        self.result = get_object_or_404(
            KpiResult.objects.select_related("monitoring_return__contract").filter(monitoring_return__in=returns),
            pk=kwargs["pk"],
        )
        self.monitoring_return = self.result.monitoring_return
        self.contract = self.monitoring_return.contract
        return super().dispatch(request, *args, **kwargs)


class KpiUpdateView(Permission, KpiResultMixin, KpiFormMixin, FormView):
    """Change a KPI result, or remove it (a manager's action: the "delete" permission)."""

    permission_required = "reports.change_kpiresult"
    reason = "KPI result changed"
    done = "changed"

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != "remove":
            return super().post(request, *args, **kwargs)
        if not request.user.has_perm("reports.delete_kpiresult"):
            raise PermissionDenied("Only a manager can remove a KPI result")
        policy.require_editable(request.user, contract_id=self.contract.pk)
        services.kpi_result_delete(result=self.result, officer=request.user)
        messages.success(request, f"{self.result.name}: removed")
        return redirect(self.monitoring_return)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.result}

    def get_context_data(self, **kwargs):
        can_remove = self.request.user.has_perm("reports.delete_kpiresult")
        return super().get_context_data(result=self.result, can_remove=can_remove, **kwargs)


class KpiImportView(ContractFormView):
    permission_required = "reports.add_kpiresult"
    template_name = "reports/kpi_import.html"
    form_class = KpiImportForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("contract")
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(columns=kpi_csv.COLUMNS, required=kpi_csv.REQUIRED, **kwargs)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except kpi_csv.KpiFileError as error:
            form.add_error("file", [str(problem) for problem in error.problems])
            return self.form_invalid(form)

    def call_service(self, form):
        return services.monitoring_returns_import(
            contract=self.contract,
            data=form.cleaned_data["data"],
            officer=self.request.user,
            received_on=form.cleaned_data["received_on"],
        )

    def service_succeeded(self, form, outcome):
        messages.success(self.request, outcome.summary())
        return redirect(performance_url(self.contract.pk))


class QualityCreateView(ContractFormView):
    permission_required = "reports.add_qualityassessment"
    template_name = "reports/quality_form.html"
    form_class = QualityAssessmentForm
    reason = "Quality assessment added"

    def call_service(self, form):
        return services.quality_assessment_save(assessment=form.instance, officer=self.request.user, reason=self.reason)

    def service_succeeded(self, form, assessment):
        messages.success(self.request, f"Quality assessment of {assessment.service} saved")
        return redirect(performance_url(self.contract.pk))


class QualityUpdateView(QualityCreateView):
    permission_required = "reports.change_qualityassessment"
    reason = "Quality assessment changed"

    def dispatch(self, request, *args, **kwargs):
        self.assessment = get_object_or_404(
            policy.assessments_visible_to(request.user, QualityAssessment.objects.select_related("contract")),
            pk=kwargs["pk"],
        )
        kwargs["contract_pk"] = self.assessment.contract_id
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.assessment}

    def get_context_data(self, **kwargs):
        return super().get_context_data(assessment=self.assessment, **kwargs)
