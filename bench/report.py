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


def web_section(runs: list[dict], info: dict, loads: list[str]) -> tuple[str, list[dict]]:
    """The web section's text, and one summary row per (person, page) at the largest scale."""
    runs = sorted(runs, key=lambda run: run["contracts"])
    largest = runs[-1]
    seconds = {run["contracts"]: run["seconds"] for run in runs}
    lines = [
        f"Run on {today()} on {machine_line(info)}. gunicorn with {largest['workers']} sync workers on "
        f"127.0.0.1; wrk in a second process, 1 thread and {largest['connections']} connections, "
        f"{largest['warm_up']} s warm-up then {largest['seconds']} s measured per page. Load average before and after "
        f"each scale: {'; '.join(loads)} (other work on the machine shares its 2 cores, so figures vary between runs).",
        "",
        "Each figure is the page's own, then in brackets its ratio to the trivial signed-in page measured on the same "
        "server in the same run (for requests per second, the trivial page's rate over the page's). Queries are "
        "counted with Django's test client on the same database.",
        "",
    ]
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
            + " | target at "
            + f"{scales[-1]:,} |"
        )
        lines += [header, "|---|---:|" + "---:|" * (3 * len(scales)) + ":--|"]
        for name, page in data[scales[-1]]["pages"].items():
            counts = [data[s]["pages"][name].get("queries") for s in scales]
            same = None not in counts and len(set(counts)) == 1
            if same:
                query_cell = f"{counts[0]}"
            else:
                query_cell = " / ".join("not counted" if c is None else str(c) for c in counts)
                query_cell += "" if None in counts else " (**differs**)"
            cells = []
            for s in scales:
                p, trivial = data[s]["pages"][name], data[s]["pages"]["trivial"]
                if not p.get("too_slow") and p.get("requests", 2) < 2:
                    p.update(too_slow=True, single_ms=None, finished=p["requests"])
                if p.get("too_slow") and "finished" in p:
                    cells += [f"{p['finished']} requests finished in {seconds[s]} s", "not loaded", "not loaded"]
                elif p.get("too_slow"):
                    single = "over 30 s" if p["single_ms"] is None else f"{p['single_ms'] / 1000:.1f} s"
                    cells += [f"{single} for one request", "not loaded", "not loaded"]
                elif name == "trivial":
                    cells += [ms(p["p50_ms"]), ms(p["p95_ms"]), f"{p['rps']:.0f}"]
                else:
                    cells += [
                        f"{ms(p['p50_ms'])} ({p['p50_ms'] / trivial['p50_ms']:.1f}x)",
                        f"{ms(p['p95_ms'])} ({p['p95_ms'] / trivial['p95_ms']:.1f}x)",
                        f"{p['rps']:.1f} ({trivial['rps'] / p['rps'] if p['rps'] else float('inf'):.1f}x)",
                    ]
            if name == "trivial":
                verdict = "baseline"
            elif page.get("too_slow"):
                verdict = "**not met**"
                summary.append(
                    {
                        "what": f"{name} ({persona}), {scales[-1]:,} contracts",
                        "met": False,
                        "target": f"p95 < {targets.PAGE_P95_MS} ms, within {targets.PAGE_RATIO:.0f}x of trivial, same queries",
                        "figure": "too slow to load: " + cells[-3],
                    }
                )
            else:
                trivial = data[scales[-1]]["pages"]["trivial"]
                ratio = max(
                    page["p50_ms"] / trivial["p50_ms"],
                    page["p95_ms"] / trivial["p95_ms"],
                    trivial["rps"] / page["rps"] if page["rps"] else float("inf"),
                )
                met = page["p95_ms"] < targets.PAGE_P95_MS and ratio <= targets.PAGE_RATIO and same
                verdict = f"**{'met' if met else 'not met'}**"
                summary.append(
                    {
                        "what": f"{name} ({persona}), {scales[-1]:,} contracts",
                        "met": met,
                        "target": f"p95 < {targets.PAGE_P95_MS} ms, within {targets.PAGE_RATIO:.0f}x of trivial, same queries",
                        "figure": f"p95 {ms(page['p95_ms'])}, {ratio:.1f}x the trivial page, queries {query_cell}",
                    }
                )
            lines.append(f"| {name} | {query_cell} | " + " | ".join(cells) + f" | {verdict} |")
        lines.append("")
    lines.append(
        f"Target: at {largest['contracts']:,} contracts each page's p95 is under {targets.PAGE_P95_MS} ms and its "
        f"p50, p95 and rate are within {targets.PAGE_RATIO:.0f}x of the trivial page's, with the same number of "
        "queries at every scale."
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
