"""What the load balancer and the IT team need to know: is the tracker able to remind people?

``health_facts`` checks, in order:
1. the database answers;
2. Redis answers (only where REDIS_URL is set: development runs without it);
3. the last completed reminder sweep is recent (HEALTH_SWEEP_MAX_AGE);
4. no reminder has been due and unsent for longer than that;
5. each platform the notice sync follows has been read to within NOTICE_SYNC_MAX_LAG of now
   (only once the sync has run: notices/sync/, docs/notices.md).
Any failure makes the whole answer unhealthy, so a monitor raises the alarm before an officer
notices a reminder that never came.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

SWEEP = "reminder-sweep"


@dataclass
class Facts:
    checked_at: datetime
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    LABELS = {
        "database": "Database",
        "redis": "Redis (the Celery broker)",
        "reminder_sweep": "Reminder sweep",
        "oldest_due_reminder": "Oldest reminder due but unsent",
    }

    def rows(self) -> list[tuple[str, str, dict]]:
        return [(name, self.LABELS.get(name, name), check) for name, check in self.checks.items()]

    def as_json(self) -> dict:
        return {"healthy": self.healthy, "checked_at": self.checked_at.isoformat(), "checks": self.checks}


def _seconds(delta) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def health_facts(now: datetime | None = None) -> Facts:
    from reminders.models import Reminder

    from .models import Heartbeat

    now = now or timezone.now()
    facts = Facts(checked_at=now)
    limit = settings.HEALTH_SWEEP_MAX_AGE
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        facts.checks["database"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 - the answer is the report
        facts.checks["database"] = {"ok": False, "error": type(error).__name__}
        return facts

    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
            facts.checks["redis"] = {"ok": True}
        except redis.RedisError as error:
            facts.checks["redis"] = {"ok": False, "error": type(error).__name__}

    beat = Heartbeat.objects.filter(name=SWEEP).first()
    age = now - beat.finished_at if beat else None
    facts.checks["reminder_sweep"] = {
        "ok": age is not None and age <= limit,
        "last_completed": beat.finished_at.isoformat() if beat else None,
        "age_seconds": _seconds(age),
        "max_age_seconds": _seconds(limit),
    }

    oldest = (
        Reminder.objects.filter(status=Reminder.Status.PLANNED, send_at__lte=now)
        .order_by("send_at")
        .values_list("send_at", flat=True)
        .first()
    )
    overdue = now - oldest if oldest else None
    facts.checks["oldest_due_reminder"] = {
        "ok": overdue is None or overdue <= limit,
        "due_since": oldest.isoformat() if oldest else None,
        "age_seconds": _seconds(overdue),
    }
    facts.checks.update(notice_sync_checks(now))
    return facts


def notice_sync_checks(now: datetime) -> dict[str, dict]:
    """When each followed platform was last read without error, and how far behind now it is."""
    from notices.sync.models import SyncState

    checks = {}
    for state in SyncState.objects.order_by("platform"):
        behind = now - state.read_to if state.read_to else None
        name = f"notice_sync_{state.platform.replace('-', '_')}"
        Facts.LABELS[name] = f"Notices from {state.get_platform_display()}"
        checks[name] = {
            "ok": behind is not None and behind <= settings.NOTICE_SYNC_MAX_LAG,
            "last_succeeded": state.last_success_at.isoformat() if state.last_success_at else None,
            "behind_seconds": _seconds(behind),
            "max_behind_seconds": _seconds(settings.NOTICE_SYNC_MAX_LAG),
            **({"error": state.last_error[:200]} if state.last_error else {}),
        }
    return checks
