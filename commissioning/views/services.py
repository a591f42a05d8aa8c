"""A team's services (the refuge, the IDVA service): what residents depend on, and the contracts
that cover each over time. Thin: reads from selectors, writes through services.service_save."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import CreateView, TemplateView, UpdateView

from access import policy
from common.keyset import Key, keyset_page_asked
from common.views import Permission, ServiceFormMixin

from .. import selectors, services
from ..forms import ServiceForm
from ..models import Service
from .gaps import WarnsOfGapsOpened

SERVICES_PAGE_SIZE = 50
# The list's order (``selectors.services_for``'s), for ``common.keyset.keyset_page``.
SERVICE_KEYS = [Key("team__name"), Key("name")]


class ServiceListView(Permission, TemplateView):
    permission_required = "commissioning.view_service"
    template_name = "commissioning/service_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        # Keyset pagination (never OFFSET), and the cover worked out for the page's services only.
        page = keyset_page_asked(
            policy.services_visible_to(user).select_related("team"),
            SERVICE_KEYS,
            size=SERVICES_PAGE_SIZE,
            query=self.request.GET,
        )
        shown = Service.objects.filter(pk__in=[service.pk for service in page.object_list])
        return super().get_context_data(
            rows=selectors.services_for(user=user, today=timezone.localdate(), queryset=shown),
            page=page,
            can_add=policy.teams_for_new_services(user).exists(),
            **kwargs,
        )


class ServiceDetailView(Permission, TemplateView):
    permission_required = "commissioning.view_service"
    template_name = "commissioning/service_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        service = policy.visible_service_or_404(user, pk=self.kwargs["pk"])
        (row,) = selectors.services_for(
            user=user, today=timezone.localdate(), queryset=Service.objects.filter(pk=service.pk)
        )
        return super().get_context_data(
            service=row.service,
            row=row,
            history=selectors.service_history(service),
            can_edit=policy.services_editable_by(user).filter(pk=service.pk).exists(),
            **kwargs,
        )


class ServicePageFormMixin(WarnsOfGapsOpened, ServiceFormMixin):
    template_name = "commissioning/service_form.html"
    form_class = ServiceForm
    reason = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def call_service(self, form):
        return services.service_save(
            service=form.save(commit=False),
            contracts=form.cleaned_data["contracts"],
            officer=self.request.user,
            reason=form.cleaned_data.get("change_reason", "").strip() or self.reason,
        )

    def service_succeeded(self, form, service):
        messages.success(self.request, self.success_message.format(service=service))
        return redirect("commissioning:service-detail", pk=service.pk)


class ServiceCreateView(Permission, ServicePageFormMixin, CreateView):
    permission_required = "commissioning.add_service"
    reason = "Service added"
    success_message = "Service {service.name} added"

    def get_initial(self):
        teams = policy.teams_for_new_services(self.request.user)
        return {"team": teams.first().pk} if teams.count() == 1 else {}


class ServiceUpdateView(Permission, ServicePageFormMixin, UpdateView):
    permission_required = "commissioning.change_service"
    reason = "Service details changed"
    success_message = "Service {service.name} updated"
    context_object_name = "service"

    def get_object(self, queryset=None):
        return policy.editable_service_or_deny(self.request.user, pk=self.kwargs["pk"])
