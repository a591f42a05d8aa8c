"""Pages for buyers and providers, so officers can add a provider without the admin."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from access import policy
from common.views import Permission, ServiceFormMixin

from .models import Organisation
from .services import organisation_save


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "role", "ppon_id", "charity_number", "company_number", "is_sme", "is_vcse"]
        error_messages = {"name": {"required": "Enter the organisation's name"}}

    def clean_ppon_id(self):
        ppon = self.cleaned_data["ppon_id"].strip().upper().removeprefix("GB-PPON-")
        clash = Organisation.objects.filter(ppon_id=ppon).exclude(pk=self.instance.pk)
        if ppon and clash.exists():
            raise forms.ValidationError(f"{clash.first().name} already has the PPON identifier {ppon}")
        return ppon


class OrganisationListView(Permission, ListView):
    permission_required = "contracts.view_organisation"
    template_name = "contracts/organisation_list.html"
    paginate_by = 50
    # Organisations are shared reference data; their contracts are counted per team on their pages.
    queryset = Organisation.objects.order_by("name")


class OrganisationDetailView(Permission, DetailView):
    permission_required = "contracts.view_organisation"
    template_name = "contracts/organisation_detail.html"
    model = Organisation

    def get_context_data(self, **kwargs):
        organisation = self.object
        return super().get_context_data(
            contracts_provided=policy.contracts_visible_to(self.request.user, organisation.contracts_provided.select_related("buyer")).order_by("current_end_date"),
            contracts_bought=policy.contracts_visible_to(self.request.user, organisation.contracts_bought.select_related("provider")).order_by("current_end_date"),
            **kwargs,
        )


class _SaveOrganisation(ServiceFormMixin):
    def call_service(self, form):
        return organisation_save(organisation=form.save(commit=False), officer=self.request.user, reason=self.reason)

    def service_succeeded(self, form, organisation):
        messages.success(self.request, f"{organisation.name} saved")
        return redirect("contracts:organisation-detail", organisation.pk)


class OrganisationCreateView(Permission, _SaveOrganisation, CreateView):
    permission_required = "contracts.add_organisation"
    template_name = "contracts/organisation_form.html"
    form_class = OrganisationForm
    reason = "Organisation added"


class OrganisationUpdateView(Permission, _SaveOrganisation, UpdateView):
    permission_required = "contracts.change_organisation"
    template_name = "contracts/organisation_form.html"
    form_class = OrganisationForm
    model = Organisation
    reason = "Organisation details updated"
