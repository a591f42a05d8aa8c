"""A spreadsheet a Celery worker makes for one person, and how far it has got.

An XLSX file of a large register takes minutes of CPU (openpyxl spends about 35 µs on a
cell), so it is never made in the web request: the request adds a ``SpreadsheetJob`` and
returns at once to its progress page; a worker on the "heavy" queue writes the file into
Django's storage (the local file system or object storage, ``STORAGES["default"]``), then
emails the person a link. Only the person who asked sees the job or downloads its file
(``access.policy.spreadsheet_jobs_visible_to``), until ``expires_at``; then the file is
deleted (``exports.services.spreadsheets_delete_expired``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class SpreadsheetJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        FINISHED = "finished", "Ready"
        FAILED = "failed", "Stopped by an error"

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A key of exports.services.SPREADSHEETS: register, milestones, reminders or transparency.
    source = models.CharField(max_length=20)
    query = models.TextField(blank=True, help_text="The page's filters, as its query string")
    requested_on = models.DateField(help_text="The day asked for (London): the file holds the register as of then")
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Rows the file will hold, counted when it started")
    done = models.PositiveIntegerField(default=0, help_text="Rows written so far")
    file = models.FileField(upload_to="exports/", max_length=255, blank=True)
    file_name = models.CharField(max_length=255, blank=True, help_text="The name the download is saved as")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the file is deleted")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # spreadsheets_delete_expired: finished files past their expiry.
            models.Index(fields=["expires_at"], name="spreadsheet_job_expiry"),
        ]

    def __str__(self) -> str:
        return f"Spreadsheet of {self.source} for {self.officer}"

    def get_absolute_url(self) -> str:
        return reverse("exports:spreadsheet", args=[self.pk])

    @property
    def title(self) -> str:
        """What the file holds: "the contract register", "milestones"."""
        from .services import SPREADSHEETS

        return SPREADSHEETS[self.source].title

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.FAILED)

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def percent(self) -> int:
        if self.status == self.Status.FINISHED:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
