"""The production-shaped stack on loopback: gunicorn, two Celery workers, beat (and a second
beat started by mistake), PostgreSQL, Redis and an SMTP server, all as separate processes.

A milestone is added through the web pages as an officer would; its reminder is then made
due (the stack cannot wait a week, so the row's send time is moved to now, as the passing of
time would) and must arrive exactly once, although two workers and two beats are sweeping.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from contracts import roles
from ops.health import SWEEP as SWEEP_HEARTBEAT
from ops.models import Heartbeat
from reminders.models import Reminder
from tests.factories import PASSWORD, make_contract, make_team, make_user
from tests.redis_server import redis_db
from tests.smtp_server import SmtpServer, free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.system]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def environment(smtp: SmtpServer, tmp_path: Path, redis_url: str) -> dict:
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "REMINDER_SWEEP_SECONDS": "2",
        "DJANGO_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }


def wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post_form(self, path: str, fields: dict) -> str:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path)).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=10) as response:
            return response.read().decode()


def test_a_reminder_planned_through_the_web_arrives_once_through_two_workers_and_two_beats(tmp_path, redis_url):
    if connection.vendor != "postgresql":
        pytest.skip("the stack's processes share the database, which needs PostgreSQL; CI runs this on PostgreSQL")
    stack_redis = redis_db(redis_url, 13)  # a database of its own on the session's Redis
    try:
        redis.Redis.from_url(stack_redis, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {stack_redis}: {error}")
    team = make_team(name="Domestic abuse team")
    officer = make_user(
        username="olivia",
        role=roles.OFFICER,
        teams=[team],
        email="olivia@example.org",
        first_name="Olivia",
        last_name="Okafor",
    )
    contract = make_contract(reference="STACK-1", team=team, lead_officer=officer, option_months=())

    processes = []
    with SmtpServer() as smtp:
        env = environment(smtp, tmp_path, stack_redis)
        port = free_port()
        try:
            gunicorn_log = tmp_path / "gunicorn.log"
            processes.append(
                subprocess.Popen(
                    [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=gunicorn_log.open("w"),
                )
            )
            for name in ("one", "two"):
                processes.append(
                    subprocess.Popen(
                        [
                            str(BIN / "celery"),
                            "-A",
                            "config",
                            "worker",
                            "--concurrency=1",
                            f"--hostname={name}@%h",
                            "--without-gossip",
                            "--without-mingle",
                            "--loglevel=WARNING",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                # The second beat is the mistake the issue asks about.
                processes.append(
                    subprocess.Popen(
                        [
                            str(BIN / "celery"),
                            "-A",
                            "config",
                            "beat",
                            "--loglevel=WARNING",
                            "--schedule",
                            str(tmp_path / f"beat-{name}"),
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )

            browser = Browser(f"http://127.0.0.1:{port}")
            # Six processes start at once on two cores; on a busy machine that can take a while.
            assert wait_for(lambda: _answers(browser), 90), (
                f"gunicorn did not start:\n{gunicorn_log.read_text()[-3000:]}"
            )
            browser.post_form("/accounts/login/", {"username": "olivia", "password": PASSWORD})
            due = timezone.localdate() + timedelta(days=14)
            page = browser.post_form(
                f"/milestones/new/?contract={contract.pk}",
                {
                    "title": "Tender clarification responses due",
                    "kind": "tender_deadline",
                    "due_date_day": due.day,
                    "due_date_month": due.month,
                    "due_date_year": due.year,
                    "owner": officer.pk,
                },
            )
            assert "Tender clarification responses due" in page
            reminder = Reminder.objects.get(milestone__title="Tender clarification responses due", offset="1 week")
            # Time passes: the week-ahead reminder falls due now.
            Reminder.objects.filter(pk=reminder.pk).update(send_at=timezone.now() - timedelta(seconds=1))

            assert wait_for(lambda: reminder.pk in smtp.reminder_ids(), 60), "the reminder never arrived"
            # Four more sweeps finish (each stamps the sweep's heartbeat), from both beats through
            # both workers, each a chance to send the reminder again: waited for, not slept.
            assert wait_for(sweeps_finished_after(timezone.now(), 4), 60), "the sweeps stopped"
            assert smtp.reminder_ids()[reminder.pk] == 1
            reminder.refresh_from_db()
            assert reminder.status == Reminder.Status.SENT
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def sweeps_finished_after(moment, count: int):
    """A condition: ``count`` sweeps have finished since ``moment`` (the heartbeat each sweep
    stamps, read as often as ``wait_for`` asks; a sweep every second or so here)."""
    seen = set()

    def condition() -> bool:
        beat = Heartbeat.objects.filter(name=SWEEP_HEARTBEAT).values_list("finished_at", flat=True).first()
        if beat is not None and beat > moment:
            seen.add(beat)
        return len(seen) >= count

    return condition


def _answers(browser: Browser) -> bool:
    try:
        return "Sign in" in browser.get("/accounts/login/")
    except OSError:
        return False
