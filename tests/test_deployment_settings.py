"""Settings for outgrowing one machine (issue 24): stored files on S3-compatible object storage,
a connection pool, and Celery queues that keep reminders apart from PDFs and spreadsheets.

Settings are read once per process, so each configuration is tried in a fresh Python process
with only the variables the test names; nothing here reaches the network.
"""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest.mock import MagicMock

import pytest

from tests.test_environment import last_line

PROJECT = Path(__file__).resolve().parent.parent

# Variables that would change what the settings say, removed before each run.
SETTING_VARIABLES = (
    "DJANGO_ENV",
    "STORAGE_BACKEND",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_LOCATION",
    "AWS_S3_ADDRESSING_STYLE",
    "DATABASE_POOL_MAX_SIZE",
    "DATABASE_POOL_MIN_SIZE",
    "DATABASE_POOL_TIMEOUT_SECONDS",
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS",
    "DATABASE_CONN_MAX_AGE",
)

SETUP = "import os, json, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()\n"


def settings_process(code: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_VARIABLES and k != "DJANGO_SETTINGS_MODULE"}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", SETUP + code], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )


def settings_json(code: str, **variables: str):
    result = settings_process(code, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


S3 = {
    "STORAGE_BACKEND": "s3",
    "AWS_STORAGE_BUCKET_NAME": "tracker-files",
    "AWS_S3_ENDPOINT_URL": "https://objects.example.gov.uk",
    "AWS_S3_REGION_NAME": "eu-west-2",
    "AWS_LOCATION": "milton-keynes",
    "AWS_S3_ADDRESSING_STYLE": "path",
    # boto3 signs URLs locally with whatever keys it is given; no request is made.
    "AWS_ACCESS_KEY_ID": "test-key-id",
    "AWS_SECRET_ACCESS_KEY": "test-secret",
}

DESCRIBE_STORAGE = """
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "class": f"{type(storage).__module__}.{type(storage).__qualname__}",
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "region": getattr(storage, "region_name", None),
    "location": getattr(storage, "location", None),
    "overwrite": getattr(storage, "file_overwrite", None),
    "acl": getattr(storage, "default_acl", "none given"),
    "signed": getattr(storage, "querystring_auth", None),
    "url": storage.url("exports/abc/contract-register-2026-11-22.xlsx"),
}))
"""


def test_stored_files_go_to_the_local_file_system_unless_told_otherwise():
    described = settings_json(DESCRIBE_STORAGE)

    assert described["class"] == "django.core.files.storage.filesystem.FileSystemStorage"


def test_storage_backend_s3_builds_an_s3_storage_for_the_named_bucket_endpoint_and_folder():
    described = settings_json(DESCRIBE_STORAGE, **S3)

    assert described["class"] == "storages.backends.s3.S3Storage"
    assert described["bucket"] == "tracker-files"
    assert described["endpoint"] == "https://objects.example.gov.uk"
    assert described["region"] == "eu-west-2"
    assert described["location"] == "milton-keynes"
    # Like the file system: a second file of the same name is kept beside the first.
    assert described["overwrite"] is False
    # Private objects, reached only through short-lived signed addresses.
    assert described["acl"] is None and described["signed"] is True
    url = described["url"]
    assert url.startswith("https://objects.example.gov.uk/tracker-files/milton-keynes/exports/abc/"), url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url


def test_storage_backend_s3_without_a_bucket_refuses_to_start_naming_the_variable():
    result = settings_process("", STORAGE_BACKEND="s3")

    assert result.returncode != 0
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND=s3"
    )


def test_an_unknown_storage_backend_refuses_to_start():
    result = settings_process("", STORAGE_BACKEND="ftp")

    assert result.returncode != 0
    assert "STORAGE_BACKEND must be 'filesystem' or 's3', not 'ftp'" in last_line(result)


DESCRIBE_DATABASE = """
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({
    "pool": database.get("OPTIONS", {}).get("pool"),
    "conn_max_age": database["CONN_MAX_AGE"],
    "no_server_side_cursors": database["DISABLE_SERVER_SIDE_CURSORS"],
}))
"""

POSTGRES = "postgres://tracker@db.example.gov.uk:5432/tracker"


def test_the_psycopg_pool_settings_are_read_into_the_database_options():
    described = settings_json(
        DESCRIBE_DATABASE,
        DATABASE_URL=POSTGRES,
        DATABASE_POOL_MAX_SIZE="8",
        DATABASE_POOL_MIN_SIZE="2",
        DATABASE_POOL_TIMEOUT_SECONDS="5",
        DATABASE_CONN_MAX_AGE="60",
    )

    assert described["pool"] == {"min_size": 2, "max_size": 8, "timeout": 5.0}
    # Django refuses persistent connections beside a pool.
    assert described["conn_max_age"] == 0


QUERY_THROUGH_THE_POOL = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("select 41 + 1")
    answer = cursor.fetchone()[0]
print(json.dumps({"pool": type(connection.pool).__name__, "answer": answer}))
"""


def test_a_query_goes_through_psycopgs_pool_on_the_real_database():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("psycopg's pool is PostgreSQL's; CI runs this on PostgreSQL")
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"

    described = settings_json(QUERY_THROUGH_THE_POOL, DATABASE_URL=url, DATABASE_POOL_MAX_SIZE="2")

    assert described == {"pool": "ConnectionPool", "answer": 42}


def test_without_a_pool_size_there_is_no_pool_and_pgbouncer_can_turn_off_server_side_cursors():
    plain = settings_json(DESCRIBE_DATABASE, DATABASE_URL=POSTGRES)
    behind_pgbouncer = settings_json(
        DESCRIBE_DATABASE, DATABASE_URL=POSTGRES, DATABASE_CONN_MAX_AGE="0", DATABASE_DISABLE_SERVER_SIDE_CURSORS="true"
    )

    assert plain["pool"] is None and plain["no_server_side_cursors"] is False
    assert behind_pgbouncer == {"pool": None, "conn_max_age": 0, "no_server_side_cursors": True}


def test_a_pool_on_sqlite_refuses_to_start():
    result = settings_process("", DATABASE_URL="sqlite:///pool.sqlite3", DATABASE_POOL_MAX_SIZE="4")

    assert result.returncode != 0
    assert "DATABASE_POOL_MAX_SIZE needs a PostgreSQL DATABASE_URL" in last_line(result)


# --- Celery queues ----------------------------------------------------------------------------

EXPECTED_QUEUES = {
    "reminders.tasks.sweep_reminders": "reminders",
    "reminders.tasks.plan_all_reminders": "reminders",
    "reminders.tasks.send_weekly_digests": "reminders",
    "reports.tasks.render_meeting_pack": "heavy",
    "exports.tasks.make_spreadsheet": "heavy",
    "exports.tasks.delete_expired_spreadsheets": "default",
    "notices.tasks.import_ocds_upload": "heavy",
    "registers.tasks.register_import_preview": "heavy",
    "registers.tasks.register_import_commit": "heavy",
    "notices.tasks.sync_notices": "default",
    "notices.tasks.send_market_emails": "default",
    "commissioning.tasks.refresh_ratings": "heavy",
}


@pytest.fixture
def sent_to_queue(monkeypatch):
    """Each task queued with .delay(), with the queue its message went to (no broker needed)."""
    from config.celery import app

    app.loader.import_default_modules()
    sent = {}

    def send_task_message(producer, name, message, **options):
        queue = options.get("queue")
        sent[name] = queue.name if queue is not None else options.get("routing_key")

    monkeypatch.setattr(app.amqp, "send_task_message", send_task_message)
    return app, sent


def test_every_task_is_queued_on_its_own_queue_so_reminders_never_wait_behind_pdfs_or_spreadsheets(sent_to_queue):
    app, sent = sent_to_queue
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    # A new task must be given a queue here (and a route in settings if it is not "default").
    assert ours == sorted(EXPECTED_QUEUES)

    for name in ours:
        task = app.tasks[name]
        task.apply_async(args=[0] * len(inspect.signature(task.run).parameters), producer=MagicMock())

    assert sent == EXPECTED_QUEUES


def test_beat_sends_the_reminder_sweep_to_the_reminders_queue(sent_to_queue, settings):
    app, sent = sent_to_queue

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        app.send_task(entry["task"], producer=MagicMock())

    assert sent["reminders.tasks.sweep_reminders"] == "reminders"
    assert sent["reminders.tasks.plan_all_reminders"] == "reminders"
    assert sent["reminders.tasks.send_weekly_digests"] == "reminders"


def test_a_worker_started_without_queues_takes_all_three(settings):
    from config.celery import app

    assert set(app.amqp.queues) == {"reminders", "default", "heavy"}
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"


def test_the_procfile_runs_one_worker_for_each_queue_and_development_one_for_all(settings):
    queues = set(settings.CELERY_TASK_QUEUES)

    def workers(procfile: str) -> list[set[str]]:
        lines = (PROJECT / procfile).read_text().splitlines()
        found = []
        for line in lines:
            if " worker " in line and not line.startswith("#"):
                taken = line.split(" -Q ", 1)[1].split()[0] if " -Q " in line else ""
                found.append(set(taken.split(",")))
        return found

    assert sorted(map(sorted, workers("Procfile"))) == [["default"], ["heavy"], ["reminders"]]
    assert workers("Procfile.dev") == [queues]
    unit = (PROJECT / "deploy/systemd/commissioning-tracker-worker@.service").read_text()
    assert " -Q %i " in unit and all(f"commissioning-tracker-worker@{queue}" in unit for queue in queues)
