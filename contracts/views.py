"""The officer pages of the contract register. Thin: reads come from selectors, writes from services."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import CreateView, DetailView, FormView, TemplateView, UpdateView

from access import policy
from commissioning import derivation
from commissioning import selectors as cover_selectors
from commissioning.views.gaps import WarnsOfGapsOpened
from common import history
from common.dates import long_date, now_earlier_later
from common.keyset import keyset_page_asked
from common.views import Permission, ServiceFormMixin

from . import selectors, services
from .forms import ContractForm, OptionDecisionForm, OptionForm, RegisterFilterForm
from .models import Contract

REGISTER_PAGE_SIZE = 25


class RegisterView(Permission, TemplateView):
    permission_required = "contracts.view_contract"
    template_name = "contracts/register.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        form = RegisterFilterForm(self.request.GET or None, user=self.request.user)
        sort = self.request.GET.get("sort", "end")
        if sort not in selectors.REGISTER_SORTS:
            sort = "end"
        descending = self.request.GET.get("order") == "desc"
        contracts = (
            selectors.contracts_for_register(
                user=self.request.user, filters=form.valid_filters(), sort=sort, descending=descending, today=today
            )
            .select_related(None)
            .select_related("provider")
        )  # a row shows only the provider's name (issue 24)
        # Keyset pagination: the next 25 after the last row shown, never OFFSET (common.keyset);
        # narrow: the page's ids chosen from the contract_register_filters index, then 25 rows read.
        page = keyset_page_asked(
            contracts,
            selectors.register_keys(sort, descending),
            size=REGISTER_PAGE_SIZE,
            query=self.request.GET,
            narrow=True,
        )
        covers = cover_selectors.covers_of(page.object_list, today=today)
        rows = [
            {
                "contract": contract,
                "phase": contract.phase(today),
                "phase_label": contract.phase_label(today),
                "days_to_end": contract.days_to_end(today),
                "cover": covers[contract.pk],
            }
            for contract in page.object_list
        ]
        return super().get_context_data(
            form=form,
            page=page,
            rows=rows,
            sort=sort,
            descending=descending,
            today=today,
            columns=self.columns(sort, descending),
            **kwargs,
        )

    COLUMNS = [
        ("reference", "Contract"),
        ("provider", "Provider"),
        (None, "Status"),
        ("end", "Current end date"),
        ("options", "Options left"),
        ("days", "Days to end"),
        (None, "Recommissioning risk"),
    ]

    def columns(self, sort: str, descending: bool) -> list[dict]:
        """Table headers with sort links that keep the filters and go back to page 1."""
        headers = []
        for key, label in self.COLUMNS:
            header = {"label": label, "key": key, "aria_sort": None, "url": None}
            if key:
                query = self.request.GET.copy()
                for moved in ("page", "after", "before", "last"):
                    query.pop(moved, None)
                query["sort"] = key
                query["order"] = "desc" if key == sort and not descending else "asc"
                header["url"] = "?" + query.urlencode()
                if key == sort:
                    header["aria_sort"] = "descending" if descending else "ascending"
            headers.append(header)
        return headers


# The latest changes the contract page's History shows; the rest are on the history page (issue 25).
HISTORY_ON_THE_PAGE = 5


def milestones_by_when(milestones, today) -> dict:
    """A contract's milestones shown open (``common.dates.now_earlier_later``) and those behind a Details."""
    milestones = list(milestones)
    now, earlier, later = now_earlier_later(
        milestones, today, day=lambda m: m.due_on, settled=lambda m: m.status != m.Status.SCHEDULED
    )
    return {"milestones": milestones, "milestones_now": now, "milestones_earlier": earlier, "milestones_later": later}


class ContractDetailView(Permission, DetailView):
    permission_required = "contracts.view_contract"
    template_name = "contracts/detail.html"

    def get_queryset(self):
        user = self.request.user
        return policy.contracts_visible_to(
            user, Contract.objects.select_related("buyer", "provider", "team", "lead_officer", "parent")
        ).prefetch_related(
            "options",
            Prefetch("children", queryset=policy.contracts_visible_to(user)),
            # Read twice, by the cover and by "Replaced by": once here.
            "successor_cycles",
        )

    def get_context_data(self, **kwargs):
        contract = self.object
        today = timezone.localdate()
        periods = contract.option_periods()
        # The decide-by dates, as the derived milestones have them: through the meeting calendar if recorded.
        # One read of the calendars, for this tab and the cover's "decide by" below.
        calendars = cover_selectors.decision_calendars()
        calendar = calendars.get(contract.buyer_id)
        decisions = derivation.option_decisions(contract, list(contract.options.all()), calendar)
        history = selectors.contract_history(contract)
        options = [
            {"option": option, "period": periods.get(option.sequence), "decide": decisions[option.sequence]}
            for option in sorted(contract.options.all(), key=lambda o: o.sequence)
        ]
        return super().get_context_data(
            today=today,
            phase=contract.phase(today),
            contract_year=contract.contract_year(today),
            options=options,
            options_left=sum(1 for o in contract.options.all() if o.is_open),
            decision_calendar=calendar,
            next_open=next((o["option"] for o in options if o["option"].is_open), None),
            history=history[:HISTORY_ON_THE_PAGE],
            history_count=len(history),
            can_edit=self.request.user.has_perm("contracts.change_contract"),
            can_decide=self.request.user.has_perm("contracts.change_extensionoption"),
            can_add_option=self.request.user.has_perm("contracts.add_extensionoption"),
            # The Milestones tab and the decision on expiry (commissioning app).
            **milestones_by_when(contract.milestones.select_related("owner"), today),
            successor_cycles=contract.successor_cycles.all(),
            cover=cover_selectors.contract_cover_of(contract, today=today, calendars=calendars),
            can_add_milestone=self.request.user.has_perm("commissioning.add_milestone"),
            can_record_decision=self.request.user.has_perm("contracts.change_contract"),
            **kwargs,
        )


class ContractHistoryView(Permission, DetailView):
    """Every change to a contract and its options, newest first: the contract page shows the latest few."""

    permission_required = "contracts.view_contract"
    template_name = "contracts/history.html"

    def get_queryset(self):
        return policy.contracts_visible_to(self.request.user, Contract.objects.all())

    def get_context_data(self, **kwargs):
        return super().get_context_data(history=selectors.contract_history(self.object), **kwargs)


class ContractCreateView(Permission, WarnsOfGapsOpened, ServiceFormMixin, CreateView):
    permission_required = "contracts.add_contract"
    template_name = "contracts/form.html"
    form_class = ContractForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"lead_officer": self.request.user.pk}

    def call_service(self, form):
        return services.contract_save(
            contract=form.save(commit=False), officer=self.request.user, reason="Contract added"
        )

    def service_succeeded(self, form, contract):
        messages.success(self.request, f"Contract {contract.reference} added")
        return redirect(contract)


class ContractUpdateView(Permission, WarnsOfGapsOpened, ServiceFormMixin, UpdateView):
    permission_required = "contracts.change_contract"
    template_name = "contracts/form.html"
    form_class = ContractForm

    def get_object(self, queryset=None):
        return policy.editable_contract_or_deny(self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def call_service(self, form):
        reason = form.cleaned_data.get("change_reason") or "Contract details updated"
        contract = form.save(commit=False)
        self.changed = bool(history.changed_fields(contract))
        return services.contract_save(contract=contract, officer=self.request.user, reason=reason)

    def service_succeeded(self, form, contract):
        if not self.changed:
            messages.info(self.request, f"Nothing changed: contract {contract.reference} is as it was")
            return redirect(contract)
        messages.success(self.request, f"Contract {contract.reference} updated")
        return redirect(contract)


class OptionCreateView(Permission, ServiceFormMixin, FormView):
    permission_required = "contracts.add_extensionoption"
    template_name = "contracts/option_form.html"
    form_class = OptionForm

    def dispatch(self, request, *args, **kwargs):
        self.contract = policy.editable_contract_or_deny(request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def call_service(self, form):
        return services.option_add(
            contract=self.contract,
            length_months=form.cleaned_data["length_months"],
            value=form.cleaned_data["value"],
            officer=self.request.user,
        )

    def service_succeeded(self, form, option):
        messages.success(self.request, f"Option {option.sequence} added")
        return redirect(self.contract)


class OptionDecisionView(Permission, WarnsOfGapsOpened, ServiceFormMixin, FormView):
    """Exercise or decline an extension option, after the officer has seen what it will do."""

    permission_required = "contracts.change_extensionoption"
    template_name = "contracts/option_decision.html"
    form_class = OptionDecisionForm
    action = "exercise"

    def dispatch(self, request, *args, **kwargs):
        self.contract = policy.editable_contract_or_deny(request.user, pk=kwargs["pk"])
        self.option = get_object_or_404(self.contract.options, pk=kwargs["option_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        contract = self.contract
        return super().get_context_data(
            contract=contract,
            option=self.option,
            action=self.action,
            new_end=contract.end_if_exercised(self.option),
            # What declining it lapses: the open options after it, if any (issue 25: declining the
            # last option warned about "every option after it").
            lapses=[o for o in contract.options.all() if o.sequence > self.option.sequence and o.is_open],
            **kwargs,
        )

    def call_service(self, form):
        decide = services.option_exercise if self.action == "exercise" else services.option_decline
        return decide(option=self.option, officer=self.request.user, **form.cleaned_data)

    def service_succeeded(self, form, option):
        self.contract.refresh_from_db()
        if self.action == "exercise":
            messages.success(
                self.request,
                f"Option {self.option.sequence} exercised: the contract now ends on "
                f"{long_date(self.contract.current_end_date)}",
            )
        else:
            messages.success(self.request, f"Option {self.option.sequence} declined")
        return redirect(self.contract)
