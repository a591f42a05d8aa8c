"""The API says what the model now records: the nation whose rules apply, the date a contract was
signed, the Local Government Transparency Code's fields, the contract's regime under the
Procurement Act 2023, and a cycle's direct award and VAT basis."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from api.services import api_token_create
from contracts import roles
from contracts.models import Contract
from notices.models import Notice
from notices.selectors import contract_classification
from tests.factories import make_contract, make_cycle, make_organisation, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def team():
    return make_team(name="Domestic abuse team")


@pytest.fixture
def api(client, team):
    """A viewer of ``team`` reading through a token, as a script would."""
    _, key = api_token_create(user=make_user(role=roles.VIEWER, teams=[team]), name="Script")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, response.content
        return response.json()

    return get


def listed(api, reference: str) -> dict:
    return next(row for row in api("/api/v1/contracts/?page_size=100")["results"] if row["reference"] == reference)


def test_a_welsh_contract_says_its_nation_the_day_it_was_signed_and_its_transparency_code_fields(api, team):
    provider = make_organisation(
        name="Cymorth Refuge", is_sme=True, is_vcse=True, charity_number="1122334", company_number="07654321"
    )
    contract = make_contract(
        reference="WAL-REFUGE",
        team=team,
        provider=provider,
        nation=Contract.Nation.WALES,
        date_signed=date(2027, 1, 15),
        procurement_route=Contract.ProcurementRoute.PUBLISHED_TENDER,
        non_recoverable_vat=Decimal("1250.50"),
        review_date=date(2028, 3, 1),
        value_includes_vat=False,
    )

    for body in (api(f"/api/v1/contracts/{contract.pk}/"), listed(api, "WAL-REFUGE")):
        assert body["nation"] == "Wales"
        assert body["date_signed"] == "2027-01-15"
        assert body["procurement_route"] == "published_tender"
        assert body["non_recoverable_vat"] == "1250.50"
        assert body["review_date"] == "2028-03-01"
        assert body["value_includes_vat"] is False
        assert body["provider"] == {
            "id": provider.pk,
            "name": "Cymorth Refuge",
            "is_sme": True,
            "is_vcse": True,
            "company_number": "07654321",
            "charity_number": "1122334",
        }


def test_a_contract_with_nothing_recorded_says_so_with_nulls_and_england(api, team):
    contract = make_contract(reference="BARE", team=team, provider=None)

    body = api(f"/api/v1/contracts/{contract.pk}/")

    assert (body["nation"], body["date_signed"], body["procurement_route"]) == ("England", None, "")
    assert (body["non_recoverable_vat"], body["review_date"], body["value_includes_vat"]) == (None, None, None)
    assert body["provider"] is None


def test_the_procurement_act_regime_is_the_one_the_contract_page_gives(api, team):
    """£210,000 with VAT is under the threshold of a procurement started in 2025 (£214,904) and over
    that of one started in 2026 (£207,720): the first notice of the cycle that procured it decides."""
    procured_in_2025 = make_contract(
        reference="BY-NOTICE",
        team=team,
        total_value=Decimal("210000"),
        value_includes_vat=True,
        start_date=date(2026, 4, 1),
        ocid="ocds-h6vhtk-000001",
    )
    cycle = make_cycle(team=team, ocid="ocds-h6vhtk-000001")
    Notice.objects.create(notice_type="UK2", published_at="2025-03-03T09:00:00Z", cycle=cycle)
    Notice.objects.create(notice_type="UK4", published_at="2025-06-02T09:00:00Z", cycle=cycle)
    started_2026 = make_contract(
        reference="BY-START",
        team=team,
        total_value=Decimal("210000"),
        value_includes_vat=True,
        start_date=date(2026, 4, 1),
    )
    vat_on_top = make_contract(
        reference="VAT-ON-TOP", team=team, total_value=Decimal("180000"), value_includes_vat=False, is_light_touch=False
    )
    light_touch = make_contract(reference="LIGHT", team=team, total_value=Decimal("1500000"), is_light_touch=True)
    scottish = make_contract(
        reference="SCOT", team=team, total_value=Decimal("1500000"), nation=Contract.Nation.SCOTLAND
    )
    small = make_contract(reference="SMALL", team=team, total_value=Decimal("20000"))
    Notice.objects.create(notice_type="UK6", published_at="2026-02-02T09:00:00Z").contracts.add(small)

    expected = {
        "BY-NOTICE": ("below_threshold", "210000.00", "214904.00", "2025-06-02"),
        "BY-START": ("standard", "210000.00", "207720.00", "2026-04-01"),
        "VAT-ON-TOP": ("standard", "216000.00", "207720.00", "2027-03-01"),
        "LIGHT": ("light_touch", "1500000.00", "663540.00", "2027-03-01"),
        "SCOT": ("outside_act", None, None, "2027-03-01"),
        "SMALL": ("no_notice", "20000.00", "207720.00", "2026-02-02"),
    }
    for contract in (procured_in_2025, started_2026, vat_on_top, light_touch, scottish, small):
        page = contract_classification(contract)
        for body in (api(f"/api/v1/contracts/{contract.pk}/"), listed(api, contract.reference)):
            act = body["procurement_act"]
            assert (act["regime"], act["value_with_vat"], act["threshold"], act["procurement_started_on"]) == (
                expected[contract.reference]
            ), contract.reference
            assert (act["regime"], act["label"], act["explanation"]) == (
                page.regime.value,
                page.label,
                page.explanation,
            ), contract.reference


def test_a_cycle_says_whether_it_is_a_direct_award_why_and_whether_its_value_includes_vat(api, team):
    direct = make_cycle(
        name="Refuge direct award",
        team=team,
        direct_award=True,
        direct_award_justification="Schedule 5, urgency: the only refuge closed at a week's notice",
        estimated_value=Decimal("300000"),
        estimated_value_includes_vat=False,
    )
    competed = make_cycle(name="IDVA competition", team=team)

    for cycle_id, expected in (
        (direct.pk, (True, "Schedule 5, urgency: the only refuge closed at a week's notice", False)),
        (competed.pk, (False, "", None)),
    ):
        listed_row = next(row for row in api("/api/v1/cycles/")["results"] if row["id"] == cycle_id)
        for body in (api(f"/api/v1/cycles/{cycle_id}/"), listed_row):
            assert (
                body["direct_award"],
                body["direct_award_justification"],
                body["estimated_value_includes_vat"],
            ) == expected
