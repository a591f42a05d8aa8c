"""Pages for buyers and providers, so officers can add a provider without the admin.

Organisations are shared reference data: everyone may read them, but who may change one is
``access.policy.organisations_editable_by`` (issue 15), and every change asks for a reason
that the page's history shows beside the officer's name.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import CreateView, DetailView, TemplateView, UpdateView

from access import policy
from common.keyset import Key, keyset_page_asked
from common.views import Permission, ServiceFormMixin

from .models import Organisation
from .selectors import organisation_history
from .services import organisation_save

NOT_YOURS = "Only an officer of a team that uses it, a manager of one, or an admin can change it"


class OrganisationForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=100,
        help_text="Every team that uses this organisation sees it, for example 'Name on the new letterhead'",
    )

    class Meta:
        model = Organisation
        fields = ["name", "role", "ppon_id", "charity_number", "company_number", "is_sme", "is_vcse"]
        error_messages = {"name": {"required": "Enter the organisation's name"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["change_reason"]  # a new one's history says "Organisation added"

    def clean_ppon_id(self):
        ppon = self.cleaned_data["ppon_id"].strip().upper().removeprefix("GB-PPON-")
        clash = Organisation.objects.filter(ppon_id=ppon).exclude(pk=self.instance.pk)
        if ppon and clash.exists():
            raise forms.ValidationError(f"{clash.first().name} already has the PPON identifier {ppon}")
        return ppon

    def clean_change_reason(self):
        reason = self.cleaned_data["change_reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for the change")
        return reason


ORGANISATIONS_PAGE_SIZE = 50


class OrganisationListView(Permission, TemplateView):
    permission_required = "contracts.view_organisation"
    template_name = "contracts/organisation_list.html"

    def get_context_data(self, **kwargs):
        # Organisations are shared reference data; their contracts are counted per team on their pages.
        # Keyset pagination by name: never OFFSET (common.keyset).
        page = keyset_page_asked(
            Organisation.objects.all(),
            [Key("name")],
            size=ORGANISATIONS_PAGE_SIZE,
            query=self.request.GET,
        )
        return super().get_context_data(page=page, **kwargs)


class OrganisationDetailView(Permission, DetailView):
    permission_required = "contracts.view_organisation"
    template_name = "contracts/organisation_detail.html"
    model = Organisation

    def get_context_data(self, **kwargs):
        organisation, user = self.object, self.request.user
        return super().get_context_data(
            contracts_provided=policy.contracts_visible_to(
                user, organisation.contracts_provided.select_related("buyer")
            ).order_by("current_end_date"),
            contracts_bought=policy.contracts_visible_to(
                user, organisation.contracts_bought.select_related("provider")
            ).order_by("current_end_date"),
            can_edit=policy.organisations_editable_by(user).filter(pk=organisation.pk).exists(),
            not_yours=NOT_YOURS,
            history=organisation_history(organisation),
            **kwargs,
        )


class _SaveOrganisation(ServiceFormMixin):
    def call_service(self, form):
        return organisation_save(
            organisation=form.save(commit=False),
            officer=self.request.user,
            reason=form.cleaned_data.get("change_reason") or self.reason,
        )

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
    reason = "Organisation details updated"

    def get_object(self, queryset=None):
        organisation = get_object_or_404(Organisation, pk=self.kwargs["pk"])
        if not policy.organisations_editable_by(self.request.user).filter(pk=organisation.pk).exists():
            raise PermissionDenied(f"You can read {organisation.name} but not change it. {NOT_YOURS}")
        return organisation
