"""Two-step devices in the Django admin: an administrator may remove a lost app, and it is recorded.

People set up their own app (access/two_factor.py), so nobody adds or edits a device here:
an admin who could would hold a working code for someone else's account.
"""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecondFactorChange
from .two_factor import second_factor_remove

REASON = "Removed in the Django admin"


class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        second_factor_remove(person=obj.user, by=request.user, reason=REASON, devices=[obj])

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            second_factor_remove(person=device.user, by=request.user, reason=REASON, devices=[device])


@admin.register(TOTPDevice)
class AuthenticatorAppAdmin(DeviceAdmin):
    pass


@admin.register(StaticDevice)
class RecoveryCodesAdmin(DeviceAdmin):
    pass


@admin.register(SecondFactorChange)
class SecondFactorChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "person", "action"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
