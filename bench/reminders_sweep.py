"""Benchmark: the reminder sweep at 10,000 and 1,000,000 planned reminders in PostgreSQL.

    .venv/bin/python bench/reminders_sweep.py   (or: .venv/bin/python -m bench run --only reminders)

It creates the database if it is missing, migrates it, and for each total fills the table
with that many planned reminders of which the same number (DUE) are due now. It reports:

1. the time to find the due rows (``sweep.due_reminder_ids``), median of repeated runs,
   which must not grow with the total (the partial index on planned rows' send_at);
2. sending throughput: a full sweep of the due rows to an SMTP server on loopback (claim,
   render, send, record), beside a plain smtplib loop sending the same number of messages
   to the same server.

The results are printed as a Markdown table and written into docs/benchmarks.md between
the "reminders" markers.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import smtplib
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_reminders")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # a log line per email would be measured too

TOTALS = [int(n) for n in os.environ.get("BENCH_TOTALS", "10000,1000000").split(",")]
DUE = int(os.environ.get("BENCH_DUE", "500"))
LOOKUPS = 30


def ensure_database() -> None:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(total: int, due: int, now: datetime) -> None:
    """Replace every reminder with ``total`` planned rows, ``due`` of them due at ``now``."""
    from django.db import connection

    from commissioning.models import Milestone
    from contracts.models import Organisation, Team
    from reminders.models import Reminder
    from tests.factories import make_contract

    Reminder.objects.all().delete()
    milestone = Milestone.objects.filter(title="Benchmark milestone").first()
    if milestone is None:
        team, _ = Team.objects.get_or_create(name="Benchmark team")
        buyer, _ = Organisation.objects.get_or_create(name="Benchmark council", role="buyer")
        contract = make_contract(reference="BENCH-1", team=team, buyer=buyer, provider=None, option_months=())
        milestone = Milestone.objects.create(
            contract=contract, title="Benchmark milestone", due_on=now.date() + timedelta(days=30)
        )
        Reminder.objects.filter(milestone__contract=contract).delete()
    with connection.cursor() as cursor:
        # Due rows first, the rest spread over the next two years, as planning would leave them.
        cursor.execute(
            """
            INSERT INTO reminders_reminder
                (milestone_id, "offset", purpose, audience, recipient_email, recipient_name, send_at,
                 status, claim_token, attempts, last_error, note, was_late, times_accepted, created_at)
            SELECT %s, '2 weeks', 'reminder', 'team', 'r' || i || '@example.org', '',
                   CASE WHEN i <= %s THEN %s - interval '1 minute'
                        ELSE %s + (i || ' minutes')::interval END,
                   'planned', '', 0, '', '', false, 0, %s
            FROM generate_series(1, %s) AS i
            """,
            [milestone.pk, due, now, now, now, total],
        )
        cursor.execute("ANALYZE reminders_reminder")


def time_lookup(now: datetime) -> tuple[float, str]:
    from django.db import connection

    from reminders.sweep import due_reminder_ids

    samples = []
    for _ in range(LOOKUPS):
        start = time.perf_counter()
        ids = due_reminder_ids(now, limit=DUE)
        samples.append(time.perf_counter() - start)
    assert len(ids) == DUE, len(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM reminders_reminder WHERE status = 'planned' AND send_at <= %s "
            "ORDER BY send_at, id LIMIT %s",
            [now, DUE],
        )
        plan = " ".join(row[0].strip() for row in cursor.fetchall())
    return statistics.median(samples) * 1000, plan


def time_sweep(now: datetime, port: int) -> float:
    from django.conf import settings

    from reminders.sweep import sweep

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.REMINDER_SWEEP_BATCH = DUE
    start = time.perf_counter()
    outcome = sweep(now=now)
    elapsed = time.perf_counter() - start
    assert outcome.sent == DUE, outcome
    return DUE / elapsed


def time_plain_smtplib(port: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for i in range(DUE):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "bench@localhost", f"r{i}@example.org", "Reminder"
            message.set_content("A deadline is coming up.\n" * 20)
            client.send_message(message)
    return DUE / (time.perf_counter() - start)


@contextlib.contextmanager
def smtp_sink():
    """An aiosmtpd server that accepts and discards mail, in its own process (no shared GIL)."""
    from tests.smtp_server import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    ensure_database()
    setup_django()
    from django.utils import timezone

    now = timezone.now()
    rows = []
    with smtp_sink() as port:
        plain = time_plain_smtplib(port)
        for total in TOTALS:
            fill(total, DUE, now)
            lookup_ms, plan = time_lookup(now)
            throughput = time_sweep(now, port)
            rows.append((total, lookup_ms, throughput, plain, "reminder_planned_send_at" in plan))
            print(
                f"{total:>9,} total: lookup {lookup_ms:.2f} ms, sweep {throughput:.0f}/s, plain smtplib {plain:.0f}/s",
                flush=True,
            )
    write_report(rows)


def write_report(rows) -> None:
    smallest, largest = rows[0], rows[-1]
    growth = largest[1] / smallest[1]
    lines = [
        f"Run on {datetime.now():%-d %B %Y} on {platform.node()} ({os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, PostgreSQL), {DUE} reminders due in each run.",
        "",
        "| planned reminders | find the due rows (median) | partial index used | sweep: claim, render, send, record | plain smtplib loop, same server |",
        "|---:|---:|:--:|---:|---:|",
    ]
    for total, lookup_ms, throughput, plain, indexed in rows:
        lines.append(
            f"| {total:,} | {lookup_ms:.2f} ms | {'yes' if indexed else 'no'} | {throughput:.0f} emails/s "
            f"({throughput / plain:.2f}x plain) | {plain:.0f} emails/s |"
        )
    met = growth < 2
    if os.environ.get("BENCH_RESULTS"):  # for the runner's summary (python -m bench)
        Path(os.environ["BENCH_RESULTS"]).write_text(
            json.dumps(
                {
                    "due": DUE,
                    "growth": growth,
                    "met": met,
                    "rows": [
                        {
                            "total": total,
                            "lookup_ms": lookup_ms,
                            "sweep_per_s": throughput,
                            "plain_per_s": plain,
                            "indexed": indexed,
                        }
                        for total, lookup_ms, throughput, plain, indexed in rows
                    ],
                }
            )
        )
    lines += [
        "",
        f"Target: the time to find due rows does not grow with the total. At {largest[0]:,} rows it is "
        f"{growth:.2f}x the time at {smallest[0]:,}: **{'met' if met else 'not met'}**.",
    ]
    report = "\n".join(lines)
    print(report)
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = "<!-- reminders:start -->", "<!-- reminders:end -->"
    block = f"{start}\n{report}\n{end}"
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += f"\n{block}\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
