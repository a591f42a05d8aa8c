"""The settings fail loudly: CI really runs on PostgreSQL, and production refuses to start half set up."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.system

PROJECT = Path(__file__).resolve().parent.parent

# The variables a production start reads; each test says which of them are set.
PRODUCTION_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_DEBUG", "DJANGO_ENV", "DJANGO_SETTINGS_MODULE")

SETUP = "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}


@pytest.mark.skipif(not in_ci(), reason="only CI (CI=true) promises PostgreSQL")
def test_ci_runs_the_tests_on_postgresql_not_sqlite():
    # .ci/run sets CI=true and DATABASE_URL; if the URL were lost, Django would quietly use
    # SQLite and the PostgreSQL-only behaviour would go untested.
    assert connection.vendor == "postgresql", (
        f"CI is set but the tests ran on {connection.vendor}; is DATABASE_URL set?"
    )


def run_production(code_or_args: list[str], **variables: str) -> subprocess.CompletedProcess:
    """Run Python in a fresh process with DJANGO_ENV=production and only the given variables."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_VARIABLES}
    env.update(DJANGO_ENV="production", **variables)
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_line(result: subprocess.CompletedProcess) -> str:
    """The exception a failed start ends with (the last line of its traceback)."""
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def test_production_refuses_to_start_without_a_secret_key():
    result = run_production(["-c", SETUP], ALLOWED_HOSTS="tracker.example.gov.uk")

    assert result.returncode != 0
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must be set when DJANGO_ENV=production"
    )


def test_production_refuses_to_start_with_an_empty_secret_key():
    result = run_production(["-c", SETUP], SECRET_KEY="  ", ALLOWED_HOSTS="tracker.example.gov.uk")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in last_line(result)


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_production(["-c", SETUP], SECRET_KEY=secrets.token_urlsafe(64))

    assert result.returncode != 0
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: ALLOWED_HOSTS must be set when DJANGO_ENV=production"
    )


def test_production_refuses_to_start_in_debug_mode():
    result = run_production(
        ["-c", SETUP],
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="tracker.example.gov.uk",
        DJANGO_DEBUG="true",
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_DEBUG must be off" in last_line(result)


def test_production_with_its_variables_set_passes_the_deployment_checks():
    result = run_production(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="tracker.example.gov.uk",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
