"""Benchmark: the ASC0013 decision report's PDF through the project, beside bare WeasyPrint.

    .venv/bin/python bench/report_pdf.py

By default it uses a throwaway SQLite database in a temporary folder (nothing in var/ is
touched). To measure on PostgreSQL instead, give it a database of its own, never "bench":

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reports_bench .venv/bin/python bench/report_pdf.py

It migrates the database, loads the demo data and then, in the same process, alternates:

1. the project: ``reports.pdf.render_report_pdf(report_for_display(pk))``, the one function
   the report page, the Celery task and the tests call: it loads the report and the contract,
   works out the figures, renders the template and has WeasyPrint render it with the
   project's URL fetcher (static files from disk only) as tagged PDF/UA-1;
2. bare WeasyPrint: the same final HTML, written once to a file, rendered by
   ``weasyprint.HTML(filename=...).write_pdf(pdf_variant="pdf/ua-1")`` with WeasyPrint's own
   fetcher. The file's stylesheet link points at the same CSS file on disk (a file:// URL),
   so both do the same layout work.

The difference is the framework's overhead: queries, figures, template, fetcher. The
medians are written into docs/benchmarks.md between the "reports" markers.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from io import StringIO
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="report-pdf-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_VAR_DIR", str(WORK))  # the demo's password file goes here, not var/
os.environ.setdefault("LOG_LEVEL", "WARNING")

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
WARM_UP = 2
TARGET = 1.3


def ensure_database() -> str:
    url = urlparse(os.environ["DATABASE_URL"])
    if url.scheme.startswith("postgres"):
        import psycopg

        name = url.path.lstrip("/")
        if name == "bench":
            raise SystemExit("Use a database of this benchmark's own, not 'bench' (the reminders benchmark's)")
        admin = url._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return "PostgreSQL"
    return "SQLite"


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    database = ensure_database()
    setup_django()
    import weasyprint

    from reports.models import DecisionReport
    from reports.pdf import PDF_VARIANT, STYLESHEET, render_report_pdf, report_html, static_file_for, static_url
    from reports.selectors import report_for_display

    report_id = DecisionReport.objects.get(contract__reference="ASC0013").pk
    html = report_html(report_for_display(report_id))
    stylesheet = static_url(STYLESHEET)
    assert stylesheet in html
    html_file = WORK / "asc0013-report.html"
    html_file.write_text(html.replace(stylesheet, Path(static_file_for(stylesheet)).as_uri()))

    def project() -> bytes:
        return render_report_pdf(report_for_display(report_id))

    def bare() -> bytes:
        return weasyprint.HTML(filename=str(html_file)).write_pdf(pdf_variant=PDF_VARIANT)

    project_pdf, bare_pdf = project(), bare()
    for _ in range(WARM_UP - 1):
        project(), bare()
    samples = {"project": [], "bare": []}
    for run in range(RUNS):
        # Alternate which goes first, so neither always runs on a warmer machine.
        order = [("project", project), ("bare", bare)] if run % 2 == 0 else [("bare", bare), ("project", project)]
        for name, function in order:
            samples[name].append(timed(function))
        print(
            f"run {run + 1}/{RUNS}: project {samples['project'][-1] * 1000:.0f} ms, bare {samples['bare'][-1] * 1000:.0f} ms",
            flush=True,
        )

    write_report(
        database=database,
        project_ms=statistics.median(samples["project"]) * 1000,
        bare_ms=statistics.median(samples["bare"]) * 1000,
        pages=_pages(project_pdf),
        project_kb=len(project_pdf) / 1024,
        bare_kb=len(bare_pdf) / 1024,
    )


def _pages(pdf: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


def write_report(
    *, database: str, project_ms: float, bare_ms: float, pages: int, project_kb: float, bare_kb: float
) -> None:
    import weasyprint

    ratio = project_ms / bare_ms
    met = ratio <= TARGET
    if os.environ.get("BENCH_RESULTS"):  # for the runner's summary (python -m bench)
        Path(os.environ["BENCH_RESULTS"]).write_text(
            json.dumps({"project_ms": project_ms, "bare_ms": bare_ms, "ratio": ratio, "met": met, "pages": pages})
        )
    lines = [
        "## Decision reports: the PDF",
        "",
        "How to reproduce (a throwaway SQLite database by default; `DATABASE_URL` may name a",
        "PostgreSQL database of its own, such as `reports_bench`, never `bench`):",
        "",
        "    .venv/bin/python bench/report_pdf.py",
        "",
        "The project's figure is `reports.pdf.render_report_pdf` for the demo's ASC0013 extension",
        "report: loading the report and contract, working out the figures, rendering the template and",
        "WeasyPrint with the project's URL fetcher, as tagged PDF/UA-1. Bare WeasyPrint renders the",
        "same final HTML from a file (its stylesheet link pointed at the same CSS file on disk) with",
        "its own fetcher and the same PDF variant. The two alternate in one process; medians of",
        f"{RUNS} runs each after a warm-up. `BENCH_RUNS` changes the count.",
        "",
        f"Run on {datetime.now():%-d %B %Y} on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, WeasyPrint {weasyprint.__version__}, {database}).",
        "",
        "| | median time | PDF size |",
        "|---|---:|---:|",
        f"| the project (`render_report_pdf`, {pages} pages) | {project_ms:.0f} ms | {project_kb:.0f} KB |",
        f"| bare WeasyPrint, same HTML from a file | {bare_ms:.0f} ms | {bare_kb:.0f} KB |",
        "",
        f"Target: within {TARGET}x of bare WeasyPrint. The project takes {ratio:.2f}x: **{'met' if met else 'not met'}**.",
    ]
    report = "\n".join(lines)
    print(report)
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = "<!-- reports:start -->", "<!-- reports:end -->"
    block = f"{start}\n{report}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
