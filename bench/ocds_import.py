"""Benchmark: a streamed OCDS import of 100,000 generated releases stays under a fixed memory ceiling.

    .venv/bin/python bench/ocds_import.py

Uses its own PostgreSQL database, ``ocds_bench`` (``DATABASE_URL`` may name another; never
``bench``, which the reminders benchmark uses), dropped and created afresh for each import.

1. Writes a JSON Lines file of generated releases (``BENCH_RELEASES``, default 100,000) for
   ``BENCH_PROCUREMENTS`` procurements (default 1,000): each release is the next notice of
   its procurement, moving its future notice date and adding a UK2 notice, as a day of
   Find a Tender updates would. The file is written one release at a time.
2. Runs, each in a fresh process so that its peak resident memory (``ru_maxrss``) is its own:
   - reading the file alone with ``notices.ocds.reader``, as JSON Lines (a line at a time)
     and as one release package on one line (ijson, one release at a time);
   - reading and checking every release (schema, dates, numbers) without the database;
   - the whole import (``notices.ocds.loader``), at a tenth of the releases and at all of them;
   - for comparison, ``json.load`` of the same releases as one package, all in memory.
3. Writes the figures into docs/benchmarks.md between the "ocds-import" markers.

The targets: the import's peak memory at 100,000 releases is under the ceiling
(``BENCH_CEILING_MB``, default 250 MB) and within 20% of its peak at a tenth of the releases,
so it does not grow with the file; and it imports 500 releases a second (issue 20). Each import
also reports its queries and CPU time per release; ``BENCH_BATCH`` (default 500) sets the
releases written per transaction, and ``BENCH_BATCH=1`` gives the importer as it was before
batches, for comparison on the same machine.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ocds_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

RELEASES = int(os.environ.get("BENCH_RELEASES", "100000"))
PROCUREMENTS = int(os.environ.get("BENCH_PROCUREMENTS", "1000"))
CEILING_MB = int(os.environ.get("BENCH_CEILING_MB", "250"))
BATCH = int(os.environ.get("BENCH_BATCH", "500"))  # releases per transaction; 1 is the importer before batches
TARGET_RATE = 500  # releases a second (issue 20)
TEAM = "Benchmark team"
BUYER_PPON = "BNCH-0000-TEST"


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KB


# --- the generated file -------------------------------------------------------------------


def release(procurement: int, step: int) -> dict:
    """Release ``step`` of procurement ``procurement``: a new UK2 notice; every fifth also moves
    the engagement date and the future notice date (so those milestones move, with history and
    reminders re-planned)."""
    ocid = f"ocds-bench0-{procurement:06d}"
    published = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=step, minutes=procurement)
    moved = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=step - step % 5)
    notice_id = f"{procurement:06d}-{step:04d}"
    start = datetime(2027, 4, 1, tzinfo=timezone(timedelta(hours=1)))
    return {
        "ocid": ocid,
        "id": f"{ocid}-{published:%Y-%m-%dT%H:%M:%SZ}",
        "date": f"{published:%Y-%m-%dT%H:%M:%SZ}",
        "tag": ["planningUpdate" if step else "planning"],
        "initiationType": "tender",
        "parties": [
            {
                "id": f"GB-PPON-{BUYER_PPON}",
                "name": "Benchmark council",
                "identifier": {"scheme": "GB-PPON", "id": BUYER_PPON},
                "roles": ["buyer"],
            }
        ],
        "buyer": {"id": f"GB-PPON-{BUYER_PPON}", "name": "Benchmark council"},
        "planning": {
            "documents": [
                {
                    "id": notice_id,
                    "documentType": "marketEngagementNotice",
                    "noticeType": "UK2",
                    "url": f"https://www.find-tender.service.gov.uk/Notice/{notice_id}",
                    "datePublished": f"{published:%Y-%m-%dT%H:%M:%SZ}",
                }
            ],
            "milestones": [
                {
                    "id": "engagement",
                    "type": "engagement",
                    "dueDate": f"{(moved + timedelta(days=20)):%Y-%m-%d}T23:59:59+00:00",
                    "status": "scheduled",
                }
            ],
        },
        "tender": {
            "id": f"BENCH-{procurement}",
            "title": f"Domestic abuse support services, procurement {procurement}",
            "legalBasis": {"id": "2023/54", "scheme": "UKPGA"},
            "value": {"amount": 1000000 + procurement, "currency": "GBP"},
            "specialRegime": ["lightTouch"],
            "lots": [
                {
                    "id": "1",
                    "contractPeriod": {
                        "startDate": start.isoformat(),
                        "endDate": "2032-03-31T23:59:59+01:00",
                        "maxExtentDate": "2034-03-31T23:59:59+01:00",
                    },
                    "hasRenewal": True,
                    "status": "planning",
                }
            ],
            "communication": {"futureNoticeDate": f"{(moved + timedelta(days=60)):%Y-%m-%d}T23:59:59+01:00"},
            "status": "planning",
        },
    }


def write_package(lines: Path, path: Path) -> None:
    """The same releases as one release package on one line, for the ijson path."""
    with lines.open() as source, path.open("w") as file:
        file.write(
            '{"uri":"https://example.org/bench","version":"1.1","publishedDate":"2026-01-05T09:00:00Z",'
            '"publisher":{"name":"Benchmark"},"releases":['
        )
        for index, line in enumerate(source):
            file.write(("," if index else "") + line.rstrip("\n"))
        file.write("]}")


def write_file(path: Path, count: int) -> int:
    """``count`` releases, procurement by procurement in date order, one JSON object a line."""
    steps = max(1, count // PROCUREMENTS)
    written = 0
    with path.open("w") as file:
        for step in range(steps):
            for procurement in range(PROCUREMENTS):
                if written == count:
                    return written
                file.write(json.dumps(release(procurement, step), separators=(",", ":")) + "\n")
                written += 1
    return written


# --- the measured runs, each in a process of its own --------------------------------------


def child_read(path: str) -> dict:
    import django

    django.setup()
    from notices.ocds.reader import read_releases

    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as stream:
        count = sum(1 for _ in read_releases(stream))
    return {
        "releases": count,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "maxrss_mb": maxrss_mb(),
    }


def child_check(path: str) -> dict:
    import django

    django.setup()
    from notices.ocds.parser import read_release
    from notices.ocds.reader import read_releases

    start, cpu = time.perf_counter(), time.process_time()
    count = 0
    with open(path, "rb") as stream:
        for item in read_releases(stream):
            read_release(item.release)
            count += 1
    return {
        "releases": count,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "maxrss_mb": maxrss_mb(),
    }


def child_json_load(path: str) -> dict:
    from decimal import Decimal

    start = time.perf_counter()
    with open(path) as file:
        releases = [json.loads(line, parse_float=Decimal) for line in file]
    package = {"releases": releases}
    return {"releases": len(package["releases"]), "seconds": time.perf_counter() - start, "maxrss_mb": maxrss_mb()}


def child_import(path: str) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from contracts.models import Organisation, Team
    from notices.ocds.loader import ImportOptions, Outcome, import_releases

    team, _ = Team.objects.get_or_create(name=TEAM)
    Organisation.objects.get_or_create(ppon_id=BUYER_PPON, defaults={"name": "Benchmark council", "role": "buyer"})
    before = maxrss_mb()
    counts: dict[str, int] = {}
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    options = ImportOptions(team=team, batch_size=BATCH)
    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as stream, connection.execute_wrapper(count):
        for outcome in import_releases(stream, options):
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            if outcome.status not in (Outcome.IMPORTED, Outcome.UNCHANGED):
                raise SystemExit(f"refused: {outcome.problems}")
    releases = sum(counts.values())
    return {
        "releases": releases,
        "imported": counts.get(Outcome.IMPORTED, 0),
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "queries_per_release": queries[0] / max(releases, 1),
        "batch_size": BATCH,
        "maxrss_mb": maxrss_mb(),
        "maxrss_before_mb": before,
    }


CHILDREN = {"read": child_read, "check": child_check, "json_load": child_json_load, "import": child_import}


def recreate_database() -> None:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if name in ("bench", "postgres"):
        raise SystemExit(f"refusing to drop the database {name!r}: give this benchmark its own")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_child(kind: str, path: Path) -> dict:
    if kind == "import":
        recreate_database()
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    print(f"{kind:>9}: {result}", flush=True)
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.jsonl", Path(folder) / "large.jsonl"
        package = Path(folder) / "large-package.json"
        write_file(small, max(PROCUREMENTS, RELEASES // 10))
        write_file(large, RELEASES)
        write_package(large, package)
        sizes = {"small": small.stat().st_size, "large": large.stat().st_size}
        results = {
            "read": run_child("read", large),
            "read_package": run_child("read", package),
            "check": run_child("check", large),
            "json_load": run_child("json_load", large),
            "import_small": run_child("import", small),
            "import_large": run_child("import", large),
        }
    write_report(results, sizes)


def write_report(results: dict, sizes: dict) -> None:
    small, large = results["import_small"], results["import_large"]
    growth = large["maxrss_mb"] / small["maxrss_mb"]
    met = large["maxrss_mb"] < CEILING_MB and growth < 1.2
    if os.environ.get("BENCH_RESULTS"):  # for the runner's summary (python -m bench)
        Path(os.environ["BENCH_RESULTS"]).write_text(json.dumps({"results": results, "growth": growth, "met": met}))
    mb = lambda size: f"{size / 1e6:.0f} MB"
    rate = lambda r: f"{r['releases'] / r['seconds']:,.0f} releases/s"
    lines = [
        f"Run on {datetime.now():%-d %B %Y} on {platform.node()} ({os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, PostgreSQL), {PROCUREMENTS:,} procurements; peak memory is each run's own "
        "process's maximum resident set (Django, the schema and the holidays calendars included).",
        "",
        "| run | releases | file | time | throughput | peak memory (RSS) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| read only: JSON Lines, a line at a time (`reader.read_releases`) | {results['read']['releases']:,} | "
        f"{mb(sizes['large'])} | {results['read']['seconds']:.1f} s | {rate(results['read'])} | {results['read']['maxrss_mb']:.0f} MB |",
        f"| read only: the same releases as one release package, streamed with ijson | "
        f"{results['read_package']['releases']:,} | {mb(sizes['large'])} | {results['read_package']['seconds']:.1f} s | "
        f"{rate(results['read_package'])} | {results['read_package']['maxrss_mb']:.0f} MB |",
        f"| read and check (schema, dates, numbers) | {results['check']['releases']:,} | {mb(sizes['large'])} | "
        f"{results['check']['seconds']:.1f} s | {rate(results['check'])} | {results['check']['maxrss_mb']:.0f} MB |",
        f"| import (`loader.import_releases`, batches of {BATCH}; {small['queries_per_release']:.1f} queries and "
        f"{1000 * small['cpu_seconds'] / small['releases']:.1f} ms of CPU a release) | {small['releases']:,} | "
        f"{mb(sizes['small'])} | {small['seconds']:.0f} s | {rate(small)} | {small['maxrss_mb']:.0f} MB |",
        f"| import (`loader.import_releases`, batches of {BATCH}; {large['queries_per_release']:.1f} queries and "
        f"{1000 * large['cpu_seconds'] / large['releases']:.1f} ms of CPU a release) | {large['releases']:,} | "
        f"{mb(sizes['large'])} | {large['seconds']:.0f} s | {rate(large)} | {large['maxrss_mb']:.0f} MB |",
        f"| for comparison: `json.loads` of every release into one list | {results['json_load']['releases']:,} | "
        f"{mb(sizes['large'])} | {results['json_load']['seconds']:.1f} s | {rate(results['json_load'])} | "
        f"{results['json_load']['maxrss_mb']:.0f} MB |",
        "",
        f"Target: the import of {large['releases']:,} releases peaks under {CEILING_MB} MB and within 20% of the import of "
        f"{small['releases']:,} ({growth:.2f}x): **{'met' if met else 'not met'}**.",
        f"Target: {TARGET_RATE} releases a second on {large['releases']:,} releases: {rate(large)}, "
        f"**{'met' if large['releases'] / large['seconds'] >= TARGET_RATE else 'not met'}**.",
    ]
    report = "\n".join(lines)
    print(report)
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    start, end = "<!-- ocds-import:start -->", "<!-- ocds-import:end -->"
    block = f"{start}\n{report}\n{end}"
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += f"\n{block}\n"
    path.write_text(text)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(CHILDREN[sys.argv[2]](sys.argv[3])))
    else:
        main()
