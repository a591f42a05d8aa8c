from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DigestLog, Reminder, ReminderRule


@admin.register(ReminderRule)
class ReminderRuleAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "offsets"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "milestone",
        "offset",
        "recipient_email",
        "send_at",
        "status",
        "attempts",
        "sent_at",
        "times_accepted",
    ]
    list_filter = ["status", "purpose", "audience"]
    search_fields = ["recipient_email", "milestone__title"]
    list_select_related = ["milestone"]
    readonly_fields = ["claimed_at", "sent_at", "attempts", "last_error", "was_late", "times_accepted", "created_at"]


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ["user", "week_commencing", "sent_at", "milestone_count"]
