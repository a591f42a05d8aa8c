"""The register's downloads at scale (issue 24): the CSV's first byte, and the XLSX job's time.

    .venv/bin/python -m bench.export_downloads --scale 100000            # generate, then measure
    .venv/bin/python -m bench.export_downloads --scale 100000 --reuse    # measure an existing bench_exports_<scale>

1. ``bench.generate``'s generator fills ``bench_exports_<scale>`` with its teams, people,
   organisations, contracts and extension options, leaving out what the register's download
   never reads (milestones, reminders, cycles, notices, monitoring returns and history), which
   is most of the full data's 22 minutes.
2. The CSV: gunicorn as the Procfile runs it (2 threaded workers, 4 threads; ``bench.settings``) serves
   ``/exports/register.csv`` to the generated admin, who sees every team, so the file holds
   every contract. A raw HTTP client times, from sending the request: the response headers,
   the first byte of the body, the first contract's row, and the last byte; and counts the
   rows. Three runs; the slowest first byte is the figure held to the target.
3. The XLSX: a ``SpreadsheetJob`` for the same admin and the same register, run by
   ``exports.services.spreadsheet_job_run`` in this process (what the "heavy" worker runs),
   storing its file under var/bench/; the time, the rows, the file's size and this process's
   peak memory. The web request that asks for it is timed through the same gunicorn.
4. Writes var/bench/exports.json and its section of docs/benchmarks.md (``exports``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench"
# Issue 24's target for the CSV.
FIRST_BYTE_SECONDS = 1.0
RUNS = 3
WORKERS = 2  # gunicorn processes: one per core, as bench.web


def generate(scale: int, database: str) -> dict:
    """The generator's teams, people, organisations, contracts and options only."""
    from django.core.management import call_command
    from django.utils import timezone

    from bench.generate import Generator

    class RegisterOnly(Generator):
        def milestone(self, *args, **kwargs):
            pass

        def monitoring_returns(self, *args, **kwargs):
            pass

        def cycle(self, *args, **kwargs):
            pass

        def history(self, *args, **kwargs):
            pass

    call_command("migrate", verbosity=0)
    return RegisterOnly(
        scale, today=timezone.localdate(), now=timezone.now(), log=lambda text: print(text, flush=True)
    ).run()


def timed_csv(port: int, cookie: str, path: str) -> dict:
    """Seconds from sending the request to its headers, first body byte, first row and last byte."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = connection.getresponse()
    headers = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}: is the session signed in?")
    first = response.read1(1)
    first_byte = time.perf_counter() - start
    received, lines, first_row = len(first), 0, None
    pending = first
    while True:
        chunk = response.read1(65536)
        if not chunk:
            break
        received += len(chunk)
        pending += chunk
        newlines = pending.count(b"\n")
        if first_row is None and lines + newlines >= 2:
            first_row = time.perf_counter() - start
        lines += newlines
        pending = b""
    total = time.perf_counter() - start
    connection.close()
    return {
        "headers_s": headers,
        "first_byte_s": first_byte,
        "first_row_s": first_row,
        "total_s": total,
        "bytes": received,
        "rows": lines - 1,  # less the heading row
    }


def timed_request_page(port: int, cookie: str) -> float:
    """Seconds for the spreadsheet link's page (what the officer waits for before the button)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    connection.request("GET", "/exports/register.xlsx", headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"register.xlsx answered {response.status}")
    return time.perf_counter() - start


class ThreadedServer:
    """gunicorn as the Procfile runs it (threaded workers), on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, log: Path):
        import socket
        import subprocess

        from bench.web import free_port

        self.port = free_port()
        self.log = log.open("w")
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url, LOG_LEVEL="WARNING")
        command = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS)]
        command += ["--worker-class", "gthread", "--threads", "4", "--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn stopped: see {log}") from None
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


def xlsx_job(admin_id: int) -> dict:
    """One spreadsheet job of the whole register, as the heavy worker runs it."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.utils import timezone

    from exports.models import SpreadsheetJob
    from exports.services import spreadsheet_job_run

    settings.MEDIA_ROOT = RESULTS / "media-exports"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = User.objects.get(pk=admin_id)
    job = SpreadsheetJob.objects.create(officer=admin, source="register", requested_on=timezone.localdate())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    spreadsheet_job_run(job_id=job.pk)
    seconds = time.perf_counter() - start
    job.refresh_from_db()
    if job.status != SpreadsheetJob.Status.FINISHED:
        raise SystemExit(f"the spreadsheet job failed: {job.error}")
    size = job.file.size
    job.file.delete(save=False)
    return {
        "seconds": seconds,
        "rows": job.done,
        "bytes": size,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def summary_rows(result: dict) -> list[dict]:
    """The runner's summary (bench/__main__.py): the target's row and the job's time."""
    worst_first = max(run["first_byte_s"] for run in result["csv"])
    job = result["xlsx"]
    return [
        {
            "what": f"register CSV of {result['scale']:,} contracts: first byte",
            "target": f"under {FIRST_BYTE_SECONDS:.0f} s",
            "met": worst_first < FIRST_BYTE_SECONDS,
            "figure": f"{worst_first * 1000:.0f} ms (slowest of {len(result['csv'])})",
        },
        {
            "what": f"register XLSX of {job['rows']:,} contracts",
            "target": "a Celery job, never in the web request",
            "met": True,
            "figure": f"{job['seconds']:.0f} s in the heavy worker; its page {result['request_page_s'] * 1000:.0f} ms",
        },
    ]


def section(result: dict, info_line: str, load: str) -> str:
    runs = result["csv"]
    worst_first = max(run["first_byte_s"] for run in runs)
    met = worst_first < FIRST_BYTE_SECONDS
    median = {key: statistics.median(run[key] for run in runs) for key in ("headers_s", "first_row_s", "total_s")}
    job = result["xlsx"]
    rows = runs[0]["rows"]
    lines = [
        f"Run on {result['date']} on {info_line}. Load average before / after: {load}.",
        f"Data: {result['scale']:,} contracts in {result['teams']:,} teams (`bench.export_downloads`, "
        "the generator's contracts and options without milestones, reminders or history).",
        "",
        "| what | target | measured | met |",
        "|---|---|---|---|",
        f"| register CSV of {rows:,} rows, first byte (slowest of {len(runs)}) | under {FIRST_BYTE_SECONDS:.0f} s "
        f"| {worst_first * 1000:.0f} ms | {'met' if met else '**not met**'} |",
        f"| register CSV, first contract's row (median) | none | {median['first_row_s']:.1f} s | |",
        f"| register CSV, whole file (median) | none | {median['total_s']:.1f} s, {runs[0]['bytes'] / 1e6:.1f} MB | |",
        f"| register XLSX: the page its link opens | not in the web request | {result['request_page_s'] * 1000:.0f} ms "
        "(the file is made by the worker) | met |",
        f"| register XLSX job of {job['rows']:,} rows (the heavy worker's work) | none: a Celery job with progress "
        f"| {job['seconds']:.0f} s, {job['bytes'] / 1e6:.1f} MB file, peak memory {job['rss_peak_mb']:.0f} MB "
        f"(from {job['rss_before_mb']:.0f} MB) | |",
        "",
        "The CSV's first bytes (the byte order mark and the heading row) are written before the query "
        "runs, so the first byte does not wait for the database; the first contract's row waits for "
        "PostgreSQL to sort the register and for the first 2,000 rows to be fetched through the "
        "server-side cursor.",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench_exports_<scale> database")
    parser.add_argument("--database", default="", help="default: bench_exports_<scale>")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import database, report

    name = args.database or f"bench_exports_{args.scale}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    state = RESULTS / f"{name}.json"
    url = database.url_for(name) if args.reuse else database.recreate(name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.contrib.auth.models import User

    from bench.generate import session_cookie
    from contracts.models import Contract, Team

    if args.reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # migrations merged since it was generated
    else:
        started = time.perf_counter()
        generated = generate(args.scale, name)
        state.write_text(json.dumps(generated["personas"]))
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    admin_id = User.objects.get(username="bench-admin").pk
    count = Contract.objects.count()
    load_before = report.load_average()

    server = ThreadedServer(url, RESULTS / f"gunicorn-{name}.log")
    try:
        cookie = f"sessionid={session_cookie(admin_id)}"
        # Warm every worker process (imports, URL resolver, templates), as in a running service.
        for _ in range(3 * WORKERS):
            timed_request_page(server.port, cookie)
        request_page = timed_request_page(server.port, cookie)
        runs = []
        for number in range(RUNS):
            run = timed_csv(server.port, cookie, "/exports/register.csv")
            print(f"  CSV run {number + 1}: " + json.dumps({k: round(v, 3) for k, v in run.items()}), flush=True)
            runs.append(run)
    finally:
        server.stop()
    if runs[0]["rows"] != count:
        raise SystemExit(f"the CSV held {runs[0]['rows']:,} rows, not the {count:,} contracts")
    job = xlsx_job(admin_id)
    print("  XLSX job: " + json.dumps({k: round(v, 1) for k, v in job.items()}), flush=True)
    result = {
        "date": report.today(),
        "scale": count,
        "teams": Team.objects.count(),
        "csv": runs,
        "request_page_s": request_page,
        "xlsx": job,
    }
    load = f"{load_before} / {report.load_average()}"
    result["summary"] = summary_rows(result)
    (RESULTS / "exports.json").write_text(json.dumps(dict(result, load=load), indent=1))
    text = section(result, report.machine_line(report.machine()), load)
    report.replace_section("exports", text)
    print(text)
    # A 100 ms gunicorn is no proof: the log must show no worker killed at its timeout.
    log = (RESULTS / f"gunicorn-{name}.log").read_text()
    if re.search(r"WORKER TIMEOUT|SIGKILL", log):
        print("  gunicorn killed a worker during the run: see the log", flush=True)


if __name__ == "__main__":
    main()
