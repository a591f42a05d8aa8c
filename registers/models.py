"""What an import remembers: each team's column mapping, and each import while it runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from contracts.models import Team


class ColumnMapping(models.Model):
    """How a team's files name their columns, remembered from its last import.

    ``fields`` maps a normalised heading ("supplier name") to a field key ("provider"), or to ""
    for a column the officer chose to ignore.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="register_column_mapping")
    fields = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Column mapping for {self.team}"


class RegisterImport(models.Model):
    """One file on its way in: uploaded, mapped, previewed, then committed (or abandoned).

    The file is kept through Django's storage API (``stored_name``; the web server and the
    workers share it, as they do the OCDS uploads) until it is imported or expires
    (``registers.services.FILE_RETENTION``); the preview and the summary as JSON for the pages.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PREVIEWING = "previewing", "Checking"
        PREVIEWED = "previewed", "Checked"
        COMMITTING = "committing", "Importing"
        COMMITTED = "committed", "Imported"
        FAILED = "failed", "Not imported"

    RUNNING = (Status.PREVIEWING, Status.COMMITTING)

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="register_imports")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="register_imports")
    filename = models.CharField(max_length=255)
    stored_name = models.CharField(
        max_length=255, blank=True, help_text="Where the uploaded file is kept until it is imported or expires"
    )
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    organisation_choices = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.UPLOADED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["officer", "-created_at"], name="register_import_officer")]

    def __str__(self) -> str:
        return f"{self.filename} for {self.team}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent_done(self) -> int:
        return min(100, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0
