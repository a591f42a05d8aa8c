"""Commissioning cycle pages, and recording the decision for an expiring contract or a cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import CreateView, DetailView, FormView, TemplateView, UpdateView

from access import policy
from common.keyset import Key, keyset_page_asked
from common.views import Permission, ServiceFormMixin
from contracts.models import Contract

from .. import selectors, services
from ..filters import TeamFilterForm
from ..forms import CycleForm, CycleStageForm, DecisionForm
from ..models import CommissioningCycle, ContractRating, Stage
from .gaps import WarnsOfGapsOpened


@dataclass(frozen=True)
class StageChange:
    stage: str
    stage_label: str
    changed_on: date
    who: str
    why: str


def cycle_stage_history(cycle: CommissioningCycle) -> list[StageChange]:
    """Each stage the cycle has reached, newest first, from django-simple-history."""
    records = cycle.history.select_related("history_user").order_by("history_date", "history_id")
    changes, previous = [], None
    for record in records:
        if record.stage == previous:
            continue
        previous = record.stage
        user = record.history_user
        changes.append(
            StageChange(
                stage=record.stage,
                stage_label=Stage(record.stage).label,
                changed_on=record.stage_changed_on,
                who=(user.get_full_name() or user.get_username()) if user else "System",
                why=record.history_change_reason or "",
            )
        )
    return changes[::-1]


CYCLES_PAGE_SIZE = 50
# The list's order (CommissioningCycle.Meta.ordering), for ``common.keyset.keyset_page``.
CYCLE_KEYS = [Key("target_start_date", nullable=True), Key("name")]


class CycleListView(Permission, TemplateView):
    """The cycles, a keyset page at a time by target start, with their number. An admin's list
    opens on their own team, "All teams" a choice (issue 24: an admin's list of every cycle did
    not answer in 30 s at 100,000 contracts)."""

    permission_required = "commissioning.view_commissioningcycle"
    template_name = "commissioning/cycle_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        # The one filter, the team: typed with suggestions for an admin of many teams.
        form = TeamFilterForm.opening(self.request)
        team = form.chosen_team()
        visible = policy.contracts_visible_to(user)
        # A cycle replacing a contract that leaves a gap in cover carries the red tag: read from
        # the contracts' stored ratings (commissioning.ratings), not worked out for each on every request.
        gap = ContractRating.objects.filter(contract__successor_cycles=OuterRef("pk"), own_gap=True).filter(
            contract__in=visible
        )
        # The first such rating, not EXISTS: PostgreSQL hashed every gap rating of the service for
        # EXISTS (50 ms at 100,000 contracts); this is looked up for the page's 50 cycles only.
        cycles = (
            policy.cycles_visible_to(user, CommissioningCycle.objects.select_related("lead_officer", "team"))
            .annotate(has_gap=Subquery(gap.values("pk")[:1]))
            .prefetch_related(Prefetch("replaces", queryset=visible.order_by("reference")))
        )
        if team is not None:
            cycles = cycles.filter(team=team)
        # Keyset pagination: never OFFSET (common.keyset).
        page = keyset_page_asked(
            cycles,
            CYCLE_KEYS,
            size=CYCLES_PAGE_SIZE,
            query=self.request.GET,
        )
        return super().get_context_data(
            form=form,
            team=team,
            cycles=page.object_list,
            page=page,
            can_add=user.has_perm("commissioning.add_commissioningcycle"),
            **kwargs,
        )


class CycleDetailView(Permission, DetailView):
    permission_required = "commissioning.view_commissioningcycle"
    template_name = "commissioning/cycle_detail.html"
    context_object_name = "cycle"

    def get_queryset(self):
        user = self.request.user
        replaced = policy.contracts_visible_to(
            user, Contract.objects.select_related("provider", "decision_by")
        ).order_by("reference")
        return policy.cycles_visible_to(
            user, CommissioningCycle.objects.select_related("lead_officer", "team")
        ).prefetch_related(Prefetch("replaces", queryset=replaced))

    def get_context_data(self, **kwargs):
        cycle = self.object
        user = self.request.user
        can_change = user.has_perm("commissioning.change_commissioningcycle")
        context = {
            "milestones": cycle.milestones.select_related("owner"),
            "stage_history": cycle_stage_history(cycle),
            "can_edit": can_change,
            "can_add_milestone": user.has_perm("commissioning.add_milestone"),
            "today": timezone.localdate(),
            "cover": selectors.cycle_cover_of(cycle, today=timezone.localdate()),
            "can_change_timings": policy.teams_whose_timings_may_change(user).filter(pk=cycle.team_id).exists(),
        }
        if can_change and "stage_form" not in kwargs:
            context["stage_form"] = CycleStageForm(current_stage=cycle.stage)
        return super().get_context_data(**context, **kwargs)


class CycleFormMixin(WarnsOfGapsOpened, ServiceFormMixin):
    template_name = "commissioning/cycle_form.html"
    form_class = CycleForm
    reason = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def call_service(self, form):
        return services.cycle_save(
            cycle=form.save(commit=False),
            replaces=form.cleaned_data["replaces"],
            officer=self.request.user,
            reason=self.reason,
        )

    def service_succeeded(self, form, cycle):
        messages.success(self.request, self.success_message.format(cycle=cycle))
        return redirect(cycle)


class CycleCreateView(Permission, CycleFormMixin, CreateView):
    permission_required = "commissioning.add_commissioningcycle"
    reason = "Cycle added"
    success_message = "Cycle {cycle.name} added"

    def get_initial(self):
        initial = {"lead_officer": self.request.user.pk}
        contract = (
            policy.contracts_visible_to(self.request.user).filter(pk=self.request.GET.get("replaces") or None).first()
        )
        if contract is not None:
            initial.update(
                replaces=[contract.pk],
                team=contract.team_id,
                service_category=contract.service_category,
            )
        return initial


class CycleUpdateView(Permission, CycleFormMixin, UpdateView):
    permission_required = "commissioning.change_commissioningcycle"
    context_object_name = "cycle"
    reason = "Cycle details updated"

    def get_queryset(self):
        return policy.cycles_visible_to(self.request.user)

    success_message = "Cycle {cycle.name} updated"


class CycleStageView(Permission, WarnsOfGapsOpened, ServiceFormMixin, FormView):
    """Move a cycle to another stage. The reason is required: it is what the history shows."""

    permission_required = "commissioning.change_commissioningcycle"
    template_name = "commissioning/cycle_stage.html"
    form_class = CycleStageForm

    def dispatch(self, request, *args, **kwargs):
        self.cycle = policy.visible_cycle_or_404(request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "current_stage": self.cycle.stage}

    def get_context_data(self, **kwargs):
        return super().get_context_data(cycle=self.cycle, **kwargs)

    def call_service(self, form):
        return services.cycle_change_stage(
            cycle=self.cycle,
            stage=form.cleaned_data["stage"],
            officer=self.request.user,
            reason=form.cleaned_data["reason"],
            today=timezone.localdate(),
        )

    def service_succeeded(self, form, cycle):
        messages.success(self.request, f"{self.cycle.name} is now at {self.cycle.get_stage_display().lower()}")
        return redirect(self.cycle)


class DecisionView(Permission, WarnsOfGapsOpened, ServiceFormMixin, FormView):
    """Record the decision for an expiring contract, or for the contracts a cycle replaces."""

    template_name = "commissioning/decision_form.html"
    form_class = DecisionForm
    model = None

    def dispatch(self, request, *args, **kwargs):
        self.subject = self.get_subject(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "today": timezone.localdate()}

    def get_initial(self):
        if not self.subject.decision:
            return {}
        return {"decision": self.subject.decision, "decided_on": self.subject.decision_on}

    def get_context_data(self, **kwargs):
        is_contract = isinstance(self.subject, Contract)
        return super().get_context_data(
            subject=self.subject,
            subject_name=str(self.subject.reference if is_contract else self.subject.name),
            is_contract=is_contract,
            **kwargs,
        )

    def record(self, **fields):
        raise NotImplementedError

    def call_service(self, form):
        return self.record(
            decision=form.cleaned_data["decision"],
            officer=self.request.user,
            decided_on=form.cleaned_data["decided_on"],
            reason=form.cleaned_data["reason"],
            today=timezone.localdate(),
        )

    def service_succeeded(self, form, subject):
        messages.success(self.request, f"Decision recorded: {self.subject.get_decision_display().lower()}")
        return redirect(self.subject)


class ContractDecisionView(DecisionView):
    permission_required = "contracts.change_contract"
    model = Contract

    def get_subject(self, user, pk):
        return policy.editable_contract_or_deny(user, pk=pk)

    def record(self, **fields):
        return services.decision_record(contracts=[self.subject], **fields)


class CycleDecisionView(DecisionView):
    permission_required = "commissioning.change_commissioningcycle"
    model = CommissioningCycle

    def get_subject(self, user, pk):
        return policy.visible_cycle_or_404(user, pk=pk)

    def record(self, **fields):
        # Held on the contracts it replaces: those this officer may change.
        contracts = policy.contracts_editable_by(self.request.user, self.subject.replaces.all())
        return services.decision_record(contracts=contracts, **fields)
