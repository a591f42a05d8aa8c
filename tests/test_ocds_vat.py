"""VAT in published values: Find a Tender gives a value without VAT (``amount``) and with it
(the UK extension's ``amountGross``). The Procurement Act tests thresholds against the estimated
value including VAT (Schedule 3), so the tracker takes the gross amount as including VAT, keeps
an ``amount`` alone with VAT unknown, and exports a value recorded with VAT as ``amountGross``.

Before, the import took ``amount`` and left VAT unknown, which the thresholds read as including
VAT: a £190,000 service (£228,000 with VAT) was classed below the £207,720 threshold.
"""

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from commissioning.models import CommissioningCycle
from contracts.models import Contract
from notices.models import Conflict
from notices.ocds import exporter
from notices.ocds.loader import Outcome
from notices.services import conflict_resolve
from notices.thresholds import Regime, classify_contract
from tests.factories import make_team, make_user
from tests.ocds_helpers import import_bytes
from tests.ocds_publishers import awarded, contracts_finder, find_a_tender

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def team():
    return make_team(name="Domestic abuse commissioning team")


def goods_and_services(net: str, gross: str | None) -> dict:
    """A Find a Tender tender notice for services outside the light-touch regime."""
    release = find_a_tender("UK4")
    release["tender"]["specialRegime"] = []
    release["tender"]["value"] = {"amount": Decimal(net), "currency": "GBP"}
    if gross is not None:
        release["tender"]["value"]["amountGross"] = Decimal(gross)
    return release


def regime(cycle: CommissioningCycle) -> Regime:
    return classify_contract(
        value=cycle.estimated_value,
        includes_vat=cycle.estimated_value_includes_vat,
        light_touch=cycle.is_light_touch,
        procurement_started_on=date(2026, 5, 1),
    ).regime


def test_the_gross_amount_is_the_estimated_value_including_vat_and_puts_the_procurement_above_the_threshold(team):
    [outcome] = import_bytes(goods_and_services("190000", "228000"), team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED, outcome.problems
    cycle = CommissioningCycle.objects.get()
    assert (cycle.estimated_value, cycle.estimated_value_includes_vat) == (Decimal("228000.00"), True)
    assert regime(cycle) == Regime.STANDARD


def test_an_amount_alone_is_kept_with_vat_not_said(team):
    [outcome] = import_bytes(contracts_finder(), team=team, create_buyers=True)

    assert outcome.status == Outcome.IMPORTED, outcome.problems
    cycle = CommissioningCycle.objects.get()
    assert (cycle.estimated_value, cycle.estimated_value_includes_vat) == (Decimal("180000.00"), None)


def test_a_contracts_gross_value_is_its_total_value_including_vat(team):
    award = awarded("UK7", amount="400000")
    award["contracts"][0]["value"]["amountGross"] = Decimal("480000")

    import_bytes([find_a_tender("UK4"), award], team=team, create_buyers=True)

    contract = Contract.objects.get()
    assert (contract.total_value, contract.value_includes_vat) == (Decimal("480000.00"), True)


def test_a_later_gross_value_follows_with_its_vat_and_the_officers_choice_carries_it(team):
    import_bytes(goods_and_services("150000", None), team=team, create_buyers=True)
    cycle = CommissioningCycle.objects.get()
    assert (cycle.estimated_value, cycle.estimated_value_includes_vat) == (Decimal("150000.00"), None)
    later = goods_and_services("190000", "228000")
    later["id"], later["date"] = f"{later['ocid']}-later", "2026-05-10T09:00:00+01:00"
    later["tender"]["documents"][0].update(id="0later-2026", datePublished="2026-05-10T09:00:00+01:00")

    import_bytes(later, team=team, create_buyers=True)  # nobody changed the value: it follows

    cycle.refresh_from_db()
    assert (cycle.estimated_value, cycle.estimated_value_includes_vat) == (Decimal("228000.00"), True)

    cycle.estimated_value, cycle.estimated_value_includes_vat = Decimal("200000"), False  # the officer's figure
    cycle.save()
    latest = goods_and_services("200000", "240000")
    latest["id"], latest["date"] = f"{latest['ocid']}-latest", "2026-05-15T09:00:00+01:00"
    latest["tender"]["documents"][0].update(id="0latest-2026", datePublished="2026-05-15T09:00:00+01:00")
    import_bytes(latest, team=team, create_buyers=True)
    conflict = Conflict.objects.get(status=Conflict.Status.OPEN)

    conflict_resolve(conflict=conflict, use_notice=True, officer=make_user(username="officer"))

    cycle.refresh_from_db()
    assert (cycle.estimated_value, cycle.estimated_value_includes_vat) == (Decimal("240000.00"), True)


def test_a_value_with_vat_is_exported_as_the_gross_amount_and_read_back_the_same(team):
    import_bytes(goods_and_services("190000", "228000"), team=team, create_buyers=True)
    cycle = CommissioningCycle.objects.get()

    [release] = json.loads(
        exporter.to_json(exporter.release_package([exporter.cycle_release(cycle)], uri="https://x/"))
    )["releases"]
    assert release["tender"]["value"] == {"amountGross": 228000, "currency": "GBP"}

    cycle.estimated_value_includes_vat = False
    cycle.save()
    [release] = json.loads(
        exporter.to_json(exporter.release_package([exporter.cycle_release(cycle)], uri="https://x/"))
    )["releases"]
    assert release["tender"]["value"] == {"amount": 228000, "currency": "GBP"}


@pytest.mark.parametrize("where", ["awards", "contracts"])
def test_an_award_or_contract_value_too_large_to_keep_is_refused_naming_it(team, where):
    award = awarded("UK7")
    award[where][0]["value"]["amountGross"] = Decimal("10000000000000")

    outcomes = import_bytes([find_a_tender("UK4"), award], team=team, create_buyers=True)

    assert outcomes[1].status == Outcome.REFUSED
    assert any(
        f"$.{where}[0].value.amountGross" in problem and "more than the tracker can hold" in problem
        for problem in outcomes[1].problems
    ), outcomes[1].problems
    assert not Contract.objects.exists()
