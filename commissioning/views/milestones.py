"""Milestone pages: see one, add one to a contract or a cycle, edit it, mark it met, missed or cancelled."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView

from access import policy
from common.views import Permission, ServiceFormMixin

from .. import services
from ..forms import MilestoneForm, MilestoneStatusForm
from ..models import Milestone

# The model's names for the dates, and the form fields that show them.
FORM_FIELDS = {"due_on": "due_date", "due_at": "due_time", "ends_at": "end_time", "met_on": "met_on"}


class MilestoneServiceFormMixin(ServiceFormMixin):
    service_field_names = FORM_FIELDS


MILESTONES = Milestone.objects.select_related("contract", "cycle", "owner", "option")


class MilestoneDetailView(Permission, DetailView):
    permission_required = "commissioning.view_milestone"
    template_name = "commissioning/milestone_detail.html"
    context_object_name = "milestone"

    def get_queryset(self):
        return policy.milestones_visible_to(self.request.user, MILESTONES)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            can_edit=policy.milestones_editable_by(user).filter(pk=self.object.pk).exists(),
            history=self.object.history.select_related("history_user").order_by("-history_date", "-history_id"),
            reminders=self.object.reminders.order_by("send_at", "recipient_email")
            if user.has_perm("reminders.view_reminder")
            else None,
            **kwargs,
        )


class MilestoneCreateView(Permission, MilestoneServiceFormMixin, FormView):
    """Add a milestone to the contract (``?contract=<id>``) or the cycle (``?cycle=<id>``)."""

    permission_required = "commissioning.add_milestone"
    template_name = "commissioning/milestone_form.html"
    form_class = MilestoneForm

    def dispatch(self, request, *args, **kwargs):
        contract_id, cycle_id = request.GET.get("contract"), request.GET.get("cycle")
        if bool(contract_id) == bool(cycle_id):
            raise Http404("Add a milestone from a contract's or a cycle's page")
        try:
            if contract_id:
                self.contract, self.cycle = policy.editable_contract_or_deny(request.user, pk=int(contract_id)), None
            else:
                self.contract, self.cycle = None, policy.visible_cycle_or_404(request.user, pk=int(cycle_id))
        except ValueError:
            raise Http404("No such contract or cycle") from None
        return super().dispatch(request, *args, **kwargs)

    @property
    def subject(self):
        return self.contract or self.cycle

    def get_initial(self):
        return {"owner": self.request.user.pk}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "team": self.subject.team}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.subject, milestone=None, **kwargs)

    def call_service(self, form):
        return services.milestone_create(
            contract=self.contract, cycle=self.cycle, officer=self.request.user, **form.details()
        )

    def service_succeeded(self, form, milestone):
        messages.success(self.request, f"Milestone added: {milestone.title}")
        return redirect(milestone)


class MilestoneUpdateView(Permission, MilestoneServiceFormMixin, FormView):
    permission_required = "commissioning.change_milestone"
    template_name = "commissioning/milestone_form.html"
    form_class = MilestoneForm

    def dispatch(self, request, *args, **kwargs):
        self.milestone = policy.editable_milestone_or_deny(request.user, MILESTONES, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return MilestoneForm.initial_for(self.milestone)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, "team": self.milestone.subject.team, "current_owner_id": self.milestone.owner_id}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.milestone.subject, milestone=self.milestone, **kwargs)

    def call_service(self, form):
        return services.milestone_update(
            milestone=self.milestone,
            officer=self.request.user,
            reason="Edited by hand" if self.milestone.source == Milestone.Source.DERIVED else "",
            **form.details(),
        )

    def service_succeeded(self, form, milestone):
        messages.success(self.request, f"Milestone updated: {self.milestone.title}")
        return redirect(self.milestone)


class MilestoneStatusView(Permission, MilestoneServiceFormMixin, FormView):
    """Mark a milestone met (with the date), missed or cancelled, or scheduled again."""

    permission_required = "commissioning.change_milestone"
    template_name = "commissioning/milestone_status.html"
    form_class = MilestoneStatusForm

    def dispatch(self, request, *args, **kwargs):
        self.milestone = policy.editable_milestone_or_deny(request.user, MILESTONES, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "today": timezone.localdate()}

    def get_initial(self):
        return {"status": self.milestone.status, "met_on": self.milestone.met_on}

    def get_context_data(self, **kwargs):
        return super().get_context_data(milestone=self.milestone, **kwargs)

    def call_service(self, form):
        return services.milestone_set_status(
            milestone=self.milestone,
            status=form.cleaned_data["status"],
            met_on=form.cleaned_data["met_on"],
            reason=form.cleaned_data["reason"],
            officer=self.request.user,
            today=timezone.localdate(),
        )

    def service_succeeded(self, form, milestone):
        messages.success(self.request, f"{self.milestone.title}: {self.milestone.get_status_display().lower()}")
        return redirect(self.milestone)
