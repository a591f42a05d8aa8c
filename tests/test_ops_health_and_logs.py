"""The health endpoint, the admin status page and the JSON log lines."""

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ops.logging import JsonFormatter
from ops.models import Heartbeat
from reminders.sweep import sweep
from tests.factories import make_user
from tests.reminder_helpers import london, market_engagement_milestone, team_with_people

pytestmark = pytest.mark.django_db


def test_health_is_unhealthy_until_a_sweep_has_run_then_healthy_then_stale(client, settings):
    settings.REDIS_URL = ""
    assert client.get(reverse("ops:health")).status_code == 503  # no sweep has ever completed
    sweep()
    response = client.get(reverse("ops:health"))
    assert response.status_code == 200 and response.json()["healthy"] is True
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        stale = client.get(reverse("ops:health"))
    assert stale.status_code == 503
    assert stale.json()["checks"]["reminder_sweep"]["ok"] is False


def test_health_reports_the_oldest_reminder_due_but_unsent(client, settings):
    settings.REDIS_URL = ""
    with time_machine.travel("2026-02-01 09:00:00+00:00", tick=False):
        team, owner, _ = team_with_people()
        market_engagement_milestone(team=team, owner=owner)
    with time_machine.travel(london(2026, 2, 26, 9, 0), tick=False):
        Heartbeat.objects.create(name="reminder-sweep", finished_at=timezone.now())
        body = client.get(reverse("ops:health")).json()
    assert body["checks"]["oldest_due_reminder"]["ok"] is False
    assert body["checks"]["oldest_due_reminder"]["due_since"].startswith("2026-02-26T08:00:00")


def test_health_checks_redis_when_it_is_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    sweep()
    body = client.get(reverse("ops:health")).json()
    assert body["checks"]["redis"]["ok"] is False and body["healthy"] is False


def test_admins_see_the_same_facts_on_a_status_page(client, settings):
    settings.REDIS_URL = ""
    sweep()
    client.force_login(make_user(role="admin", is_staff=True))
    page = client.get(reverse("ops:status")).content.decode()
    assert "Service status" in page and "Reminder sweep" in page and "Healthy" in page


def test_log_lines_are_json_with_the_fields_the_code_attached():
    record = logging.LogRecord("reminders.sweep", logging.INFO, __file__, 1, "reminder sent", None, None)
    record.reminder, record.to = 42, "olivia@example.org"
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "reminder sent" and line["reminder"] == 42 and line["to"] == "olivia@example.org"
    assert line["level"] == "INFO" and line["logger"] == "reminders.sweep" and "time" in line


def test_each_imported_release_leaves_a_log_line(caplog):
    from tests.ocds_helpers import MK_RELEASE_ID, import_bytes, make_seed_buyers, mk_release

    make_seed_buyers()
    with caplog.at_level(logging.INFO, logger="notices.import"):
        [outcome] = import_bytes(mk_release())
        import_bytes(b"{not json")
    records = [record for record in caplog.records if record.name == "notices.import"]
    assert records[0].getMessage() == f"release {outcome.status}" and records[0].release == MK_RELEASE_ID
    assert records[-1].levelname == "WARNING" and records[-1].getMessage() in ("release unreadable", "release refused")
