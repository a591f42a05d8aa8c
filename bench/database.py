"""The benchmarks' own PostgreSQL databases: created, migrated and dropped only by name.

Every benchmark database is named here or by ``BENCH_DATABASE_URL``; the tool refuses to
drop a database whose name is not one of its own (never ``postgres``, ``test`` or a
template), so a typo cannot wipe someone's data.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REFUSED = {"postgres", "test", "template0", "template1"}


def url_for(name: str) -> str:
    return f"{SERVER.rstrip('/')}/{name}"


def name_of(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def _admin_connection():
    import psycopg

    return psycopg.connect(url_for("postgres"), autocommit=True)


def recreate(name: str) -> str:
    """Drop and create the database ``name`` (a benchmark's own); returns its URL."""
    if name in REFUSED or name.startswith("test") or not name.startswith(("bench", "ocds_bench", "reports_bench")):
        raise SystemExit(f"refusing to drop the database {name!r}: benchmark databases start with 'bench'")
    with _admin_connection() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url_for(name)


def server_version() -> str:
    with _admin_connection() as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]
