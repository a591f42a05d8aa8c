"""Planned reminders: one row per milestone, offset and recipient. The database is the truth.

A reminder is never a far-future Celery task. A beat task sweeps for rows that are due and
claims each with a conditional update, so two sweeps or two workers never send the same one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from commissioning.models import Milestone

from .offsets import OffsetError, parse_offsets


def validate_offsets(value: str) -> None:
    try:
        if not parse_offsets(value):
            raise ValidationError("Enter at least one reminder time, for example '2 weeks, 1 week'")
    except OffsetError as error:
        raise ValidationError(str(error)) from error


class ReminderRule(models.Model):
    """The reminder times for one kind of milestone, replacing the built-in defaults."""

    kind = models.CharField(max_length=20, choices=Milestone.Kind, unique=True)
    offsets = models.CharField(
        max_length=200,
        validators=[validate_offsets],
        help_text="For example '12 months, 6 months, 1 month, 2 weeks, 2 working days, morning of'",
    )

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.offsets}"


class Reminder(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Purpose(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        ESCALATION = "escalation", "Escalation: due soon and not acknowledged"
        OVERDUE = "overdue", "Escalation: passed unmet"

    class Audience(models.TextChoices):
        OWNER = "owner", "Owner"
        TEAM = "team", "Team mailbox"
        MANAGER = "manager", "Manager"

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reminders")
    offset = models.CharField(max_length=40, help_text="e.g. '2 weeks', 'morning of', 'escalation', 'overdue'")
    purpose = models.CharField(max_length=12, choices=Purpose, default=Purpose.REMINDER)
    audience = models.CharField(max_length=10, choices=Audience)
    recipient_email = models.EmailField()
    recipient_name = models.CharField(max_length=200, blank=True)
    send_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PLANNED)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, help_text="Which sweep claimed the row")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why it was cancelled, or that it was late")
    was_late = models.BooleanField(default=False, help_text="Sent well after it was due, e.g. after downtime")
    times_accepted = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the mail server accepted it: more than one is a duplicate"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["send_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "offset", "recipient_email"], name="reminder_unique_per_offset_and_recipient"
            )
        ]
        indexes = [
            # sweep._claim_next and due_reminder_ids: planned rows by send time, whatever the size of the table.
            models.Index(fields=["send_at"], condition=models.Q(status="planned"), name="reminder_planned_send_at"),
            # sweep.reclaim_stale_claims: rows a worker claimed and never finished.
            models.Index(fields=["claimed_at"], condition=models.Q(status="sending"), name="reminder_sending_claimed"),
            # sweep._claim_next: a recipient's other due rows, claimed with the oldest for one email.
            models.Index(
                fields=["recipient_email", "send_at"],
                condition=models.Q(status="planned"),
                name="reminder_planned_recipient",
            ),
            # sweep.sweep: a sweep loads the rows it has just claimed (one recipient's) by its token.
            models.Index(fields=["claim_token"], condition=models.Q(status="sending"), name="reminder_sending_token"),
            # The Reminders page (reminders.selectors, issue 24), for someone who sees every team:
            # each tab's first page read in its order from an index, and its count, capped, from one.
            # Upcoming, by send time (the predicate is the tab's own, so the planner can use it).
            models.Index(
                fields=["send_at", "id"],
                condition=models.Q(status__in=["planned", "sending"]),
                name="reminder_upcoming_send_at",
            ),
            # Sent, newest first.
            models.Index(fields=["sent_at", "id"], condition=models.Q(status="sent"), name="reminder_sent_sent_at"),
            # Failed and cancelled, newest first, and any status's count.
            models.Index(fields=["status", "send_at"], name="reminder_status_send_at"),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} – {self.offset} – {self.recipient_email}"


class QuietDays(models.Model):
    """Days an officer is away (annual leave): their reminders go to the team mailbox and their manager."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_days")
    first_day = models.DateField()
    last_day = models.DateField()
    note = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["first_day"]
        verbose_name_plural = "quiet days"
        constraints = [
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")), name="quiet_days_in_order")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.first_day:%-d %B %Y} to {self.last_day:%-d %B %Y}"

    def covers(self, day) -> bool:
        return self.first_day <= day <= self.last_day


class DigestLog(models.Model):
    """One weekly digest per officer per week: the row is the claim that stops a second one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    week_commencing = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    milestone_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week_commencing"], name="digest_once_a_week")]
