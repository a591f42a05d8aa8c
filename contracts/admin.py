from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from access import policy
from commissioning.changes import contract_changed

from .models import Contract, ContractAccess, ExtensionOption, Organisation, Team
from .services import organisation_save


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "shared_mailbox", "manager"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(ContractAccess)
class ContractAccessAdmin(SimpleHistoryAdmin):
    list_display = ["contract", "user", "can_edit", "reason"]
    list_select_related = ["contract", "user"]
    autocomplete_fields = ["contract"]
    search_fields = ["contract__reference", "user__username", "reason"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "role", "ppon_id", "charity_number", "company_number", "is_sme", "is_vcse"]
    list_filter = ["role", "is_sme", "is_vcse"]
    search_fields = ["name", "ppon_id", "charity_number", "company_number"]

    # The officers' pages and the admin follow one rule (access.policy, issue 15); the
    # admin shows the others read-only.
    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return policy.organisations_editable_by(request.user).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or self.has_change_permission(request, obj))

    def save_model(self, request, obj, form, change):
        organisation_save(
            organisation=obj, officer=request.user, reason="Changed in the admin" if change else "Added in the admin"
        )


class ExtensionOptionInline(admin.TabularInline):
    model = ExtensionOption
    extra = 0


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "provider", "team", "start_date", "current_end_date"]
    list_filter = ["team", "service_category", "kind", "is_light_touch"]
    search_fields = ["reference", "title", "provider__name", "buyer__name"]
    list_select_related = ["provider", "team"]
    readonly_fields = ["initial_end_date", "current_end_date"]
    autocomplete_fields = ["buyer", "provider", "parent"]
    inlines = [ExtensionOptionInline]

    def save_related(self, request, form, formsets, change):
        # After the options inline: the milestones, duties and reminders follow the whole change.
        super().save_related(request, form, formsets, change)
        contract_changed(contract=form.instance, officer=request.user)


@admin.register(ExtensionOption)
class ExtensionOptionAdmin(SimpleHistoryAdmin):
    list_display = ["contract", "sequence", "length_months", "status", "decision_date"]
    list_filter = ["status"]
    list_select_related = ["contract"]
    search_fields = ["contract__reference", "contract__title", "decision_reference"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        contract_changed(contract=obj.contract, officer=request.user)

    def delete_model(self, request, obj):
        contract = obj.contract
        super().delete_model(request, obj)
        contract_changed(contract=contract, officer=request.user)

    def delete_queryset(self, request, queryset):
        # One at a time: ExtensionOption.delete moves the contract's end dates back.
        contracts = {}
        for option in queryset.select_related("contract"):
            contracts[option.contract_id] = option.contract
            option.delete()
        for contract in contracts.values():
            contract_changed(contract=contract, officer=request.user)
