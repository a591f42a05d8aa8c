"""Heartbeats: when each background job last finished, so the health check can tell."""

from django.db import models


class Heartbeat(models.Model):
    """One row per job ("reminder-sweep"); ``finished_at`` moves on each time it completes."""

    name = models.CharField(max_length=50, unique=True)
    finished_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.finished_at:%Y-%m-%d %H:%M:%S}"


def beat(name: str, *, at, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"finished_at": at, "detail": detail[:200]})
