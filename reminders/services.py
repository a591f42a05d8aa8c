"""Reminder workflows that views call: an officer's quiet days, re-planning what they change."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from commissioning.models import Milestone
from common import history

from .models import QuietDays
from .planning import reminders_plan_for_milestone


def _replan_owned_by(user) -> None:
    milestones = Milestone.objects.filter(owner=user, status=Milestone.Status.SCHEDULED).select_related(
        "owner", "contract__team__manager", "cycle__team__manager"
    )
    for milestone in milestones:
        reminders_plan_for_milestone(milestone=milestone)


@transaction.atomic
def quiet_days_add(*, user, first_day: date, last_day: date, note: str = "") -> QuietDays:
    """Record days an officer is away and re-plan their milestones' reminders around them."""
    quiet = QuietDays(user=user, first_day=first_day, last_day=last_day, note=note)
    history.record(quiet, officer=user, reason=f"Quiet days added by {user.get_username()}")
    quiet.save()
    _replan_owned_by(user)
    return quiet


@transaction.atomic
def quiet_days_remove(*, user, quiet_days_id: int) -> bool:
    """Remove one of the officer's own quiet-day periods; False if it is not theirs or not there."""
    quiet = QuietDays.objects.filter(user=user, pk=quiet_days_id).first()
    if quiet is None:
        return False
    history.record(quiet, officer=user, reason=f"Quiet days removed by {user.get_username()}")
    quiet.delete()
    _replan_owned_by(user)
    return True
