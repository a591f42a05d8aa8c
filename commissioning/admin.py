from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from .changes import cover_changed, cycle_changed, milestone_changed
from .models import TIMED_STAGES, CalendarFeed, CommissioningCycle, Milestone, Service, StageTimings
from .services import OVERRIDES_DERIVATION, check_service_contracts, stage_timings_save


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "kind", "due_on", "due_at", "status", "source"]
    readonly_fields = ["source"]
    show_change_link = True


@admin.register(CommissioningCycle)
class CommissioningCycleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "stage", "stage_changed_on", "team", "lead_officer", "target_start_date"]
    list_filter = ["stage", "team", "service_category", "is_light_touch"]
    search_fields = ["name", "ocid", "replaces__reference"]
    list_select_related = ["team", "lead_officer"]
    filter_horizontal = ["replaces"]
    inlines = [MilestoneInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:  # the milestones inline
            for milestone in [*formset.new_objects, *(obj for obj, _ in formset.changed_objects)]:
                milestone_changed(milestone=milestone)
        cycle_changed(cycle=form.instance, officer=request.user)


class ServiceAdminForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["team", "name", "category", "contracts"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("team") is not None and cleaned.get("contracts") is not None:
            try:
                check_service_contracts(Service(team=cleaned["team"]), cleaned["contracts"])
            except ValidationError as error:
                self.add_error("contracts", error.message_dict["contracts"])
        return cleaned


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    form = ServiceAdminForm
    list_display = ["name", "category", "team"]
    list_filter = ["team", "category"]
    search_fields = ["name", "contracts__reference"]
    filter_horizontal = ["contracts"]

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.contracts.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.contracts.values_list("pk", flat=True))
        # A contract added to or taken from the chain can open or close a gap (commissioning.cover).
        cover_changed(
            contracts=form.instance.contracts.model.objects.filter(pk__in=before | after), officer=request.user
        )


@admin.register(StageTimings)
class StageTimingsAdmin(SimpleHistoryAdmin):
    """Managers set these on the team's own page; here for administrators (the rating reads them at once)."""

    list_display = ["team", *[StageTimings.field_name(stage) for stage in TIMED_STAGES]]
    list_select_related = ["team"]

    def save_model(self, request, obj, form, change):
        stage_timings_save(timings=obj, officer=request.user, reason="Changed in the admin")


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title", "due_on", "due_at", "kind", "status", "source", "edited_by_hand", "contract", "cycle"]
    list_filter = ["status", "source", "kind", "edited_by_hand"]
    search_fields = ["title", "description", "contract__reference", "cycle__name"]
    list_select_related = ["contract", "cycle"]
    date_hierarchy = "due_on"
    autocomplete_fields = ["contract", "owner"]
    raw_id_fields = ["option"]
    # Milestone.save() keeps due_on in step with due_at; derived_key belongs to the derivation.
    readonly_fields = ["derived_key"]

    def save_model(self, request, obj, form, change):
        # As on the officers' edit page: a derived date changed by hand is no longer recomputed.
        if change and obj.source == Milestone.Source.DERIVED and OVERRIDES_DERIVATION.intersection(form.changed_data):
            obj.edited_by_hand = True
        super().save_model(request, obj, form, change)
        milestone_changed(milestone=obj)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    # The token is a password for the feed: it is replaced from the officer's settings page, never shown here.
    exclude = ["token"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request):
        return False
