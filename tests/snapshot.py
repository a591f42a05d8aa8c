"""The demo data loaded once per test process and put back from a copy of its rows afterwards.

Loading the demo runs the project's own services: some 4,000 queries, 4 to 5 s on a quiet
machine, and it was loaded for every browser test and in a dozen other tests and modules. Here
the first load in a process (on a day, with a password) is copied out of PostgreSQL table by
table (``COPY ... TO``); each later one deletes what the tables hold and copies the same rows
back in (``COPY ... FROM``), about a hundred statements in one transaction. The rows are the
very rows ``load_demo`` made, ids included, so foreign keys, content types and permissions agree
with each other; Django's foreign keys are checked at commit, so the order of the tables does
not matter.

The copy is used only where it can stand for the command: on PostgreSQL, with ``DEMO_PASSWORD``
set (else the command makes a password and prints it), into tables no test or fixture has
written to yet (else the copy would throw their rows away), and for the day it was loaded on
(the demo counts some dates from today). Anywhere else the command runs as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, bytes]  # table name: its rows in COPY's text format (b"" for none)


# What a migrated or flushed database holds before any test writes: post_migrate's rows.
_BEFORE_ANY_TEST = {"django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}

_snapshots: dict[tuple, Snapshot] = {}  # (day, password): the demo's rows, for this process


@contextmanager
def demo_loaded() -> Iterator[None]:
    """``load_demo``'s rows in the database, from this process's copy where it can stand for the
    command. Content types are cached by id in the process: they are read again afterwards, as the
    test's rollback or flush takes the copy's ids away."""
    password = os.environ.get("DEMO_PASSWORD", "").strip()
    key = (timezone.localdate(), password)
    if not (password and connection.vendor == "postgresql" and _untouched()):
        call_command("load_demo", stdout=StringIO())
    elif key in _snapshots:
        _restore(_snapshots[key])
    else:
        call_command("load_demo", stdout=StringIO())
        _snapshots[key] = _take()
    try:
        yield
    finally:
        ContentType.objects.clear_cache()


def _tables() -> list[str]:
    # The tables the test flush empties: every table of an installed model, not the migrations'.
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _untouched() -> bool:
    """Whether the tables hold only what migrating (or the last flush) put there."""
    quote = connection.ops.quote_name
    checks = " UNION ALL ".join(
        f"SELECT 1 WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in _tables() if table not in _BEFORE_ANY_TEST
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({checks}) AS written")
        return cursor.fetchone()[0] == 0


def _take() -> Snapshot:
    """Every row of every table the project's models have, as this connection sees them now."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                rows[table] = b"".join(bytes(block) for block in copy)
    return Snapshot(rows=rows)


def _sequences() -> list[tuple[str, str, str]]:
    """(sequence, table, column) for every sequence a column owns (serial and identity alike)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT seq.relname, tab.relname, col.attname
            FROM pg_class seq
            JOIN pg_depend dep ON dep.objid = seq.oid AND dep.classid = 'pg_class'::regclass
            JOIN pg_class tab ON tab.oid = dep.refobjid
            JOIN pg_attribute col ON col.attrelid = tab.oid AND col.attnum = dep.refobjsubid
            JOIN pg_namespace ns ON ns.oid = seq.relnamespace
            WHERE seq.relkind = 'S' AND ns.nspname = current_schema()
            """
        )
        return cursor.fetchall()


def _restore(snapshot: Snapshot) -> None:
    """Make every table hold exactly the snapshot's rows again."""
    quote = connection.ops.quote_name
    tables = _tables()
    assert set(tables) == set(snapshot.rows), "the tables changed since the snapshot was taken"
    # A sequence never goes back: ids handed out since (and not rolled back with the rows) stay used.
    forward = [
        f"SELECT setval('{quote(seq)}', GREATEST((SELECT last_value FROM {quote(seq)}), "
        f"(SELECT COALESCE(MAX({quote(column)}), 1) FROM {quote(table)})))"
        for seq, table, column in _sequences()
        if table in snapshot.rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("; ".join(f"DELETE FROM {quote(table)}" for table in tables))
        for table, data in snapshot.rows.items():
            if data:
                with cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    copy.write(data)
        cursor.execute("; ".join(forward))
    ContentType.objects.clear_cache()
