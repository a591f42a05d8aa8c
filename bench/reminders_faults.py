"""Fault benchmark: 10,000 due reminders, two sweeping workers, a slow relay and one SIGKILL.

    .venv/bin/python bench/reminders_faults.py

1. Fills its own PostgreSQL database (``bench_reminder_faults``) with BENCH_FAULT_REMINDERS
   due reminders, each to its own address (so no two share an email).
2. Starts a slow SMTP relay in its own process (bench/slow_relay.py, BENCH_RELAY_DELAY_MS per
   message) that logs the reminder ids of every message it accepts.
3. Starts two ``manage.py send_reminders`` workers at once, SIGKILLs the first when a third of
   the reminders have arrived, and starts a replacement after the claim timeout, as a
   supervisor would. Then one catch-up sweep.
4. Reports received, duplicates (a reminder accepted more than once), lost (never accepted)
   and throughput (reminders accepted per second from the start to the last worker's exit),
   beside a plain smtplib loop sending BENCH_PLAIN_MESSAGES to the same relay on one connection.

Target (issue 18): no duplicate except the one message in flight at the kill, none lost, and
throughput at least 0.8x the plain loop's. The figures go into docs/benchmarks.md between the
"reminder-faults" markers.
"""

from __future__ import annotations

import os
import platform
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_reminder_faults")
os.environ.setdefault("LOG_LEVEL", "WARNING")

REMINDERS = int(os.environ.get("BENCH_FAULT_REMINDERS", "10000"))
DELAY_MS = float(os.environ.get("BENCH_RELAY_DELAY_MS", "50"))
PLAIN = int(os.environ.get("BENCH_PLAIN_MESSAGES", "1000"))
CLAIM_TIMEOUT = int(os.environ.get("BENCH_CLAIM_TIMEOUT_SECONDS", "5"))


def received(log: Path) -> Counter:
    counts: Counter = Counter()
    if log.exists():
        for line in log.read_text().splitlines():
            if line and line != "-":
                counts.update(int(value) for value in line.split(","))
    return counts


def start_relay(port: int, log: Path) -> subprocess.Popen:
    relay = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "slow_relay.py"), str(port), str(DELAY_MS), str(log)]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            return relay
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the slow relay did not start")


def worker(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "10",
        "REMINDER_SWEEP_BATCH": str(REMINDERS * 2),
        "REMINDER_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_reminders"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def plain_loop(port: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for i in range(PLAIN):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "bench@localhost", f"p{i}@example.org", "Reminder"
            message.set_content("A deadline is coming up.\n" * 20)
            client.send_message(message)
    return PLAIN / (time.perf_counter() - start)


def main() -> None:
    from bench.reminders_sweep import ensure_database, fill, setup_django
    from tests.smtp_server import free_port

    ensure_database()
    setup_django()
    from django.utils import timezone

    from reminders.models import Reminder

    fill(REMINDERS, REMINDERS, timezone.now())
    expected = set(Reminder.objects.values_list("id", flat=True))
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "accepted.log"
        relay = start_relay(port, log)
        try:
            plain = plain_loop(port)
            log.write_text("")  # the plain loop's messages carry no reminder ids; start the count afresh
            start = time.monotonic()
            first, second = worker(port), worker(port)
            while sum(received(log).values()) < REMINDERS // 3:
                if first.poll() is not None:
                    raise SystemExit("the first worker finished before it could be killed: raise BENCH_FAULT_REMINDERS")
                time.sleep(0.2)
            first.send_signal(signal.SIGKILL)
            first.wait(30)
            killed_at = sum(received(log).values())
            time.sleep(CLAIM_TIMEOUT + 1)  # a supervisor restarts it once the dead worker's claim is stale
            replacement = worker(port)
            outputs = [p.communicate(timeout=3600)[0].decode() for p in (second, replacement)]
            elapsed = time.monotonic() - start
            catch_up = worker(port)  # the next beat's sweep
            outputs.append(catch_up.communicate(timeout=600)[0].decode())
            counts = received(log)
        finally:
            relay.terminate()
            relay.wait(10)
    got = set(counts)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    lost = len(expected - got)
    recorded = Reminder.objects.filter(times_accepted__gt=1).count()
    throughput = sum(counts.values()) / elapsed
    report(
        plain=plain,
        received=len(got),
        duplicates=duplicates,
        lost=lost,
        recorded=recorded,
        throughput=throughput,
        killed_at=killed_at,
        elapsed=elapsed,
        outputs=outputs,
    )


def report(*, plain, received, duplicates, lost, recorded, throughput, killed_at, elapsed, outputs) -> None:
    ratio = throughput / plain
    met = duplicates <= 1 and lost == 0 and ratio >= 0.8
    lines = [
        f"Run on {datetime.now():%-d %B %Y} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL): {REMINDERS:,} due reminders, "
        f"two `send_reminders` workers, a relay taking {DELAY_MS:g} ms per message, claim timeout {CLAIM_TIMEOUT} s, "
        f"the first worker SIGKILLed after {killed_at:,} had arrived and replaced {CLAIM_TIMEOUT + 1} s later.",
        "",
        "| received | duplicates | duplicates recorded on the rows | lost | sweep throughput (two workers) | plain smtplib loop, one connection |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {received:,} of {REMINDERS:,} | {duplicates} | {recorded} | {lost} | {throughput:.0f} reminders/s "
        f"({ratio:.2f}x plain; {elapsed:.0f} s including the {CLAIM_TIMEOUT + 1} s restart wait) | {plain:.0f} messages/s |",
        "",
        f"Target: no duplicate but the one in flight at the kill, none lost, throughput at least 0.8x the plain loop: "
        f"**{'met' if met else 'not met'}**.",
    ]
    text = "\n".join(lines)
    print(text)
    for output in outputs:
        print(output.strip())
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text()
    start, end = "<!-- reminder-faults:start -->", "<!-- reminder-faults:end -->"
    block = f"{start}\n{text}\n{end}"
    if start in doc:
        doc = doc[: doc.index(start)] + block + doc[doc.index(end) + len(end) :]
    else:
        doc += f"\n{block}\n"
    path.write_text(doc)


if __name__ == "__main__":
    main()
