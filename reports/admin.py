from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    DecisionReport,
    KpiResult,
    MonitoringReturn,
    QualityAssessment,
    RenderedReport,
    ReportApproval,
    ReportOption,
)


class KpiResultInline(admin.TabularInline):
    model = KpiResult
    extra = 0
    fields = ["position", "service", "name", "unit", "target", "actual", "higher_is_better"]


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(SimpleHistoryAdmin):
    list_display = ["contract", "year", "quarter", "received_on", "source"]
    list_filter = ["source", "year", "quarter"]
    search_fields = ["contract__reference", "contract__title"]
    list_select_related = ["contract"]
    autocomplete_fields = ["contract"]
    inlines = [KpiResultInline]


@admin.register(QualityAssessment)
class QualityAssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["contract", "service", "assessed_on", "score", "follow_up_on", "follow_up_score"]
    search_fields = ["contract__reference", "service"]
    list_select_related = ["contract"]
    autocomplete_fields = ["contract"]
    date_hierarchy = "assessed_on"


class ReportOptionInline(admin.StackedInline):
    model = ReportOption
    extra = 0
    fields = ["kind", "description", "benefits", "risks", "is_recommended"]


@admin.register(DecisionReport)
class DecisionReportAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "status", "meeting_date", "decision_route", "contract", "cycle"]
    list_filter = ["status", "kind", "decision_route"]
    search_fields = ["title", "contract__reference", "cycle__name"]
    list_select_related = ["contract", "cycle"]
    autocomplete_fields = ["contract"]
    raw_id_fields = ["option", "cycle"]
    date_hierarchy = "meeting_date"
    inlines = [ReportOptionInline]
    # Status changes go through the services (submit, approve) so history says who and why.
    readonly_fields = ["status", "created_by", "submitted_by", "submitted_at", "approved_by", "approved_at"]

    def has_change_permission(self, request, obj=None):
        # Submitted and approved reports change only through the services: a new version needs its own approval.
        if obj is not None and not obj.is_draft:
            return False
        return super().has_change_permission(request, obj)


@admin.register(RenderedReport)
class RenderedReportAdmin(admin.ModelAdmin):
    list_display = ["report", "rendered_at", "status_when_rendered", "sha256"]
    list_select_related = ["report"]
    exclude = ["pdf"]
    readonly_fields = ["report", "rendered_at", "status_when_rendered", "sha256"]


@admin.register(ReportApproval)
class ReportApprovalAdmin(admin.ModelAdmin):
    """Approved versions, read-only: what a manager approved is never edited, here or anywhere."""

    list_display = ["report", "version", "approved_by", "approved_at", "sha256"]
    list_select_related = ["report", "approved_by"]
    readonly_fields = ["report", "version", "approved_by", "approved_at", "figures", "pdf", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
