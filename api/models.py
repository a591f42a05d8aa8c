"""API tokens: one per program or script a person lets read the tracker on their behalf.

Only a SHA-256 hash of each key is stored, so a copy of the database gives nobody a working
key; the person sees the key once, when they create it. A token acts as its owner: it sees
what they see (access.policy), no more, and stops working when revoked or when the owner's
account is deactivated or it expires (90 days after it was made, unless its owner chose
another length: a forgotten key stops working by itself).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. 'Finance dashboard'")
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to tell tokens apart")
    key_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the key; the key itself is never stored"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="When the token stops working, chosen by its owner when they made it")

    # The audit trail shows who created and revoked each token; the hash and each use stay out.
    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_expired(self, now: datetime) -> bool:
        return self.expires_at <= now
