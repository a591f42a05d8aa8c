"""One command for every benchmark: generate the data, run each, print and write docs/benchmarks.md.

    .venv/bin/python -m bench run --scale 1000,100000            # everything (make bench)
    .venv/bin/python -m bench run --scale 1000 --only web        # one benchmark
    .venv/bin/python -m bench run --skip ocds                    # all but the 30-minute import
    .venv/bin/python -m bench run --only web --reuse --scale 10000,100000   # keep generated data

Benchmarks (each a module of bench/, runnable on its own):

- ``web``: for each scale, ``bench.generate`` fills the database ``bench_<scale>`` (dropped
  and created; with ``--reuse`` an existing one is kept, brought up to date by
  ``bench.generate --update``: new migrations, ratings as of today), then ``bench.web`` serves
  it with gunicorn and loads every page in the navigation with wrk, for an officer and an admin.
- ``reminders``: ``bench/reminders_sweep.py`` at 10,000 and 1,000,000 planned reminders
  (database ``bench_reminders``), the sweep and a plain smtplib loop against aiosmtpd.
- ``pdf``: ``bench/report_pdf.py``, one decision report's PDF beside bare WeasyPrint.
- ``celery``: ``bench.celery_reports``, 50 reports through a Celery worker on Redis.
- ``ocds``: ``bench/ocds_import.py``, 100,000 OCDS releases imported (about half an hour).
- ``exports``: ``bench.export_downloads``, the register's CSV first byte through gunicorn and
  its XLSX as a worker's job, at the largest ``--scale`` (database ``bench_exports_<scale>``).

Each writes its own section of docs/benchmarks.md (between its markers); this runner adds
the machine, the command and a summary of every target, met or not. Intermediate results
are kept in var/bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench"
BENCHMARKS = ["web", "reminders", "pdf", "celery", "ocds", "exports"]
SECTIONS = {
    "reminders": "reminders",
    "pdf": "reports",
    "celery": "celery",
    "ocds": "ocds-import",
    "web": "web",
    "exports": "exports",
}


def run(command: list[str], **env) -> None:
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True, env=dict(os.environ, **{k: str(v) for k, v in env.items()}))


def python(*args: str, **env) -> None:
    run([sys.executable, *args], LOG_LEVEL="WARNING", **env)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run the benchmarks and write docs/benchmarks.md"
    )
    parser.add_argument("action", choices=["run"])
    parser.add_argument("--scale", default="1000,100000", help="contracts for the web benchmark, comma-separated")
    parser.add_argument("--only", default="", help=f"comma-separated, from {', '.join(BENCHMARKS)}")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="web and exports: keep an existing bench_<scale> (bench_exports_<scale>) database "
        "(web: its new migrations are applied and its ratings refreshed first)",
    )
    parser.add_argument(
        "--seconds", type=int, default=5, help="web: measured seconds per page (about 20 pages a person)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="web: profile each page that misses its target (var/bench/profiles/)"
    )
    parser.add_argument(
        "--from-results", action="store_true", help="web: rewrite its section from var/bench/web-*.json"
    )
    args = parser.parse_args(argv)
    chosen = [b for b in (args.only.split(",") if args.only else BENCHMARKS) if b and b not in args.skip.split(",")]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    if "web" in chosen:
        import shutil

        if shutil.which("wrk") is None:
            raise SystemExit(
                "The web benchmark needs wrk, an HTTP load generator: sudo apt-get install wrk "
                "(or leave it out with --skip web)"
            )
    sys.path.insert(0, str(ROOT))
    from bench import report

    RESULTS.mkdir(parents=True, exist_ok=True)
    info = report.machine()
    command = (
        "make bench"
        if os.environ.get("MAKELEVEL")
        else ".venv/bin/python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    )
    summary: list[dict] = []
    done: dict[str, int] = {}  # benchmark -> where its rows start in summary

    if "web" in chosen:
        done["web"] = len(summary)
        runs, loads = [], []
        for scale in [int(s) for s in args.scale.split(",")]:
            name, out = f"bench_{scale}", RESULTS / f"web-{scale}.json"
            if not args.from_results:
                if args.reuse and _exists(name):
                    # Generated before later changes were merged: their migrations, today's ratings.
                    python("-m", "bench.generate", "--update", "--database", name)
                else:
                    python("-m", "bench.generate", "--scale", str(scale), "--database", name)
                before = report.load_average()
                python(
                    "-m",
                    "bench.web",
                    "--database",
                    name,
                    "--out",
                    str(out),
                    "--seconds",
                    str(args.seconds),
                    *(["--profile"] if args.profile else []),
                )
                result = json.loads(out.read_text())
                result["load"] = f"{before} / {report.load_average()}"
                out.write_text(json.dumps(result, indent=1))
            runs.append(json.loads(out.read_text()))
            loads.append(f"{scale:,} contracts {runs[-1].get('load', 'not recorded')}")
        text, rows = report.web_section(runs, info, loads)
        report.replace_section("web", text)
        print(text)
        summary += rows

    if "reminders" in chosen:
        done["reminders"] = len(summary)
        out = RESULTS / "reminders.json"
        from bench import database

        python(
            str(ROOT / "bench" / "reminders_sweep.py"),
            DATABASE_URL=database.url_for("bench_reminders"),
            BENCH_RESULTS=out,
        )
        result = json.loads(out.read_text())
        small, large = result["rows"][0], result["rows"][-1]
        summary.append(
            {
                "what": f"reminders: finding the {result['due']} due among {large['total']:,} planned",
                "target": "not growing with the total (under 2x of 10,000's)",
                "met": result["met"],
                "figure": f"{large['lookup_ms']:.2f} ms against {small['lookup_ms']:.2f} ms ({result['growth']:.2f}x)",
            }
        )
        summary.append(
            {
                "what": "reminders: sending through the sweep",
                "target": "none: beside plain smtplib",
                "met": None,
                "figure": f"{large['sweep_per_s']:.0f} emails/s against {large['plain_per_s']:.0f} for smtplib",
            }
        )

    if "pdf" in chosen:
        done["pdf"] = len(summary)
        out = RESULTS / "report-pdf.json"
        python(str(ROOT / "bench" / "report_pdf.py"), BENCH_RESULTS=out)
        result = json.loads(out.read_text())
        summary.append(
            {
                "what": "decision report PDF",
                "target": "within 1.3x of bare WeasyPrint",
                "met": result["met"],
                "figure": f"{result['project_ms']:.0f} ms against {result['bare_ms']:.0f} ms ({result['ratio']:.2f}x)",
            }
        )

    if "celery" in chosen:
        done["celery"] = len(summary)
        out = RESULTS / "celery-reports.json"
        python("-m", "bench.celery_reports", "--out", str(out))
        result = json.loads(out.read_text())
        text, row = celery_section(result, info)
        report.replace_section("celery", text)
        print(text)
        summary.append(row)

    if "ocds" in chosen:
        done["ocds"] = len(summary)
        out = RESULTS / "ocds-import.json"
        python(str(ROOT / "bench" / "ocds_import.py"), BENCH_RESULTS=out)
        result = json.loads(out.read_text())
        large = result["results"]["import_large"]
        summary.append(
            {
                "what": f"OCDS import of {large['releases']:,} releases",
                "target": "peak memory flat, under 250 MB",
                "met": result["met"],
                "figure": f"{large['maxrss_mb']:.0f} MB peak ({result['growth']:.2f}x a tenth of the file), "
                f"{large['releases'] / large['seconds']:.0f} releases/s",
            }
        )

    if "exports" in chosen:
        done["exports"] = len(summary)
        # The register's downloads at the largest scale asked for (its own database, contracts only).
        scale = max(int(s) for s in args.scale.split(","))
        reuse = ["--reuse"] if args.reuse and _exists(f"bench_exports_{scale}") else []
        python("-m", "bench.export_downloads", "--scale", str(scale), *reuse)
        summary += json.loads((RESULTS / "exports.json").read_text())["summary"]

    # Each benchmark's summary rows are kept, so a run of one benchmark leaves the others' in place.
    starts = sorted(done.items(), key=lambda item: item[1])
    for index, (name, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(summary)
        rows = [dict(row, date=report.today()) for row in summary[start:end]]
        (RESULTS / f"summary-{name}.json").write_text(json.dumps(rows))
    rows, skipped = [], []
    for name in BENCHMARKS:
        kept = RESULTS / f"summary-{name}.json"
        if kept.exists():
            rows += json.loads(kept.read_text())
        else:
            skipped.append(SECTIONS[name])
    text = report.summary_section(rows, info, command, skipped)
    report.replace_section("summary", text)
    print(text)


def celery_section(result: dict, info: dict) -> tuple[str, dict]:
    from bench import report

    in_turn, celery = result["in_turn_seconds"], result["celery_seconds"]
    speedup = in_turn / celery
    met = speedup >= 1.0
    text = "\n".join(
        [
            f"Run on {report.today()} on {report.machine_line(info)}, Redis on 127.0.0.1.",
            "",
            "| | time for 50 reports | reports a second |",
            "|---|---:|---:|",
            f"| in turn in one process (`meeting_pack_render` for each of {result['meetings']} meetings) | {in_turn:.1f} s | {result['reports'] / in_turn:.2f} |",
            f"| through Celery: {result['meetings']} `render_meeting_pack` tasks, one worker with {result['concurrency']} processes | "
            f"{celery:.1f} s | {result['reports'] / celery:.2f} |",
            "",
            f"Target: the workers are no slower than one process rendering in turn (queueing, the broker and storing "
            f"each PDF cost less than they gain on 2 cores). Celery takes {celery / in_turn:.2f}x the time, a {speedup:.2f}x "
            f"speed-up: **{'met' if met else 'not met'}**.",
        ]
    )
    row = {
        "what": "50 decision reports through Celery",
        "target": "no slower than in turn in one process",
        "met": met,
        "figure": f"{celery:.1f} s against {in_turn:.1f} s ({speedup:.2f}x speed-up)",
    }
    return text, row


def _exists(name: str) -> bool:
    import psycopg

    from bench import database

    with psycopg.connect(database.url_for("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


if __name__ == "__main__":
    main()
