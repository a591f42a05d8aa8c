"""Pages for the facts the duties need: a contract's payments (UK8) and breaches (UK9), authorities'
expected spend (UK1) and meeting calendars (key decisions).

Thin: writes go through ``notices.services``; the contract is fetched through ``access``, so
another team's contract answers 404 and one the user may only read answers 403.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from access import policy
from common.views import Permission, add_service_errors

from . import selectors, services
from .forms_duties import (
    AuthoritySpendForm,
    BreachForm,
    MeetingsImportForm,
    PaymentForm,
    PaymentsImportForm,
)
from .models import CouncilMeeting, KeyDecisionPolicy


class RecordPaymentView(Permission, FormView):
    permission_required = "notices.add_payment"
    template_name = "notices/payment_form.html"
    form_class = PaymentForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.contract = policy.editable_contract_or_deny(request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"supplier": self.contract.provider.name} if self.contract.provider_id else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            contract=self.contract, payments=self.contract.payments.order_by("-paid_on", "-pk")[:20], **kwargs
        )

    def form_valid(self, form):
        try:
            payment = services.payment_record(
                contract=self.contract, officer=self.request.user, today=timezone.localdate(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Payment recorded: {payment}")
        return redirect(f"{self.contract.get_absolute_url()}#duties")


class ImportPaymentsView(Permission, View):
    permission_required = "notices.add_payment"
    template_name = "notices/payments_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PaymentsImportForm()})

    def post(self, request):
        form = PaymentsImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        with form.cleaned_data["file"].open("rb") as upload:
            data = upload.read()
        try:
            result = services.payments_import(
                data=data,
                contracts=policy.contracts_editable_by(request.user),
                officer=request.user,
                today=timezone.localdate(),
            )
        except ValidationError as error:
            problems = error.messages
            form.add_error(
                "file", f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was imported"
            )
            return render(
                request,
                self.template_name,
                {"form": form, "problems": problems[:200], "more": max(0, len(problems) - 200)},
            )
        return render(request, "notices/payments_import_result.html", {"result": result})


class RecordBreachView(Permission, FormView):
    permission_required = "notices.add_contractbreach"
    template_name = "notices/breach_form.html"
    form_class = BreachForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.contract = policy.editable_contract_or_deny(request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def form_valid(self, form):
        try:
            breach = services.breach_record(
                contract=self.contract, officer=self.request.user, today=timezone.localdate(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Recorded: {breach}. A UK9 contract performance notice is due within 30 days.")
        return redirect(f"{self.contract.get_absolute_url()}#duties")


class PipelineView(Permission, TemplateView):
    """Each authority's expected spend by financial year, its UK1 due date and the cycles it must list."""

    permission_required = "notices.view_authorityspend"
    template_name = "notices/pipeline.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            years=selectors.pipeline_years_for(self.request.user),
            can_record=self.request.user.has_perm("notices.add_authorityspend"),
            **kwargs,
        )


class RecordSpendView(Permission, FormView):
    """Record what an authority expects to pay in a financial year; the UK1 duties follow."""

    permission_required = "notices.add_authorityspend"
    template_name = "notices/pipeline_form.html"
    form_class = AuthoritySpendForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            spend = services.authority_spend_save(
                buyer=data["buyer"],
                financial_year_start=date(data["year"], 4, 1),
                expected_spend=data["expected_spend"],
                officer=self.request.user,
                today=timezone.localdate(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Expected spend recorded: {spend}")
        return redirect("notices:pipeline")


class MeetingsView(Permission, TemplateView):
    """Each authority's key-decision rules and its decision body's meetings."""

    permission_required = "notices.view_councilmeeting"
    template_name = "notices/meetings.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            policies=KeyDecisionPolicy.objects.select_related("buyer").order_by("buyer__name"),
            meetings=CouncilMeeting.objects.select_related("buyer")
            .filter(meets_on__gte=timezone.localdate())
            .order_by("meets_on")[:100],
            can_import=self.request.user.has_perm("notices.add_councilmeeting"),
            **kwargs,
        )


class ImportMeetingsView(Permission, View):
    permission_required = "notices.add_councilmeeting"
    template_name = "notices/meetings_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": MeetingsImportForm()})

    def post(self, request):
        form = MeetingsImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        data = form.cleaned_data
        with data["file"].open("rb") as upload:
            content = upload.read()
        try:
            result = services.meetings_import(
                buyer=data["buyer"],
                data=content,
                body=data["body"],
                threshold=data["threshold"],
                report_working_days=data["report_working_days"],
                officer=request.user,
                today=timezone.localdate(),
            )
        except ValidationError as error:
            form.add_error(
                "file",
                error.messages[0]
                if len(error.messages) == 1
                else f"The calendar has {len(error.messages)} problems; nothing was imported",
            )
            return render(
                request,
                self.template_name,
                {"form": form, "problems": error.messages[:100] if len(error.messages) > 1 else []},
            )
        messages.success(
            request,
            f"{result.added} new meeting{'s' if result.added != 1 else ''}, {result.updated} changed; "
            f"key decisions planned again for {result.contracts_replanned} contract{'s' if result.contracts_replanned != 1 else ''}",
        )
        return redirect("notices:meetings")
