"""Benchmark: importing a 10,000-row Transparency Code contracts file (registers app).

    .venv/bin/python bench/register_import.py            # BENCH_ROWS=10000 by default

Uses its own PostgreSQL database, ``bench_register`` (dropped and created for each run).

1. Writes a CSV of ``BENCH_ROWS`` rows (and one of a tenth as many) in the Transparency Code's
   shape (registers.samples.transparency_rows): 400 suppliers, terms of 2 to 5 years.
2. In a fresh process each, so that its peak resident memory is its own: the preview of the
   file (read, parse, match; nothing written) and the whole import (every contract saved through
   the contract services' bulk path with its options, milestones, duties and reminders, in one
   transaction), by an officer of a team with a manager and a mailbox, so that reminders are
   planned as for a real team; then the same file imported again (nothing to write).
   ``BENCH_PROFILE=FILE`` writes a pyinstrument profile of the import to FILE.
3. Writes the figures into docs/benchmarks.md between the "register-import" markers.

The target (issue 22): the 10,000-row import in under 60 s on this machine, and memory flat:
the peak at 10,000 rows within 1.5x of the peak at 1,000.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
TARGET_SECONDS = 60
FLAT = 1.5
DATABASE = "bench_register"


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_file(path: Path, rows: int) -> None:
    from registers.samples import TRANSPARENCY_HEADERS, csv_bytes, transparency_rows

    path.write_bytes(csv_bytes(TRANSPARENCY_HEADERS, transparency_rows(rows), encoding="utf-8-sig"))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def database_cpu_seconds() -> float:
    """CPU time of this process's PostgreSQL backend so far (its /proc entry: same machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(kind: str, path: str) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from contracts.models import Contract, Organisation, Team
    from registers.services import register_commit, register_preview
    from reminders.models import Reminder

    # A team as a real one is set up, so that every contract plans its reminders: a manager to
    # escalate to, a team mailbox, and the importing officer, who leads the contracts imported.
    manager = get_user_model().objects.create(username="bench-manager", email="manager@example.gov.uk")
    officer = get_user_model().objects.create(
        username="bench-officer", first_name="Bench", last_name="Officer", email="officer@example.gov.uk"
    )
    team, _ = Team.objects.get_or_create(
        name="Benchmark team", defaults={"manager": manager, "shared_mailbox": "team@example.gov.uk"}
    )
    team.members.add(officer)
    officer.groups.add(Group.objects.get(name="officer"))
    Organisation.objects.get_or_create(name="Example Council", defaults={"role": "buyer"})
    data = Path(path).read_bytes()
    before = maxrss_mb()
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    cpu_before, database_before = cpu_seconds(), database_cpu_seconds()
    start = time.perf_counter()
    if kind == "preview":
        preview = register_preview(data=data, team=team)
        assert preview.can_commit, preview.file_problems + [str(p) for p in preview.errors[:5]]
        rows = len(preview.rows)
    else:
        summary = register_commit(data=data, filename=Path(path).name, team=team, officer=officer)
        rows = summary["contracts"]
    seconds = time.perf_counter() - start
    cpu, database_cpu = cpu_seconds() - cpu_before, database_cpu_seconds() - database_before
    if profiler is not None:
        profiler.stop()
        Path(os.environ["BENCH_PROFILE"]).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    again = None
    if kind == "commit":
        # The same file again: every row unchanged, nothing written.
        again_start = time.perf_counter()
        summary = register_commit(data=data, filename=Path(path).name, team=team, officer=officer)
        assert summary["counts"]["unchanged"] == rows, summary["counts"]
        again = time.perf_counter() - again_start
    return {
        "again_seconds": again,
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "database_cpu_seconds": database_cpu,
        "load_average": report_load(),
        "maxrss_mb": maxrss_mb(),
        "maxrss_before_mb": before,
        "contracts": Contract.objects.count(),
        "reminders": Reminder.objects.count(),
    }


def report_load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def run_child(kind: str, path: Path) -> dict:
    from bench import database

    env = dict(os.environ, DATABASE_URL=database.recreate(DATABASE))
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], check=True, capture_output=True, text=True, env=env
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    print(f"{kind:>8} {path.name}: {result}", flush=True)
    return result


def main() -> None:
    import django

    django.setup()  # the sample rows use the term arithmetic; the parent process touches no database
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / f"contracts-{ROWS // 10}.csv", Path(folder) / f"contracts-{ROWS}.csv"
        write_file(small, ROWS // 10)
        write_file(large, ROWS)
        results = {
            "preview_small": run_child("preview", small),
            "preview_large": run_child("preview", large),
            "import_small": run_child("commit", small),
            "import_large": run_child("commit", large),
            "size_mb": large.stat().st_size / 1e6,
        }
    write_report(results)


def write_report(results: dict) -> None:
    from bench import report

    info = report.machine()
    large, small = results["import_large"], results["import_small"]
    growth = large["maxrss_mb"] / small["maxrss_mb"]
    fast = large["seconds"] < TARGET_SECONDS
    flat = growth <= FLAT
    lines = [
        f"Run on {report.today()} by `.venv/bin/python bench/register_import.py` on {report.machine_line(info)}; "
        f"load average {report.load_average()} at the end.",
        "",
        "| step | rows | seconds | rows/s | CPU: the import's process | CPU: its database connection | load average after | peak memory | contracts | reminders planned |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for label, key in (
        ("preview (nothing written)", "preview_small"),
        ("preview (nothing written)", "preview_large"),
        ("import", "import_small"),
        ("import", "import_large"),
    ):
        r = results[key]
        lines.append(
            f"| {label} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | {r['cpu_seconds']:.1f} s | "
            f"{r['database_cpu_seconds']:.1f} s | {r['load_average']} | {r['maxrss_mb']:.0f} MB | "
            f"{r['contracts']:,} | {r['reminders']:,} |"
        )
    lines += [
        "",
        f"- Target: a {ROWS:,}-row import in under {TARGET_SECONDS} s: {large['seconds']:.1f} s, "
        f"**{'met' if fast else 'not met'}**.",
        f"- Target: memory flat (the peak at {ROWS:,} rows within {FLAT}x of the peak at {ROWS // 10:,}): "
        f"{large['maxrss_mb']:.0f} MB against {small['maxrss_mb']:.0f} MB ({growth:.2f}x), "
        f"**{'met' if flat else 'not met'}**.",
        f"- The same {ROWS:,}-row file imported again (every row unchanged, nothing written): "
        f"{large['again_seconds']:.1f} s ({small['again_seconds']:.1f} s at {ROWS // 10:,} rows).",
        f"- The file: {results['size_mb']:.1f} MB of CSV.",
    ]
    report.replace_section("register-import", "\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
    else:
        main()
