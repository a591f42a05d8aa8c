"""The export is valid OCDS with no additional fields, and nothing is lost or added on the way round:
import the tracker's own export into a fresh tracker and export again, or import it into the same one.

Validation: the export is checked here with the importer's own validator (the OCDS 1.1.5 release
schema with the declared extensions merged in, notices/ocds/schema.py) and for fields that schema
does not define; tests/test_ocds_cove.py checks it with lib-cove-ocds itself, offline.
"""

import json
from decimal import Decimal

import pytest
import time_machine

from commissioning.models import CommissioningCycle, Milestone
from contracts.models import Contract, Organisation
from notices.models import Conflict, ImportedValue, Lot, Notice, Release
from notices.ocds import exporter, schema
from notices.ocds.loader import Outcome
from notices.ocds.parser import check_release
from tests.factories import make_team
from tests.ocds_helpers import import_bytes
from tests.ocds_publishers import awarded, find_a_tender

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_november_2026():
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        yield


@pytest.fixture
def team():
    return make_team(name="Domestic abuse commissioning team")


def tracked(team) -> CommissioningCycle:
    """A procurement the tracker learnt from its notices: the tender, then the contract signed."""
    tender = find_a_tender("UK4")
    tender["tender"]["lots"][0].update(
        hasRenewal=True,
        renewal={"description": "Two 1-year extensions", "maximumRenewals": 2},
        suitability={"sme": True, "vcse": False},
    )
    outcomes = import_bytes([tender, awarded("UK7")], team=team, create_buyers=True)
    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.IMPORTED], [o.problems for o in outcomes]
    return CommissioningCycle.objects.get()


def exported(cycle) -> dict:
    text = exporter.to_json(exporter.release_package([exporter.cycle_release(cycle)], uri="https://x.example/"))
    return json.loads(text, parse_float=Decimal)


def comparable(release: dict) -> dict:
    return {key: value for key, value in release.items() if key != "date"}


def forget_everything() -> None:
    """A fresh tracker, as far as these records go (the team stays)."""
    Conflict.objects.all().delete()
    Notice.objects.all().delete()
    Lot.objects.all().delete()
    ImportedValue.objects.all().delete()
    Release.objects.all().delete()
    Milestone.objects.all().delete()
    Contract.objects.all().delete()
    CommissioningCycle.objects.all().delete()
    Organisation.objects.all().delete()


def test_the_export_is_valid_with_no_fields_the_schema_does_not_define(team):
    [release] = exported(tracked(team))["releases"]

    assert check_release(release) == []
    assert schema.additional_fields(release) == []


def test_the_export_keeps_the_published_ids_and_puts_the_contract_value_in_the_contract_not_the_lot(team):
    [release] = exported(tracked(team))["releases"]

    assert release["tender"]["id"] == release["ocid"]
    assert (release["awards"][0]["id"], release["contracts"][0]["id"]) == ("AW-1", "CT-1")
    assert release["contracts"][0]["value"] == {"amount": 480000, "currency": "GBP"}
    assert release["tender"]["lots"][0]["value"] == {"amount": 250000, "currency": "GBP"}  # what the tender notice said
    assert "legalBasis" not in release["tender"]


def test_a_contract_change_notices_amendment_goes_under_the_contracts_amendments(team):
    cycle = tracked(team)
    notice = Notice.objects.create(
        notice_type="UK10",
        fts_notice_id="0UK10-2027",
        ocid=cycle.ocid,
        published_at=cycle.releases.first().date,
        amendment="Extra refuge places",
        cycle=cycle,
    )
    notice.contracts.add(Contract.objects.get())

    [release] = exported(cycle)["releases"]

    assert release["contracts"][0]["amendments"] == [{"id": "0UK10-2027", "description": "Extra refuge places"}]
    assert "amendments" not in release["tender"]


def test_importing_the_export_into_a_fresh_tracker_and_exporting_again_gives_the_same_release(team):
    [first] = exported(tracked(team))["releases"]
    assert first["tender"]["lots"][0]["suitability"] == {"sme": True, "vcse": False}  # kept with the contract
    forget_everything()

    [outcome] = import_bytes(first, team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED, outcome.problems
    [again] = exported(CommissioningCycle.objects.get())["releases"]
    assert comparable(again) == comparable(first)


def test_importing_the_export_into_the_same_tracker_changes_nothing_and_adds_no_text(team):
    cycle = tracked(team)
    [release] = exported(cycle)["releases"]
    descriptions = dict(Milestone.objects.values_list("pk", "description"))
    contract_history, milestone_history = Contract.history.count(), Milestone.history.count()
    lots = list(Lot.objects.values_list("lot_id", "value"))
    conflicts = Conflict.objects.count()

    [outcome] = import_bytes(release, team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED, outcome.problems
    assert dict(Milestone.objects.values_list("pk", "description")) == descriptions
    assert (Contract.history.count(), Milestone.history.count()) == (contract_history, milestone_history)
    assert list(Lot.objects.values_list("lot_id", "value")) == lots
    assert Conflict.objects.count() == conflicts
    [again] = exported(cycle)["releases"]
    assert comparable(again) == comparable(release)
