from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """Admins can see and revoke anyone's tokens; nobody can make one here (keys are shown once, to their owner)."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request):
        return False
