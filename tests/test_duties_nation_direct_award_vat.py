"""Issue 19: the nation whose rules a procurement follows (commencement differs by nation, one
table), a direct award recorded on the cycle raising its UK5 (s.44), and a cycle's estimated
value with or without VAT against the thresholds (Schedule 3)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts import roles
from notices import duties
from notices.duties import ContractFacts, CycleFacts, PaymentFacts
from notices.models import Duty
from notices.thresholds import Regime
from tests.factories import make_contract, make_cycle, make_user


def keys(required) -> list[str]:
    return [duty.key for duty in required]


def contract(nation: str, **changes) -> ContractFacts:
    facts = ContractFacts(
        reference="REFUGE-2025",
        start=date(2025, 10, 1),
        end=date(2027, 9, 30),
        light_touch=True,
        value=Decimal("1500000"),
        value_includes_vat=True,
        procurement_started_on=date(2026, 5, 1),
        payments=(PaymentFacts(date(2026, 5, 15), Decimal("62500")),),
        nation=nation,
    )
    return facts.__class__(**{**facts.__dict__, **changes})


NATIONS = [
    # (nation, the first UK17 period ending, UK8 for the May 2026 payment, why)
    ("England", "UK17:2026-03-31", True, "England: s.69 from 1 January 2026, s.70 from 1 April 2026"),
    ("Wales", "UK17:2026-09-30", False, "Wales: s.69 from 1 April 2026; s.70 not commenced"),
]


@pytest.mark.parametrize(("nation", "first_uk17", "uk8", "why"), NATIONS, ids=[row[-1] for row in NATIONS])
def test_commencement_is_taken_from_the_table_for_the_contracts_nation(nation, first_uk17, uk8, why):
    required = keys(duties.contract_duties(contract(nation)))

    assert next(key for key in required if key.startswith("UK17")) == first_uk17
    assert ("UK8:2026-06-30" in required) is uk8
    assert "UK7" in required and "UK11" in required


def test_devolved_scottish_procurement_is_outside_the_act_and_says_so():
    facts = contract("Scotland")

    classification = duties.classify(facts)

    assert duties.contract_duties(facts) == []
    assert classification.regime == Regime.OUTSIDE_ACT
    assert classification.label == "Outside the Procurement Act 2023"
    assert "Public Contracts (Scotland) Regulations 2015" in classification.explanation


# --- a cycle's estimated value, with or without VAT ------------------------------------------------

CYCLE_VALUES = [
    # (value, includes VAT, a public procurement (UK6 raised), why)
    (Decimal("600000"), False, True, "£600,000 plus VAT is £720,000: over the light-touch threshold"),
    (Decimal("600000"), True, False, "£600,000 including VAT: under the light-touch threshold of £663,540"),
    (Decimal("600000"), None, False, "not recorded: taken to include VAT"),
]


@pytest.mark.parametrize(
    ("value", "includes_vat", "public", "why"), CYCLE_VALUES, ids=[row[-1] for row in CYCLE_VALUES]
)
def test_a_cycle_value_without_vat_is_grossed_up_against_the_thresholds(value, includes_vat, public, why):
    facts = CycleFacts(
        name="Refuge 2027",
        target_start=date(2027, 4, 1),
        light_touch=True,
        value=value,
        value_includes_vat=includes_vat,
        procurement_started_on=date(2026, 6, 1),
    )

    assert ("UK6" in keys(duties.cycle_duties(facts))) is public


# --- a direct award ------------------------------------------------------------------------------


def test_a_direct_award_raises_its_uk5_before_the_award_and_no_assessment_summaries():
    facts = CycleFacts(
        name="IDVA bridging contract",
        target_start=date(2027, 4, 1),
        light_touch=True,
        value=Decimal("900000"),
        value_includes_vat=True,
        planned_entry_on=date(2027, 2, 15),
        direct_award=True,
        direct_award_justification="Schedule 5, urgency: the provider gave notice",
    )

    required = {duty.key: duty for duty in duties.cycle_duties(facts)}

    assert required["UK5"].due_on == date(2027, 2, 14)
    assert "Schedule 5, urgency: the provider gave notice" in required["UK5"].basis
    assert "UK6:summaries" not in required
    assert "UK5" not in keys(duties.cycle_duties(CycleFacts(**{**facts.__dict__, "direct_award": False})))


def cycle_form(cycle, **changes):
    data = {
        "name": cycle.name,
        "service_category": cycle.service_category,
        "team": cycle.team.pk,
        "target_start_date_day": "1",
        "target_start_date_month": "4",
        "target_start_date_year": "2027",
        "estimated_value": "900000",
        "estimated_value_includes_vat": "yes",
        "is_light_touch": "on",
    }
    return {**data, **changes}


@pytest.mark.django_db
def test_an_officer_records_a_direct_award_on_the_cycle_and_its_uk5_is_planned(client):
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        client.force_login(make_user(role=roles.OFFICER))
        cycle = make_cycle(name="IDVA bridging contract")
        url = reverse("commissioning:cycle-edit", args=[cycle.pk])

        refused = client.post(url, cycle_form(cycle, direct_award="on"))

        assert refused.status_code == 200
        assert "Enter the direct award justification: the ground and why it applies" in refused.content.decode()
        assert not Duty.objects.filter(cycle=cycle).exists()

        saved = client.post(url, cycle_form(cycle, direct_award="on", direct_award_justification="Schedule 5, urgency"))

        assert saved.status_code == 302
        uk5 = Duty.objects.get(cycle=cycle, key="UK5")
        # No planned signing date: the day before the new contract starts on 1 April 2027.
        assert uk5.due_on == date(2027, 3, 31)
        assert uk5.milestone.due_on == date(2027, 3, 31)
        page = client.get(cycle.get_absolute_url()).content.decode()
        assert "Yes: Schedule 5, urgency" in page
        assert "£900,000 including VAT" in page
        assert "Publish the UK5 transparency notice for IDVA bridging contract" in page


@pytest.mark.django_db
def test_an_officer_sets_a_contract_to_welsh_rules_and_its_uk17_periods_follow(client):
    from notices.models import Notice
    from tests.test_duties_signing import edit_form_data

    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        officer = make_user(role=roles.OFFICER)
        deal = make_contract(
            start_date=date(2025, 10, 1),
            initial_term_months=24,
            option_months=(),
            is_light_touch=True,
            total_value=Decimal("1500000"),
        )
        Notice.objects.create(
            notice_type="UK4", fts_notice_id="031111-2025", published_at="2025-06-02T12:00:00Z"
        ).contracts.add(deal)
        from notices.services import duties_sync_for_contract

        duties_sync_for_contract(contract=deal)
        assert Duty.objects.filter(contract=deal, key="UK17:2026-03-31", status=Duty.Status.DUE).exists()
        client.force_login(officer)

        response = client.post(reverse("contracts:edit", args=[deal.pk]), edit_form_data(deal, officer, nation="Wales"))

        assert response.status_code == 302, response.content.decode()[:2000]
        assert Duty.objects.get(contract=deal, key="UK17:2026-03-31").status == Duty.Status.LAPSED
        assert Duty.objects.get(contract=deal, key="UK17:2026-09-30").status == Duty.Status.DUE
        page = client.get(deal.get_absolute_url()).content.decode()
        assert "Wales (regulated by the Welsh Ministers)" in page
