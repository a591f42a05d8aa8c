"""The sync's state and the market it watches (registered through ``notices.models``).

- ``SyncState``: one row per platform: the window being paged and the cursor reached inside
  it (so a restart resumes), how far the platform has been read to, and the run lock.
- ``MarketNotice``: another authority's planned or open procurement or contract ending, as
  read from a platform. Kept apart from the council's own ``Release``/``Notice`` records: it
  is never imported as a cycle.
- ``MarketWatch``: what an officer follows: CPV codes, keywords and regions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Platform(models.TextChoices):
    FIND_A_TENDER = "find-a-tender", "Find a Tender"
    CONTRACTS_FINDER = "contracts-finder", "Contracts Finder"


class SyncState(models.Model):
    platform = models.CharField(max_length=20, choices=Platform, unique=True)
    read_to = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Every release updated before this has been read (the last finished window's end)",
    )
    window_from = models.DateTimeField(null=True, blank=True, help_text="The window being read, if one is unfinished")
    window_to = models.DateTimeField(null=True, blank=True)
    cursor = models.TextField(blank=True, help_text="The platform's cursor for the next page of the unfinished window")
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    running_since = models.DateTimeField(null=True, blank=True, help_text="Set while a run holds the lock")
    run_token = models.CharField(max_length=40, blank=True)
    counts = models.JSONField(
        default=dict, blank=True, help_text="What the last run did: pages, read, imported, market"
    )

    class Meta:
        verbose_name = "notice sync state"

    def __str__(self) -> str:
        return self.get_platform_display()


class MarketNotice(models.Model):
    """Another authority's procurement, from a platform's release (unique on OCID and release id)."""

    class Stage(models.TextChoices):
        PLANNING = "planning", "Planned"
        TENDER = "tender", "Open"
        AWARD = "award", "Awarded"
        CONTRACT = "contract", "Contract"

    platform = models.CharField(max_length=20, choices=Platform)
    ocid = models.CharField("OCID", max_length=100)
    release_id = models.CharField("release id", max_length=255)
    released_at = models.DateTimeField(help_text="The release's own date")
    stage = models.CharField(max_length=10, choices=Stage)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    buyer_name = models.CharField(max_length=255, blank=True)
    cpv_codes = models.JSONField(default=list, blank=True)
    regions = models.JSONField(default=list, blank=True, help_text="NUTS/ITL codes of the delivery places")
    value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    tender_ends = models.DateTimeField(null=True, blank=True, help_text="When tenders are due")
    contract_starts = models.DateField(null=True, blank=True)
    contract_ends = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-released_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["ocid", "release_id"], name="market_notice_unique_release")]

    def __str__(self) -> str:
        return self.title


class MarketWatch(models.Model):
    """What one officer follows on the market: any CPV code, keyword or region that matches."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="market_watches")
    cpv_codes = models.CharField(
        "CPV codes",
        max_length=500,
        blank=True,
        help_text="Comma-separated, e.g. 85312000 (a shorter code covers its family)",
    )
    keywords = models.CharField(max_length=500, blank=True, help_text="Comma-separated, e.g. domestic abuse, refuge")
    regions = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated NUTS/ITL codes, e.g. UK for the whole UK, UKJ for the South East",
    )
    weekly_email = models.BooleanField(default=True)
    emailed_to = models.DateTimeField(
        null=True, blank=True, help_text="Market notices first seen before this were emailed"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["officer", "pk"]

    def __str__(self) -> str:
        return f"Market watch of {self.officer}"
