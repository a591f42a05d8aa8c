"""Writing results into docs/benchmarks.md: each benchmark owns the text between its markers."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime
from pathlib import Path

from . import targets

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        ram_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except OSError:
        ram_kb = 0
    from . import database

    try:
        postgres = database.server_version()
    except Exception:  # noqa: BLE001 - the figure is informative only
        postgres = "unknown"
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram_kb / 1024 / 1024),
        "python": platform.python_version(),
        "postgres": postgres,
    }


def machine_line(info: dict) -> str:
    return (
        f"{info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; CPython {info['python']}, "
        f"PostgreSQL {info['postgres']} on 127.0.0.1"
    )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def replace_section(name: str, body: str) -> None:
    """Put ``body`` between ``<!-- name:start -->`` and ``<!-- name:end -->``, adding them at the end if missing."""
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    DOC.write_text(text)


def section_text(name: str) -> str:
    text = DOC.read_text() if DOC.exists() else ""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start in text and end in text:
        return text[text.index(start) + len(start) : text.index(end)]
    return ""


def section_date(name: str) -> str:
    match = re.search(r"Run on (\d{1,2} \w+ \d{4})", section_text(name))
    return match.group(1) if match else "an earlier run"


def today() -> str:
    return f"{datetime.now():%-d %B %Y}"


# --- the web benchmark ----------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def page_ratio(page: dict, trivial: dict) -> float:
    """How many times the trivial page's figures a page's are: the worst of p50, p95 and rate."""
    return max(
        page["p50_ms"] / trivial["p50_ms"],
        page["p95_ms"] / trivial["p95_ms"],
        trivial["rps"] / page["rps"] if page["rps"] else float("inf"),
    )


def page_misses(page: dict | None, trivial: dict | None) -> list[str]:
    """Why one page at one scale misses issue 24's latency targets (empty: it meets them)."""
    if page is None:
        return ["not measured"]
    if page.get("too_slow") or page.get("requests", 2) < 2:
        return ["too slow to load"]
    misses = []
    if page["p95_ms"] >= targets.PAGE_P95_MS:
        misses.append(f"p95 {ms(page['p95_ms'])}")
    if trivial is not None and not trivial.get("too_slow"):
        ratio = page_ratio(page, trivial)
        if ratio > targets.PAGE_RATIO:
            misses.append(f"{ratio:.1f}x the trivial page")
    return misses


def load_figure(run: dict) -> str:
    """The one-minute load average before and after a scale's run, e.g. "0.52 to 1.10"."""
    load = run.get("load")
    if not load or "/" not in load:
        return "not recorded"
    before, after = (part.split()[0] for part in load.split("/"))
    return f"{before} to {after}"


def load_range(runs: list[dict]) -> str:
    """The lowest and highest one-minute load average over the runs, e.g. "0.5 to 1.1"."""
    figures = []
    for run in runs:
        for part in (run.get("load") or "").split("/"):
            try:
                figures.append(float(part.split()[0]))
            except (IndexError, ValueError):
                continue
    if not figures:
        return "not recorded"
    return f"{min(figures):.1f} to {max(figures):.1f}"


def web_section(runs: list[dict], info: dict, loads: list[str]) -> tuple[str, list[dict]]:
    """The web section's text, and one summary row per (person, page).

    A page's verdict is issue 24's three targets together: at every scale in the run its p95
    is under ``PAGE_P95_MS`` and its p50, p95 and rate are within ``PAGE_RATIO`` times the
    trivial page's measured in the same run, and its query count is the same at every scale.
    """
    runs = sorted(runs, key=lambda run: run["contracts"])
    largest = runs[-1]
    seconds = {run["contracts"]: run["seconds"] for run in runs}
    cores = info.get("cores") or "?"
    load_text = load_range(runs)
    conn = largest.get("conn_max_age")
    conn_text = (
        "a new database connection per request"
        if conn == 0
        else "each database connection kept for a minute, as in production"
        if conn == 60
        else "a database connection per request (DATABASE_CONN_MAX_AGE 0, before 27 November)"
        if conn is None
        else f"database connections kept {conn} s"
    )
    lines = [
        f"Run on {today()} on {machine_line(info)}. gunicorn with {largest['workers']} sync workers on "
        f"127.0.0.1, {conn_text}; wrk in a second process, 1 thread and {largest['connections']} connections, "
        f"{largest['warm_up']} s warm-up then {largest['seconds']} s measured per page. Load average before and after "
        f"each scale: {'; '.join(loads)} (other work on the machine shares its {cores} cores, so figures vary "
        "between runs: a verdict from a run at a load average above the number of cores says little).",
        "",
        "Each figure is the page's own, then in brackets its ratio to the trivial signed-in page measured on the same "
        "server in the same run (for requests per second, the trivial page's rate over the page's). Queries are "
        "counted with Django's test client on the same database. The pages are every page in the person's "
        'navigation and under "Settings and tools" (`config.navigation.pages_for`), then the register filtered '
        "(active, ending within 24 months, by provider), its last page and the Benchmark team's contract with the "
        "most milestones and options.",
        "",
    ]
    target = (
        f"p95 < {targets.PAGE_P95_MS} ms and within {targets.PAGE_RATIO:.0f}x of trivial at "
        + ", ".join(f"{s:,}" for s in seconds)
        + "; same queries"
    )
    summary = []
    for persona in largest["personas"]:
        data = {run["contracts"]: run["personas"][persona] for run in runs if persona in run["personas"]}
        scales = sorted(data)
        visible = ", ".join(f"{data[s]['visible_contracts']:,} at {s:,}" for s in scales)
        lines += [
            f"**{'An officer of the Benchmark team' if persona == 'officer' else 'An admin, who sees every team'}** "
            f"(`{data[scales[-1]]['user']}`; contracts visible: {visible}).",
            "",
        ]
        header = (
            "| page | queries | "
            + " | ".join(f"p50 at {s:,} | p95 at {s:,} | req/s at {s:,}" for s in scales)
            + " | target |"
        )
        lines += [header, "|---|---:|" + "---:|" * (3 * len(scales)) + ":--|"]
        names = list(data[scales[-1]]["pages"])
        for s in scales:
            names += [name for name in data[s]["pages"] if name not in names]
        for name in names:
            pages = {s: data[s]["pages"].get(name) for s in scales}
            trivials = {s: data[s]["pages"].get("trivial") for s in scales}
            counts = [None if pages[s] is None else pages[s].get("queries") for s in scales]
            same = None not in counts and len(set(counts)) == 1
            if same:
                query_cell = f"{counts[0]}"
            else:
                query_cell = " / ".join("not counted" if c is None else str(c) for c in counts)
                query_cell += "" if None in counts else " (**differs**)"
            cells = []
            for s in scales:
                p, trivial = pages[s], trivials[s]
                if p is None:
                    cells += ["not measured", "", ""]
                elif p.get("too_slow") and "finished" in p or not p.get("too_slow") and p.get("requests", 2) < 2:
                    finished = p.get("finished", p.get("requests", 0))
                    cells += [f"{finished} requests finished in {seconds[s]} s", "not loaded", "not loaded"]
                elif p.get("too_slow"):
                    single = "over 30 s" if p.get("single_ms") is None else f"{p['single_ms'] / 1000:.1f} s"
                    cells += [f"{single} for one request", "not loaded", "not loaded"]
                elif name == "trivial" or trivial is None or trivial.get("too_slow"):
                    cells += [ms(p["p50_ms"]), ms(p["p95_ms"]), f"{p['rps']:.0f}"]
                else:
                    cells += [
                        f"{ms(p['p50_ms'])} ({p['p50_ms'] / trivial['p50_ms']:.1f}x)",
                        f"{ms(p['p95_ms'])} ({p['p95_ms'] / trivial['p95_ms']:.1f}x)",
                        f"{p['rps']:.1f} ({trivial['rps'] / p['rps'] if p['rps'] else float('inf'):.1f}x)",
                    ]
            if name == "trivial":
                verdict = "baseline"
            else:
                misses = {s: page_misses(pages[s], trivials[s]) for s in scales}
                met = same and not any(misses.values())
                verdict = f"**{'met' if met else 'not met'}**"
                figures = []
                for s in scales:
                    p = pages[s]
                    if p is None or page_misses(p, None) == ["too slow to load"] or p.get("too_slow"):
                        figures.append(f"{s:,}: too slow to load" if p else f"{s:,}: not measured")
                    elif trivials[s] is None or trivials[s].get("too_slow"):
                        figures.append(f"{s:,}: p95 {ms(p['p95_ms'])}")
                    else:
                        figures.append(f"{s:,}: p95 {ms(p['p95_ms'])}, {page_ratio(p, trivials[s]):.1f}x")
                summary.append(
                    {
                        "what": f"{name} ({persona})",
                        "met": met,
                        "target": target,
                        "figure": "; ".join(figures)
                        + f"; queries {query_cell}; load average {load_text} on {cores} cores",
                    }
                )
            lines.append(f"| {name} | {query_cell} | " + " | ".join(cells) + f" | {verdict} |")
        lines.append("")
    lines.append(
        f"Target (issue 24): at every scale each page's p95 is under {targets.PAGE_P95_MS} ms and its p50, p95 and "
        f"rate are within {targets.PAGE_RATIO:.0f}x of the trivial page's in the same run, with the same number of "
        "queries at every scale; a page is **met** only if all three hold at every scale in the table."
    )
    return "\n".join(lines), summary


def summary_section(rows: list[dict], info: dict, command: str, skipped: list[str]) -> str:
    lines = [
        f"Written on {today()} by `{command}` on {machine_line(info)}. Each row is from the latest run of its "
        "benchmark, on the date shown; `make bench` reruns them all.",
        "",
        "| benchmark | target | figure | run on | |",
        "|---|---|---|---|:--|",
    ]
    for row in rows:
        verdict = "for information" if row["met"] is None else f"**{'met' if row['met'] else 'not met'}**"
        lines.append(
            f"| {row['what']} | {row.get('target', '')} | {row['figure']} | {row.get('date', today())} | {verdict} |"
        )
    for name in skipped:
        lines.append(
            f"| {name} | see its section | not rerun by this command: its section keeps its figures | {section_date(name)} | |"
        )
    return "\n".join(lines)
