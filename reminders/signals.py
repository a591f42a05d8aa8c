"""Re-plan a milestone's reminders whenever it is saved, from any screen, import or the admin."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from commissioning.models import Milestone

from .planning import reminders_plan_for_milestone


@receiver(post_save, sender=Milestone, dispatch_uid="reminders.milestone_saved")
def milestone_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        reminders_plan_for_milestone(milestone=instance)
