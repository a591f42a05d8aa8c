"""The web benchmark: pages served by gunicorn, loaded by wrk from a second process on loopback.

    .venv/bin/python -m bench.web --database bench_100000 --out var/bench/web-100000.json

Runs against a database ``bench.generate`` filled. For each person (an officer of the
"Benchmark team", which has the same 150 contracts at every scale, and an admin, who sees
every team), the pages are ``pages_for``: the trivial page, every page in the person's
navigation and under "Settings and tools" (``config.navigation.pages_for``, the same list the
query-count test visits), the register filtered and its last page, and a contract's page:

1. Counts the SQL queries each of those pages makes (Django's test client and
   ``CaptureQueriesContext``, on the same database), after one request to warm caches.
2. Starts gunicorn on 127.0.0.1 (2 sync workers: one per core; database connections kept
   60 seconds as in production, unless ``DATABASE_CONN_MAX_AGE`` is set) with ``bench.settings``: the product's settings with debug off and
   one extra page, ``/bench/trivial/``, that returns "ok" through every middleware.
3. Signs the person in with a real session cookie, checks each page answers 200 with the
   person's rows in it, then for each page runs wrk (1 thread, 2 connections): a warm-up (1 s),
   then a measured run (5 s) whose p50, p95 and requests per second are read from wrk's latency
   distribution (``bench/wrk_report.lua``). The trivial page is measured first in the same
   run on the same server, and every page's figures are also given as a ratio to it.
4. With ``--profile``, profiles each page that misses its target with pyinstrument (three
   requests in this process) into var/bench/profiles/.
5. Writes everything as JSON for ``bench.report``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK = shutil.which("wrk")
WORKERS = 2
CONNECTIONS = 2
PAGE_SIZE = 25
# A page slower than this for one request is not loaded with wrk: its single time is reported.
TOO_SLOW_SECONDS = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TRIVIAL = "/bench/trivial/"


def pages_for(user, team_id: int) -> dict[str, str]:
    """The pages measured for a person, as paths: the trivial page (the baseline), every page
    in the person's navigation (``config.navigation.pages_for``, the list
    tests/test_navigation_queries.py counts too: a page added to the navigation is measured
    without touching this file), and three more views of the register and a contract."""
    from django.db.models import Count

    from access import policy
    from config.navigation import pages_for as navigation_pages
    from contracts.models import Contract

    contract = (
        Contract.objects.filter(team_id=team_id)
        .annotate(n=Count("milestones", distinct=True) + Count("options", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    assert policy.contracts_visible_to(user).filter(pk=contract.pk).exists()
    return {
        "trivial": TRIVIAL,
        **navigation_pages(user),
        "Contracts, filtered": "/contracts/?status=active&ending_within=24&sort=provider",
        # The last page: keyset pagination reads it backwards from the end (no OFFSET).
        "Contracts, last page": "/contracts/?last=1",
        # The Benchmark team's contract with the most milestones and options.
        "A contract": f"/contracts/{contract.pk}/",
    }


def count_queries(user, paths: dict[str, str]) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    counts = {}
    for name, path in paths.items():
        client.get(path)  # caches (content types, templates) warm, as on a running server
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = {"queries": len(queries), "html_bytes": len(response.content)}
    return counts


def profile_page(user, path: str, out: Path) -> str:
    """pyinstrument's view of one request to ``path`` (the test client, in this process)."""
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    client.force_login(user)
    client.get(path)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(3):
        client.get(path)
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False)
    out.write_text(text)
    return text


class Server:
    def __init__(self, database_url: str, log: Path):
        self.port = free_port()
        # Its request log goes to a file, as to journald in production (a pipe nobody reads
        # would fill and stall the workers).
        self.log = log.open("w")
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url, LOG_LEVEL="WARNING")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn stopped: see {log}")
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_page(url: str, cookie: str, expect: str | None) -> float | None:
    """Seconds for one request; None if it took longer than gunicorn lets a worker run (30 s)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=TOO_SLOW_SECONDS * 3) as response:
            body = response.read().decode()
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url} answered {error.code}, not 200: is the session signed in?") from error
    except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
        return None  # the worker was killed at its timeout
    if expect and expect not in body:
        raise SystemExit(f"{url} does not show {expect!r}")
    return time.perf_counter() - start


def wrk(url: str, cookie: str, seconds: int) -> dict:
    output = subprocess.run(
        [
            WRK,
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "60s",
            "-s",
            str(ROOT / "bench" / "wrk_report.lua"),
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH-JSON "))
    result = json.loads(line.removeprefix("BENCH-JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["p50_ms"], result["p95_ms"] = result["p50_us"] / 1000, result["p95_us"] / 1000
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="the web benchmark, at one scale")
    parser.add_argument("--database", required=True)
    parser.add_argument("--out", required=True)
    # About 20 pages a person: 5 + 1 s each keeps two scales and two people near 10 minutes.
    parser.add_argument("--seconds", type=int, default=5, help="measured seconds per page")
    parser.add_argument("--warm-up", type=int, default=1, help="warm-up seconds per page")
    parser.add_argument("--personas", default="officer,admin")
    parser.add_argument("--profile", action="store_true", help="profile each page that misses its target")
    parser.add_argument("--profile-dir", default=str(ROOT / "var" / "bench" / "profiles"))
    args = parser.parse_args(argv)
    if WRK is None:
        raise SystemExit("The web benchmark needs wrk (an HTTP load generator): sudo apt-get install wrk")

    sys.path.insert(0, str(ROOT))
    from bench import database

    database_url = database.url_for(args.database)
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="bench.settings", LOG_LEVEL="WARNING")
    import django

    django.setup()
    import logging

    # The queries counted and the profiles taken in this process would log a line a request
    # among the figures (gunicorn's workers still log each request to their file).
    for name in ("tracker.requests", "tracker.security"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth.models import User

    from access import policy
    from bench.generate import session_cookie
    from contracts.models import Contract, Team

    team = Team.objects.get(name="Benchmark team")
    people = {
        "officer": User.objects.filter(teams=team, groups__name="officer").order_by("pk").first(),
        "admin": User.objects.get(username="bench-admin"),
    }
    results = {
        "database": args.database,
        "contracts": Contract.objects.count(),
        "workers": WORKERS,
        "connections": CONNECTIONS,
        "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
        "seconds": args.seconds,
        "warm_up": args.warm_up,
        "personas": {},
    }
    profile_dir = Path(args.profile_dir)
    profile_dir.mkdir(parents=True, exist_ok=True)
    server = Server(database_url, profile_dir.parent / f"gunicorn-{args.database}.log")
    try:
        for persona in args.personas.split(","):
            user = people[persona]
            paths = pages_for(user, team.pk)
            cookie = f"sessionid={session_cookie(user.pk)}"
            first_reference = (
                Contract.objects.filter(team=team).order_by("current_end_date", "reference").first().reference
            )
            pages = {}
            for name, path in paths.items():
                expect = first_reference if name == "Contracts" and persona == "officer" else None
                # The first request may meet a worker still loading the app (12 to 23 s on a loaded
                # machine): the time kept is the second's.
                single = check_page(server.url(path), cookie, expect)
                if single is not None:
                    single = check_page(server.url(path), cookie, expect)
                if single is None or single > TOO_SLOW_SECONDS:
                    pages[name] = {
                        "path": path,
                        "too_slow": True,
                        "single_ms": None if single is None else single * 1000,
                    }
                    print(
                        f"  {results['contracts']:>7,} contracts, {persona:<7} {name:<24} too slow to load: "
                        f"{'over 30 s' if single is None else f'{single:.1f} s'} for one request",
                        flush=True,
                    )
                    continue
                counts = count_queries(user, {name: path})
                wrk(server.url(path), cookie, args.warm_up)
                figures = wrk(server.url(path), cookie, args.seconds)
                if figures["requests"] < CONNECTIONS:
                    # Not even one request a connection finished in the measured time: no percentiles.
                    pages[name] = {"path": path, **counts[name], "too_slow": True, "single_ms": single * 1000}
                    print(
                        f"  {results['contracts']:>7,} contracts, {persona:<7} {name:<24} too slow to load: "
                        f"{figures['requests']} requests in {args.seconds} s",
                        flush=True,
                    )
                    continue
                pages[name] = {"path": path, **counts[name], **figures}
                print(
                    f"  {results['contracts']:>7,} contracts, {persona:<7} {name:<24} {counts[name]['queries']:>3} queries  "
                    f"p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  {figures['rps']:6.1f} req/s",
                    flush=True,
                )
            results["personas"][persona] = {
                "user": user.username,
                "visible_contracts": policy.contracts_visible_to(user).count(),
                "pages": pages,
            }
    finally:
        server.stop()
    # Profiles of pages that miss the latency target, for the write-up (--profile: they add
    # minutes to a run of every page).
    from bench.report import page_misses

    for persona, data in results["personas"].items() if args.profile else ():
        trivial = data["pages"]["trivial"]
        for name, page in data["pages"].items():
            if name == "trivial" or page.get("too_slow") or not page_misses(page, trivial):
                continue
            slug = f"{results['contracts']}-{persona}-{name.replace(', ', '-').replace(' ', '-')}"
            out = profile_dir / f"{slug}.txt"
            profile_page(people[persona], page["path"], out)
            page["profile"] = str(out.relative_to(ROOT) if out.is_relative_to(ROOT) else out)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
