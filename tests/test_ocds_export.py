"""Exporting contracts and cycles as OCDS 1.1 release packages, checked against the official schema.

Every package is validated against the release-package schema, with the release schema and the
lots, renewal, communication and UK extensions merged in, from the tests' own copy of those files
(tests/fixtures/ocds/schema, see its SOURCE.md), not the importer's.
"""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import json_merge_patch
import pytest
import time_machine
from django.core.management import call_command
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from commissioning.models import CommissioningCycle, Milestone
from notices.models import Notice
from notices.ocds import exporter
from notices.ocds.loader import Outcome
from tests.factories import (
    make_contract,
    make_cycle,
    make_milestone,
    make_organisation,
    make_team,
)
from tests.ocds_helpers import (
    CLEVELAND_FILE,
    FIXTURES,
    MK_FILE,
    MK_OCID,
    import_bytes,
    make_seed_buyers,
)

pytestmark = pytest.mark.django_db

SCHEMA = FIXTURES / "schema"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def load(path):
    return json.loads(path.read_text())


def package_validator() -> Draft4Validator:
    release_schema = load(SCHEMA / "1.1.5" / "release-schema.json")
    for name in ("lots", "renewal", "communication", "uk"):
        release_schema = json_merge_patch.merge(
            release_schema, load(SCHEMA / "extensions" / name / "release-schema.json")
        )
    registry = Registry().with_resource(
        RELEASE_SCHEMA_URL, Resource.from_contents(release_schema, default_specification=DRAFT4)
    )
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_rfc3339(value):
        return not isinstance(value, str) or datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    return Draft4Validator(
        load(SCHEMA / "1.1.5" / "release-package-schema.json"), registry=registry, format_checker=checker
    )


def assert_valid(package_text: str) -> dict:
    package = json.loads(package_text, parse_float=Decimal)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in package_validator().iter_errors(package)]
    assert errors == []
    return package


@pytest.fixture(autouse=True)
def in_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield


@pytest.fixture
def seeded():
    """Both seed notices imported onto cycles of their own, as a fresh tracker would have them."""
    make_seed_buyers()
    team = make_team(name="Domestic abuse commissioning team")
    for path in (MK_FILE, CLEVELAND_FILE):
        assert [o.status for o in import_bytes(path.read_bytes(), team=team)] == [Outcome.IMPORTED]
    return team


def test_the_schema_the_tests_use_passes_both_seed_releases_and_refuses_a_broken_one():
    releases = [json.loads(path.read_text()) for path in (MK_FILE, CLEVELAND_FILE)]
    package = {
        "uri": "https://example.org/p",
        "publishedDate": "2026-06-02T13:31:21+01:00",
        "version": "1.1",
        "publisher": {"name": "Example"},
        "releases": releases,
    }
    assert list(package_validator().iter_errors(package)) == []
    releases[0]["tender"]["lots"][0]["contractPeriod"]["endDate"] = "2032-02-29"
    assert list(package_validator().iter_errors(package)) != []


def test_a_cycle_exports_as_a_valid_release_package_with_its_lot_milestones_and_notices(seeded):
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)

    text = exporter.to_json(exporter.release_package([exporter.cycle_release(cycle)], uri="https://tracker.example/x"))

    package = assert_valid(text)
    [release] = package["releases"]
    assert release["ocid"] == MK_OCID
    lot = release["tender"]["lots"][0]
    assert lot["contractPeriod"] == {
        "startDate": "2027-03-01T00:00:00+00:00",
        "endDate": "2032-02-29T23:59:59+00:00",
        "maxExtentDate": "2034-02-28T23:59:59+00:00",
    }
    assert release["tender"]["specialRegime"] == ["lightTouch"]
    # The notice's amountGross: the estimated value including VAT (tests/test_ocds_vat.py).
    assert release["tender"]["value"] == {"amountGross": 4400000, "currency": "GBP"}
    assert release["tender"]["communication"] == {"futureNoticeDate": "2026-07-06T23:59:59+01:00"}
    assert [(d["noticeType"], d["id"]) for d in release["planning"]["documents"]] == [
        ("UK1", "062060-2025"),
        ("UK2", "017566-2026"),
    ]
    [engagement] = release["planning"]["milestones"]
    assert (engagement["id"], engagement["type"], engagement["dueDate"]) == (
        "engagement",
        "engagement",
        "2026-03-12T23:59:59+00:00",
    )
    assert release["buyer"]["id"] == "GB-PPON-PLDZ-6131-PWZH"


def test_a_contract_exports_with_its_renewal_options_and_supplier(settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    buyer = make_organisation(name="Milton Keynes City Council", role="buyer", ppon_id="PLDZ-6131-PWZH")
    contract = make_contract(
        reference="MK-DASS-2027",
        buyer=buyer,
        start_date=date(2027, 3, 1),
        initial_term_months=60,
        max_extent_date=date(2034, 2, 28),
        option_months=(12, 12),
        total_value=Decimal("4400000"),
        is_light_touch=True,
    )
    make_milestone(contract=contract, title="Mobilisation review", kind="other", due_on=date(2027, 4, 15))

    package = assert_valid(
        exporter.to_json(exporter.release_package([exporter.contract_release(contract)], uri="https://x.example/"))
    )

    [release] = package["releases"]
    assert release["ocid"] == f"ocds-a1b2c3-contract-{contract.pk}"
    lot = release["tender"]["lots"][0]
    assert lot["hasRenewal"] is True
    assert lot["renewal"] == {
        "description": "2 extension options: 1 year, 1 year",
        "maximumRenewals": 2,
        "period": {"durationInMonths": 24},
    }
    assert release["contracts"][0]["period"]["endDate"] == "2032-02-29T23:59:59+00:00"
    assert release["awards"][0]["suppliers"][0]["name"] == contract.provider.name
    assert [m["title"] for m in release["planning"]["milestones"]] == ["Mobilisation review"]


def test_a_timed_milestone_is_exported_in_london_time_with_its_offset(settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    cycle = make_cycle()
    make_milestone(cycle=cycle, title="Event", kind="provider_event", due_at=datetime(2026, 6, 8, 9, 0, tzinfo=UTC))

    package = assert_valid(
        exporter.to_json(exporter.release_package([exporter.cycle_release(cycle)], uri="https://x.example/"))
    )

    assert package["releases"][0]["planning"]["milestones"][0]["dueDate"] == "2026-06-08T10:00:00+01:00"


def test_everything_exports_as_one_valid_package_from_the_command(seeded, settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    make_contract(reference="OTHER-1")

    out = StringIO()
    call_command("export_ocds", stdout=out)

    package = assert_valid(out.getvalue())
    ocids = [release["ocid"] for release in package["releases"]]
    assert MK_OCID in ocids and "ocds-h6vhtk-06a838" in ocids
    assert any(ocid.startswith("ocds-a1b2c3-contract-") for ocid in ocids)
    assert len({(r["ocid"], r["id"]) for r in package["releases"]}) == len(package["releases"])


def dates_of(cycle) -> set[tuple]:
    return {(m.kind, m.due_on, m.due_at) for m in cycle.milestones.filter(duty__isnull=True)}


def test_export_then_reimport_into_a_fresh_tracker_gives_the_same_dates(seeded):
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    make_milestone(
        cycle=cycle, title="Provider event", kind="provider_event", due_at=datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    )
    before = dates_of(cycle)
    lot_before = cycle.lots.values_list("start_date", "end_date", "max_extent_date").get()
    text = exporter.to_json(exporter.release_package([exporter.cycle_release(cycle)], uri="https://x.example/"))
    team = cycle.team
    Notice.objects.all().delete()
    CommissioningCycle.objects.all().delete()
    from notices.models import Release

    Release.objects.all().delete()

    [outcome] = import_bytes(text.encode(), team=team)

    assert outcome.status == Outcome.IMPORTED, outcome.problems
    again = CommissioningCycle.objects.get(ocid=MK_OCID)
    assert dates_of(again) == before
    assert again.lots.values_list("start_date", "end_date", "max_extent_date").get() == lot_before
    assert (again.estimated_value, again.is_light_touch, again.target_start_date) == (
        Decimal("4400000"),
        True,
        date(2027, 3, 1),
    )


def test_reimporting_an_export_into_the_same_tracker_changes_no_date(seeded):
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    before = dates_of(cycle)
    history = Milestone.history.count()
    text = exporter.to_json(exporter.release_package([exporter.cycle_release(cycle)], uri="https://x.example/"))

    [outcome] = import_bytes(text.encode())

    assert outcome.status == Outcome.IMPORTED
    assert dates_of(cycle) == before
    assert Milestone.history.count() == history


def test_without_a_registered_prefix_a_record_with_no_ocid_is_left_out_not_given_an_invented_one(seeded, settings):
    settings.OCDS_OCID_PREFIX = ""
    make_contract(reference="OTHER-1")

    out = StringIO()
    call_command("export_ocds", stdout=out)

    ocids = [release["ocid"] for release in assert_valid(out.getvalue())["releases"]]
    assert MK_OCID in ocids
    assert not any("local" in ocid or "contract-" in ocid for ocid in ocids)
