"""Every row the demo loads, kept once per test process and put back in a fraction of the time.

Loading the demo runs the project's own services: some 4,000 queries, 4 to 5 s a test on this
machine. A browser test needs the demo committed (its live server reads it from another
thread), so each one used to load it again after the previous test's flush emptied every table.
Here the first load in a process is copied out of PostgreSQL table by table (``COPY ... TO``);
each later test deletes whatever the tables hold and copies the same rows back in (``COPY ...
FROM``), about a hundred statements in one transaction. The rows are the very rows the demo
loaded, ids included, so foreign keys, content types and permissions agree with each other; the
foreign keys Django makes are checked at commit, so the order of the tables does not matter.

The copy is kept for the day it was made on: the demo counts some dates from today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction


@dataclass(frozen=True)
class Snapshot:
    made_on: date
    rows: dict[str, bytes]  # table name: its rows in COPY's text format (b"" for none)


def supported() -> bool:
    return connection.vendor == "postgresql"


def _tables() -> list[str]:
    # The tables the test flush empties: every table of an installed model, not the migrations'.
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def take(made_on: date) -> Snapshot:
    """Copy every row of every table the project's models have, as committed now."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                rows[table] = b"".join(bytes(block) for block in copy)
    return Snapshot(made_on=made_on, rows=rows)


def restore(snapshot: Snapshot) -> None:
    """Make every table hold exactly the snapshot's rows again, sequences after its highest ids."""
    quote = connection.ops.quote_name
    tables = _tables()
    assert set(tables) == set(snapshot.rows), "the tables changed since the snapshot was taken"
    resets = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("; ".join(f"DELETE FROM {quote(table)}" for table in tables))
        for table, data in snapshot.rows.items():
            if data:
                with cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    copy.write(data)
        cursor.execute("; ".join(resets))
    # Content types are cached by id in this process, and the snapshot's ids are not the ones the
    # flush's post_migrate made: read them again.
    ContentType.objects.clear_cache()
