"""The people who use the tracker get a history too, so role and permission changes are audited."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from simple_history import register
from simple_history.models import HistoricalRecords

# Who was given which role (group) or permission, by whom and when. Password hashes and
# last-login times are left out: they are not decisions anyone needs to audit.
register(
    get_user_model(),
    app="access",
    m2m_fields=["groups", "user_permissions"],
    excluded_fields=["password", "last_login"],
)


class SecondFactorChange(models.Model):
    """One change to a person's two-step verification, kept for the audit trail.

    The device rows themselves change on every sign-in (django-otp saves the last code used),
    so their history would bury the few changes that matter: set up, replaced, removed by an
    administrator, recovery code used. Who made the change is the history row's user.
    """

    class Action(models.TextChoices):
        SET_UP = "set_up", "authenticator app set up"
        REPLACED = "replaced", "authenticator app replaced"
        REMOVED = "removed", "authenticator app removed by an administrator"
        RECOVERY_CODES_REMOVED = "recovery_codes_removed", "recovery codes removed by an administrator"
        RECOVERY_CODE_USED = "recovery_code_used", "recovery code used"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(excluded_fields=["at"])

    class Meta:
        verbose_name = "two-step verification change"

    def __str__(self) -> str:
        return f"{self.person.get_full_name() or self.person.get_username()}: {self.get_action_display()}"
