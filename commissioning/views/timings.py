"""A team's stage timings: how many months each stage of recommissioning takes it, which the
recommissioning risk checks a cycle's remaining stages against. Its managers set them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView

from access import policy
from common.views import Permission, ServiceFormMixin

from .. import selectors, services
from ..forms import StageTimingsForm
from ..models import TIMED_STAGES, StageTimings


class StageTimingsEditView(Permission, ServiceFormMixin, FormView):
    permission_required = "commissioning.change_stagetimings"
    template_name = "commissioning/stage_timings_form.html"
    form_class = StageTimingsForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # Another team's timings are not found; a team's own are for its managers alone.
            self.team = get_object_or_404(policy.teams_for(request.user), pk=kwargs["pk"])
            if not policy.teams_whose_timings_may_change(request.user).filter(pk=self.team.pk).exists():
                raise PermissionDenied("Only the team's managers change its stage timings")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        timings = StageTimings.objects.filter(team=self.team).first() or StageTimings(team=self.team)
        return {**super().get_form_kwargs(), "instance": timings}

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        fields = [form[StageTimings.field_name(stage)] for stage in TIMED_STAGES]
        return super().get_context_data(
            team=self.team,
            stage_fields=fields,
            history=selectors.stage_timings_history(StageTimings.objects.filter(team=self.team).first()),
            **kwargs,
        )

    def call_service(self, form):
        reason = form.cleaned_data.get("change_reason", "").strip() or "Stage timings changed"
        return services.stage_timings_save(timings=form.save(commit=False), officer=self.request.user, reason=reason)

    def service_succeeded(self, form, timings):
        total = sum(timings.months().values())
        messages.success(
            self.request,
            f"Stage timings of {self.team.name} saved: {total} months from needs assessment to the new contract",
        )
        return redirect("commissioning:stage-timings-edit", pk=self.team.pk)
