"""Celery tasks of commissioning: thin wrappers the beat schedule calls (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import ratings


@shared_task(ignore_result=True)
def refresh_ratings() -> int:
    """Rate again every contract whose rating the new day can move (``ratings.ratings_refresh``)."""
    return ratings.ratings_refresh()
