"""The admin shows notices, releases and duties read-mostly: they change through the pages and services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AuthoritySpend,
    Conflict,
    ContractBreach,
    Duty,
    Lot,
    Notice,
    Payment,
    Release,
)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["release_id", "ocid", "date", "cycle", "applied", "imported_at"]
    search_fields = ["release_id", "ocid"]
    readonly_fields = [field.name for field in Release._meta.fields]


@admin.register(Notice)
class NoticeAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "notice_type", "published_at", "cycle", "source"]
    list_filter = ["notice_type", "source"]
    search_fields = ["fts_notice_id", "ocid"]
    raw_id_fields = ["source_release", "cycle", "contracts", "recorded_by"]


@admin.register(Lot)
class LotAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "cycle", "start_date", "end_date", "max_extent_date", "contract"]
    raw_id_fields = ["cycle", "contract", "last_release"]


@admin.register(Conflict)
class ConflictAdmin(SimpleHistoryAdmin):
    list_display = ["subject", "cycle", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["cycle", "contract", "milestone", "imported_value", "release", "resolved_by"]


@admin.register(Duty)
class DutyAdmin(SimpleHistoryAdmin):
    list_display = ["title", "notice_type", "due_on", "status", "contract", "cycle"]
    list_filter = ["notice_type", "status"]
    raw_id_fields = ["contract", "cycle", "notice", "milestone", "decided_by"]


# Payments, expected spend and breaches change through the pages (notices.services), which
# plan the duties that follow; the admin only reads them.
@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = ["contract", "paid_on", "amount", "supplier", "finance_reference"]
    search_fields = ["contract__reference", "supplier", "finance_reference"]
    readonly_fields = [field.name for field in Payment._meta.fields]


@admin.register(AuthoritySpend)
class AuthoritySpendAdmin(SimpleHistoryAdmin):
    list_display = ["buyer", "financial_year_start", "expected_spend"]
    readonly_fields = [field.name for field in AuthoritySpend._meta.fields]


@admin.register(ContractBreach)
class ContractBreachAdmin(SimpleHistoryAdmin):
    list_display = ["contract", "occurred_on", "what"]
    readonly_fields = [field.name for field in ContractBreach._meta.fields]
