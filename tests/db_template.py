"""On PostgreSQL, the test database is migrated once a run and cloned for each xdist worker.

pytest-django gives each xdist worker a test database of its own (``test_<name>_gw0``, ...), and
each worker migrated its own from nothing: 12 s of CPU apiece on this machine (18 s of wall time
with the load average at 4), both at once at the start of every run on two cores. Here the first
worker to get there migrates ``test_<name>_template`` once, under a PostgreSQL advisory lock, and
every worker's database is then made from it by Django's own ``TEST["TEMPLATE"]`` setting
(``CREATE DATABASE ... WITH TEMPLATE``: a quarter of a second), after which ``migrate`` finds
every migration applied (0.2 s). Django's parallel test runner clones its databases the same way.

The template carries the run's id (xdist's ``testrunuid``) as its comment, so a template left by
an earlier run, made by other migrations, is migrated again rather than used; the controller
drops it when the run ends (``drop_template``). SQLite, a run without xdist, ``--reuse-db`` and
``--nomigrations`` are left to pytest-django as before.
"""

from __future__ import annotations


def template_name(settings_dict: dict, worker_id: str | None = None) -> str:
    """``test_<name>_template``: the test database's name without the worker's suffix."""
    test_name = settings_dict.get("TEST", {}).get("NAME") or f"test_{settings_dict['NAME']}"
    if worker_id:
        test_name = test_name.removesuffix(f"_{worker_id}")
    return f"{test_name}_template"


def use_template(connection, *, run_id: str, worker_id: str) -> str:
    """Make sure this run's migrated template exists, then have ``connection``'s test database
    made from it. Returns the template's name."""
    name = template_name(connection.settings_dict, worker_id)
    with connection.creation._nodb_cursor() as cursor:
        # Held by this connection until unlocked or closed: one worker migrates, the others wait.
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        try:
            cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
            row = cursor.fetchone()
            if row is None or row[0] != run_id:
                _migrate(connection, name)
                cursor.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(name)} IS %s", [run_id])
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
    connection.settings_dict["TEST"]["TEMPLATE"] = name
    return name


def _migrate(connection, name: str) -> None:
    """A database called ``name``, migrated from nothing as a test database is (an old one of
    that name is dropped first), and no connection left open to it: PostgreSQL copies a template
    only while nobody is connected to it."""
    test_settings = connection.settings_dict["TEST"]
    worker_test_name, old_name = test_settings.get("NAME"), connection.settings_dict["NAME"]
    test_settings["NAME"] = name
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        # Puts the settings' NAME back and closes the connection; keepdb: the template stays.
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=True)
        test_settings["NAME"] = worker_test_name


def drop_template(connection) -> None:
    """Drop the run's template, if a worker made one (called by the controller at the end)."""
    name = template_name(connection.settings_dict)
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
