"""The documented backup and restore (docs/deployment.md), done for real on PostgreSQL."""

import subprocess
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.system]

TABLES = [
    "contracts_contract",
    "contracts_extensionoption",
    "commissioning_milestone",
    "commissioning_commissioningcycle",
    "reminders_reminder",
    "contracts_historicalcontract",
    "contracts_historicalextensionoption",
    "commissioning_historicalmilestone",
]


def conninfo(name: str) -> str:
    settings = connection.settings_dict
    return (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} user={settings['USER']} dbname={name}"
    )


def fingerprint(name: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row, table by table."""
    result = {}
    with psycopg.connect(conninfo(name)) as conn:
        for table in TABLES:
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
            ).fetchone()
            result[table] = (count, digest)
    return result


def test_a_dump_restored_into_a_fresh_database_has_every_row_intact(tmp_path, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the backup procedure is PostgreSQL's pg_dump and pg_restore; CI runs this on PostgreSQL")
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_PASSWORD", "a-demo-password-for-tests")
    call_command("load_demo")
    source = connection.settings_dict["NAME"]
    before = fingerprint(source)
    assert before["contracts_contract"][0] > 5 and before["reminders_reminder"][0] > 0

    dump = tmp_path / "tracker.dump"
    settings_dict = connection.settings_dict
    common = [
        "--host",
        settings_dict["HOST"] or "127.0.0.1",
        "--port",
        str(settings_dict["PORT"] or 5432),
        "--username",
        settings_dict["USER"],
    ]
    subprocess.run(["pg_dump", *common, "--format=custom", "--no-owner", f"--file={dump}", source], check=True)
    restored = f"restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(["pg_restore", *common, "--no-owner", f"--dbname={restored}", str(dump)], check=True)
        assert fingerprint(restored) == before
    finally:
        with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
