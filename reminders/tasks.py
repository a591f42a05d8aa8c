"""Celery tasks: thin wrappers the beat schedule calls (see CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task
from django.utils import timezone

from . import digests, planning, sweep


@shared_task(ignore_result=True)
def sweep_reminders() -> dict:
    """Send every due reminder. Safe to run twice at once: each row is claimed atomically."""
    outcome = sweep.sweep()
    return outcome.__dict__


@shared_task(ignore_result=True)
def plan_all_reminders() -> int:
    return planning.reminders_plan_all()


@shared_task(ignore_result=True)
def send_weekly_digests() -> int:
    return digests.send_weekly_digests(today=timezone.localdate())
