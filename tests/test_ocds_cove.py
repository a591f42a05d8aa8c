"""The export passes lib-cove-ocds, the standard's own validator, with 0 errors and no additional fields:
the demo's whole export, and a procurement's export after a round trip through a fresh tracker.

lib-cove-ocds runs offline (tests/ocds_cove.py): the schema and the extensions the export declares
are read from notices/ocds/schema/, and a test that would fetch anything fails.
"""

import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from notices.ocds import exporter
from notices.ocds.loader import Outcome
from tests.factories import make_team
from tests.ocds_cove import WouldFetch, cove, offline
from tests.ocds_helpers import import_bytes
from tests.test_ocds_round_trip import exported, forget_everything, tracked

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_november_2026():
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        yield


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    monkeypatch.setenv("DEMO_PASSWORD", "correct-horse-battery")
    call_command("load_demo", stdout=StringIO())


def problems(report: dict) -> dict:
    """What lib-cove-ocds found wrong: validation errors, fields no schema defines, a schema it could not build,
    codes outside the standard's and the extensions' codelists (closed or open)."""
    return {
        "validation errors": report.get("validation_errors", []),
        "additional fields": report.get("additional_fields", []),
        "extensions it could not read": report.get("invalid_extension", {}),
        "schema errors": report.get("json_deref_error"),
        "codes outside closed codelists": report.get("additional_closed_codelist_values", {}),
        "codes outside open codelists": report.get("additional_open_codelist_values", {}),
    }


NOTHING_WRONG = {
    "validation errors": [],
    "additional fields": [],
    "extensions it could not read": {},
    "schema errors": None,
    "codes outside closed codelists": {},
    "codes outside open codelists": {},
}


def test_the_demos_export_passes_lib_cove_ocds_with_no_errors_and_no_additional_fields(demo, monkeypatch):
    out = StringIO()
    call_command("export_ocds", stdout=out)
    package = json.loads(out.getvalue(), parse_float=Decimal)
    assert len(package["releases"]) >= 2

    with offline(monkeypatch) as asked:
        report = cove(package)

    assert problems(report) == NOTHING_WRONG
    assert report["extensions"]["extensions"], "the declared extensions were read and applied"
    assert len(set(asked)) == len(exporter.EXTENSIONS), "each declared extension read once, from the repository"


def test_a_procurement_exported_imported_into_a_fresh_tracker_and_exported_again_passes_lib_cove_ocds(monkeypatch):
    team = make_team(name="Domestic abuse commissioning team")
    first = exported(tracked(team))
    forget_everything()
    assert [o.status for o in import_bytes(first, team=team, create_buyers=True)] == [Outcome.IMPORTED]
    from commissioning.models import CommissioningCycle

    again = exported(CommissioningCycle.objects.get())

    with offline(monkeypatch):
        report = cove(again)

    assert problems(report) == NOTHING_WRONG
    assert again["releases"][0]["awards"] and again["releases"][0]["contracts"]


def test_lib_cove_ocds_is_never_let_onto_the_network(monkeypatch):
    package = exporter.release_package([], uri="https://x.example/")
    package["extensions"] = [*package["extensions"], "https://example.org/ocds_unknown_extension/extension.json"]

    with offline(monkeypatch), pytest.raises(WouldFetch, match="example.org"):
        cove(package)


def test_a_lot_suitable_for_smes_and_vcses_exports_under_the_suitability_extension_it_declares(monkeypatch):
    from tests.ocds_publishers import awarded, find_a_tender

    team = make_team(name="Domestic abuse commissioning team")
    tender = find_a_tender("UK4")
    tender["tender"]["lots"][0]["suitability"] = {"sme": True, "vcse": False}
    assert [o.status for o in import_bytes([tender, awarded("UK7")], team=team, create_buyers=True)] == [
        Outcome.IMPORTED,
        Outcome.IMPORTED,
    ]
    from commissioning.models import CommissioningCycle

    package = exported(CommissioningCycle.objects.get())
    assert package["releases"][0]["tender"]["lots"][0]["suitability"] == {"sme": True, "vcse": False}

    with offline(monkeypatch):
        report = cove(package)

    assert problems(report) == NOTHING_WRONG


def test_lib_cove_ocds_checks_codes_against_the_standards_and_the_uk_extensions_codelists(monkeypatch):
    """The codelists are the stored CSV files, not made from the schema: a code the standard's or the UK
    extension's open codelist lists passes, an invented one is reported."""
    team = make_team(name="Domestic abuse commissioning team")
    package = exported(tracked(team))
    documents = package["releases"][0]["tender"]["documents"]
    documents[0]["documentType"] = "tenderNotice"  # the standard's documentType codelist
    documents.append(
        {**documents[0], "id": "extra-1", "documentType": "tenderCancellationNotice"}
    )  # the UK's +documentType
    documents.append({**documents[0], "id": "extra-2", "documentType": "minutesOfTheCouncil"})  # no codelist's

    with offline(monkeypatch):
        report = cove(package)

    open_codes = report.get("additional_open_codelist_values", {})
    assert list(open_codes) == ["releases/tender/documents/documentType"]
    assert open_codes["releases/tender/documents/documentType"]["values"] == ["minutesOfTheCouncil"]
    assert report.get("additional_closed_codelist_values", {}) == {}
