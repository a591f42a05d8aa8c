"""Trigram indexes for the Reminders page's "To" filter, on PostgreSQL.

"Part of a name or email address" is ``UPPER(column) LIKE UPPER('%olivia%')``, which no btree
index serves: for an admin's every team at 100,000 contracts the page read all 3 million
reminders for its rows and again for its tabs' numbers (9.4 s for a name nobody has; issue 24).
pg_trgm's GIN indexes serve LIKE with a leading wildcard (45 ms). pg_trgm ships with
PostgreSQL (contrib) and is a trusted extension from PostgreSQL 13, so the database's owner may
add it. SQLite (``make run``) has neither and needs neither at its size: nothing is done there.
"""

from django.db import migrations

COLUMNS = ["recipient_email", "recipient_name"]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return  # a server built without contrib: the filter still works, unindexed
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "reminder_{column}_trigrams" ON "reminders_reminder" '
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "reminder_{column}_trigrams"')


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0006_reminders_page_indexes"),
    ]

    operations = [migrations.RunPython(add_indexes, drop_indexes)]
