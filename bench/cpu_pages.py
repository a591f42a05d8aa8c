"""CPU per request for every page in the navigation, in this process, with Django's test client.

    .venv/bin/python -m bench.cpu_pages --database bench_1000
    .venv/bin/python -m bench.cpu_pages --database bench_1000 --personas admin --only Dashboard --profile var/bench/cpu

For an officer of the "Benchmark team" (``officer0-0``) and an admin who sees every team
(``bench-admin``), on a database ``bench.generate`` filled, with ``bench.settings`` (debug off,
the cached template loader as in production): every item of the main navigation and of
"Settings and tools" (config/navigation.py; not the Django admin), the trivial signed-in page
``/bench/trivial/`` as the baseline, and the Benchmark team's busiest contract page. Each page
is asked for once to warm the caches, then ``--repeat`` times; the figure is the median of
``time.process_time()`` over a request: the Django process's own CPU, not PostgreSQL's, and
much less disturbed by other work on the machine than wall-clock time. ``--profile DIR``
writes a pyinstrument profile of each page there.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def pages(user, team_id: int) -> dict[str, str]:
    from django.db.models import Count
    from django.test import RequestFactory

    from config.navigation import navigation, tools_for
    from contracts.models import Contract

    request = RequestFactory().get("/")
    request.user = user
    found = {"trivial": "/bench/trivial/"}
    for item in [*navigation(request)["navigation"], *tools_for(user)]:
        if item["label"] != "Admin":
            found[item["label"]] = item["url"]
    contract = (
        Contract.objects.filter(team_id=team_id)
        .annotate(n=Count("milestones", distinct=True) + Count("options", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    if contract is not None:
        found["contract page"] = f"/contracts/{contract.pk}/"
    return found


def measure(user, paths: dict[str, str], repeat: int, profile_dir: Path | None) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    results = {}
    for name, path in paths.items():
        response = client.get(path)  # caches (content types, templates, permissions) warm
        assert response.status_code == 200, (name, path, response.status_code)
        times = []
        for _ in range(repeat):
            started = time.process_time()
            client.get(path)
            times.append(time.process_time() - started)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        results[name] = {
            "path": path,
            "cpu_ms": statistics.median(times) * 1000,
            "queries": len(queries),
            "html_bytes": len(response.content),
        }
        if profile_dir is not None:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(3):
                client.get(path)
            profiler.stop()
            safe = "".join(c if c.isalnum() else "-" for c in name.lower())
            (profile_dir / f"{user.username}-{safe}.txt").write_text(profiler.output_text(unicode=False, color=False))
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a database bench.generate filled (bench_...)")
    parser.add_argument("--personas", default="officer,admin")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated page labels")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile of each page here")
    args = parser.parse_args(argv)
    if not args.database.startswith("bench"):
        sys.exit("the database's name must start with bench")

    from bench.database import url_for

    os.environ.update(DATABASE_URL=url_for(args.database), DJANGO_SETTINGS_MODULE="bench.settings", LOG_LEVEL="WARNING")
    import django

    django.setup()
    import logging

    from django.conf import settings

    logging.disable(logging.INFO)  # the request log, one line a request

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from django.contrib.auth import get_user_model

    from contracts.models import Team

    User = get_user_model()
    team = Team.objects.get(name="Benchmark team")
    people = {"officer": User.objects.get(username="officer0-0"), "admin": User.objects.get(username="bench-admin")}
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for persona in args.personas.split(","):
        paths = pages(people[persona], team.pk)
        if args.only:
            wanted = {"trivial", *args.only.split(",")}
            paths = {name: path for name, path in paths.items() if name in wanted}
        results = measure(people[persona], paths, args.repeat, args.profile)
        trivial = results["trivial"]["cpu_ms"]
        for name, figures in results.items():
            print(
                f"{persona:<8} {name:<24} {figures['cpu_ms']:7.1f} ms  {figures['cpu_ms'] / trivial:5.1f}x  "
                f"{figures['queries']:3d} queries  {figures['html_bytes'] / 1024:6.1f} KB  {figures['path']}"
            )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
