"""The import_ocds and export_ocds commands."""

import io
import json
import sys
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from commissioning.models import CommissioningCycle
from notices.models import Release
from tests.factories import make_contract, make_team
from tests.ocds_helpers import (
    CLEVELAND_FILE,
    MK_FILE,
    MK_OCID,
    MK_RELEASE_ID,
    make_seed_buyers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


def run(*args, stdin: bytes | None = None, monkeypatch=None):
    out, err = StringIO(), StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    call_command("import_ocds", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_importing_both_seed_files_prints_what_each_release_changed_and_a_second_run_changes_nothing():
    make_seed_buyers()
    make_team(name="Domestic abuse commissioning team")

    out, _ = run(str(MK_FILE), "--team", "Domestic abuse commissioning team")
    run(str(CLEVELAND_FILE), "--team", "Domestic abuse commissioning team")
    again, _ = run(str(MK_FILE), "--all-teams")

    assert f"Imported release {MK_RELEASE_ID} into 'Domestic Abuse Support Services in Milton Keynes'" in out
    assert "  Added lot 1" in out
    assert out.rstrip().endswith("1 imported, 0 already imported, 0 refused")
    assert f"Already imported: release {MK_RELEASE_ID} (nothing changed)" in again
    assert CommissioningCycle.objects.count() == 2


def test_a_dash_reads_standard_input(monkeypatch):
    make_seed_buyers()
    team = make_team()

    out, _ = run("-", "--team", team.name, stdin=MK_FILE.read_bytes(), monkeypatch=monkeypatch)

    assert "1 imported" in out
    assert Release.objects.filter(release_id=MK_RELEASE_ID).exists()


def test_refused_releases_are_listed_and_the_command_fails_after_importing_the_rest(tmp_path):
    make_seed_buyers()
    team = make_team()
    bad = json.loads(CLEVELAND_FILE.read_text())
    del bad["ocid"]
    path = tmp_path / "two.jsonl"
    path.write_text(json.dumps(json.loads(MK_FILE.read_text())) + "\n" + json.dumps(bad) + "\n")
    err = StringIO()

    with pytest.raises(CommandError, match="1 release refused"):
        call_command("import_ocds", str(path), "--team", team.name, stdout=StringIO(), stderr=err)

    assert f"Refused: release {bad['id']} at line 2: $.ocid: is missing" in err.getvalue()
    assert Release.objects.filter(release_id=MK_RELEASE_ID).exists()


def test_an_unknown_team_or_a_missing_file_is_an_error():
    with pytest.raises(CommandError, match="No team is called 'Nobody'"):
        run(str(MK_FILE), "--team", "Nobody")
    with pytest.raises(CommandError, match="Cannot open /no/such/file.json"):
        run("/no/such/file.json", "--all-teams")


def test_the_command_must_be_told_whose_records_it_may_change():
    make_seed_buyers()

    with pytest.raises(CommandError, match="Say whose records the import may change: --team NAME, or --all-teams"):
        run(str(MK_FILE))

    assert not Release.objects.exists()


def test_with_a_team_the_command_changes_no_other_teams_cycle():
    make_seed_buyers()
    ours, theirs = make_team(name="Ours"), make_team(name="Theirs")
    CommissioningCycle.objects.create(name="Their cycle", team=theirs, ocid=MK_OCID)
    err = StringIO()

    with pytest.raises(CommandError, match="1 release refused"):
        call_command("import_ocds", str(MK_FILE), "--team", ours.name, stdout=StringIO(), stderr=err)

    assert f"$.ocid: the cycle with the OCID {MK_OCID} belongs to a team you are not in" in err.getvalue()
    assert not Release.objects.exists()


def test_new_buyers_are_added_only_when_asked():
    team = make_team()
    with pytest.raises(CommandError):
        run(str(MK_FILE), "--team", team.name)

    out, _ = run(str(MK_FILE), "--team", team.name, "--create-buyers")

    assert "Added the buyer Milton Keynes City Council (PPON PLDZ-6131-PWZH)" in out


def test_export_writes_the_named_cycle_and_contract_to_a_file(tmp_path, settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    make_seed_buyers()
    team = make_team()
    run(str(MK_FILE), "--team", team.name)
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    contract = make_contract(reference="OTHER-1")
    path = tmp_path / "out.json"

    out = StringIO()
    call_command("export_ocds", "--cycle", str(cycle.pk), "--contract", "OTHER-1", "--output", str(path), stdout=out)

    assert out.getvalue().strip() == f"Wrote 2 releases to {path}"
    package = json.loads(path.read_text())
    assert [r["ocid"] for r in package["releases"]] == [MK_OCID, f"ocds-a1b2c3-contract-{contract.pk}"]
    with pytest.raises(CommandError, match="Not found: contract NOPE"):
        call_command("export_ocds", "--contract", "NOPE", stdout=StringIO())


def test_export_says_which_named_record_it_left_out_for_want_of_an_ocid(tmp_path, settings):
    settings.OCDS_OCID_PREFIX = ""
    make_seed_buyers()
    team = make_team()
    run(str(MK_FILE), "--team", team.name)
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    make_contract(reference="OTHER-1")
    err = StringIO()

    call_command("export_ocds", "--cycle", str(cycle.pk), "--contract", "OTHER-1", stdout=StringIO(), stderr=err)

    assert err.getvalue().strip() == "Left out, as it has no OCID and OCDS_OCID_PREFIX is not set: contract OTHER-1"
