"""Benchmark: 50 decision reports' PDFs through the Celery workers, beside one process doing them in turn.

    .venv/bin/python -m bench.celery_reports --out var/bench/celery-reports.json

Uses its own PostgreSQL database (``bench_reports``, dropped and created) and Redis database
(``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/14, flushed first).

1. Migrates, loads the demo data and copies the demo's ASC0013 extension report (six pages,
   with its KPI tables and quality scores) into 50 reports for 10 Cabinet meetings, five each.
2. In turn: ``reports.services.meeting_pack_render`` for each meeting, in this process: the
   function the task calls, so the same queries, template, WeasyPrint and stored PDF.
3. Through Celery: a real worker process (``celery -A config worker``, prefork, concurrency 2:
   one per core, as deployed) on Redis; the 10 ``render_meeting_pack`` tasks are queued at
   once and the clock stops when all 50 stored PDFs are newer than the start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS, MEETINGS, CONCURRENCY = 50, 10, 2


def copy_reports(original_pk: int) -> list[date]:
    from reports.models import DecisionReport, ReportOption

    original = DecisionReport.objects.get(pk=original_pk)
    options = list(ReportOption.objects.filter(report=original))
    meetings = [date(2027, 1, 12) + timedelta(weeks=2 * n) for n in range(MEETINGS)]
    DecisionReport.objects.filter(pk=original_pk).update(meeting_date=None)
    for n in range(REPORTS):
        report = DecisionReport.objects.get(pk=original_pk)
        report.pk = report.id = None
        report.meeting_date = meetings[n % MEETINGS]
        report.title = f"{original.title or 'Extension'} (copy {n + 1})"
        report.save()
        ReportOption.objects.bulk_create(
            [
                ReportOption(
                    **{
                        f.attname: getattr(o, f.attname)
                        for f in ReportOption._meta.concrete_fields
                        if f.attname not in ("id", "report_id")
                    },
                    report=report,
                )
                for o in options
            ]
        )
    return meetings


def wait_for_worker(app, seconds: int = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return
    raise SystemExit("the Celery worker did not answer within two minutes")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--database", default="bench_reports")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import database

    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    broker = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    env = dict(
        DATABASE_URL=database.recreate(args.database),
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL=broker,
        DJANGO_VAR_DIR=str(work),
        LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    import django
    import redis

    redis.Redis.from_url(broker).flushdb()
    django.setup()
    from django.core.management import call_command

    from config.celery import app
    from reports.models import DecisionReport, RenderedReport
    from reports.services import meeting_pack_render
    from reports.tasks import render_meeting_pack

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())
    meetings = copy_reports(DecisionReport.objects.get(contract__reference="ASC0013").pk)
    meeting_pack_render(meeting_date=meetings[0])  # WeasyPrint's fonts and the templates, warm

    RenderedReport.objects.all().delete()
    start = time.perf_counter()
    for meeting in meetings:
        meeting_pack_render(meeting_date=meeting)
    in_turn = time.perf_counter() - start
    assert RenderedReport.objects.count() == REPORTS
    print(f"  in turn, one process: {REPORTS} reports in {in_turn:.1f} s", flush=True)

    log = ROOT / "var" / "bench" / "celery-worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(CONCURRENCY),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=dict(os.environ, **env),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_worker(app)
        # One warm-up task per worker process, so neither run pays for importing WeasyPrint.
        RenderedReport.objects.all().delete()
        for meeting in meetings[:CONCURRENCY]:
            render_meeting_pack.delay(meeting.isoformat())
        while RenderedReport.objects.count() < CONCURRENCY * REPORTS // MEETINGS:
            time.sleep(0.2)
        from django.utils import timezone

        started_at = timezone.now()
        start = time.perf_counter()
        for meeting in meetings:
            render_meeting_pack.delay(meeting.isoformat())
        while RenderedReport.objects.filter(rendered_at__gte=started_at).count() < REPORTS:
            if worker.poll() is not None:
                raise SystemExit(f"the Celery worker stopped: see {log}")
            time.sleep(0.1)
        through_celery = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(30)
    print(f"  through Celery ({CONCURRENCY} worker processes): {REPORTS} reports in {through_celery:.1f} s", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps(
            {
                "reports": REPORTS,
                "meetings": MEETINGS,
                "concurrency": CONCURRENCY,
                "in_turn_seconds": in_turn,
                "celery_seconds": through_celery,
            }
        )
    )


if __name__ == "__main__":
    main()
