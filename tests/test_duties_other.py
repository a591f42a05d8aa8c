"""The duties the audit found missing (issue 19): assessment summaries before the UK6, UK5 before a
direct award, UK9 after a breach, UK12 when a procurement ends without an award, and Best
Value's three months' notice to a VCSE provider. Pure rules first, then as milestones."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from commissioning.models import Milestone
from commissioning.services import milestone_set_status
from contracts.models import Contract
from notices import council_duties, duties, services
from notices.duties import BreachFacts, ContractFacts, CycleFacts, OptionFacts
from notices.models import Duty, Notice
from tests.factories import make_contract, make_organisation, make_user


def by_key(required):
    return {duty.key: duty for duty in required}


def test_assessment_summaries_go_before_the_uk6():
    facts = CycleFacts(
        name="Victim support", target_start=date(2027, 4, 1), value=Decimal("900000"), value_includes_vat=True
    )
    required = by_key(duties.cycle_duties(facts))
    assert required["UK6:summaries"].due_on == required["UK6"].due_on == date(2027, 3, 18)
    assert required["UK6:summaries"].notice_type == "" and required["UK6:summaries"].kind == duties.Kind.OTHER
    assert "s.50(3)" in required["UK6:summaries"].basis


def test_the_uk6_counts_back_from_the_planned_signing_date_when_the_timetable_has_one():
    facts = CycleFacts(name="Victim support", target_start=date(2027, 4, 1), planned_entry_on=date(2027, 1, 4))
    uk6 = by_key(duties.cycle_duties(facts))["UK6"]
    # Entering on Monday 4 January 2027: Christmas and Boxing Day's substitute push it to 18 December.
    assert uk6.due_on == date(2026, 12, 18)
    assert not uk6.provisional


def test_a_direct_award_needs_a_uk5_before_it_and_no_assessment_summaries():
    facts = CycleFacts(
        name="Refuge", target_start=date(2027, 4, 1), planned_entry_on=date(2027, 3, 1), direct_award=True
    )
    required = by_key(duties.cycle_duties(facts))
    assert required["UK5"].due_on == date(2027, 2, 28)
    assert "UK6:summaries" not in required


def test_a_procurement_ended_without_an_award_needs_a_uk12_and_no_uk6():
    facts = CycleFacts(name="Victim support", target_start=date(2027, 4, 1), not_awarded_on=date(2026, 11, 20))
    required = by_key(duties.cycle_duties(facts))
    assert list(required) == ["UK12"]
    assert required["UK12"].due_on == date(2026, 12, 19)  # target: 30 days beginning with the decision
    assert "As soon as reasonably practicable" in required["UK12"].basis


@pytest.mark.parametrize(
    ("event", "due"),
    [
        (date(2027, 5, 10), date(2027, 6, 8)),
        (date(2027, 12, 15), date(2028, 1, 13)),
        (date(2028, 2, 1), date(2028, 3, 1)),
    ],
)
def test_a_breach_needs_a_uk9_within_30_days_beginning_with_it(event, due):
    assert duties.breach_notice_due(event) == due


def test_a_breach_raises_a_uk9_even_under_light_touch_but_not_before_s71():
    facts = ContractFacts(
        reference="MK-DASS-2027",
        start=date(2025, 3, 1),
        end=date(2030, 2, 28),
        light_touch=True,
        value=Decimal("4400000"),
        breaches=(
            BreachFacts(date(2025, 6, 1), "terminated for breach"),
            BreachFacts(date(2027, 5, 10), "damages paid or awarded for breach"),
        ),
    )
    required = by_key(duties.contract_duties(facts))
    assert [key for key in required if key.startswith("UK9")] == ["UK9:breach:2027-05-10"]
    assert required["UK9:breach:2027-05-10"].due_on == date(2027, 6, 8)


@pytest.mark.parametrize(
    ("last_day", "notice_by"),
    [
        (date(2027, 3, 31), date(2027, 1, 1)),  # funding stops 1 April: notice by 1 January
        (date(2032, 2, 29), date(2031, 12, 1)),  # a leap day end: funding stops 1 March
        (date(2027, 5, 30), date(2027, 2, 28)),  # 31 May less three months: clamped to February's end
    ],
)
def test_best_value_three_months_notice_before_a_vcse_providers_funding_ends(last_day, notice_by):
    assert council_duties.vcse_notice_due(last_day) == notice_by


def vcse_facts(**changes) -> ContractFacts:
    base = {
        "reference": "IDVA-1",
        "start": date(2024, 4, 1),
        "end": date(2027, 3, 31),
        "value": Decimal("900000"),
        "provider_is_vcse": True,
    }
    return ContractFacts(**{**base, **changes})


@pytest.mark.parametrize(
    ("facts", "raised", "why"),
    [
        (vcse_facts(decision="decommission"), True, "decommissioned"),
        (vcse_facts(decision="retender"), True, "re-tendered: this contract is not extended"),
        (vcse_facts(options=(OptionFacts(1, date(2027, 4, 1), False, declined=True),)), True, "an option declined"),
        (vcse_facts(decision="extend"), False, "extended"),
        (vcse_facts(decision="decommission", provider_is_vcse=False), False, "not a VCSE provider"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_vcse_notice_follows_a_decision_not_to_extend_or_to_decommission(facts, raised, why):
    required = by_key(duties.contract_council_duties(facts))
    assert ("VCSE:notice" in required) is raised
    if raised:
        assert required["VCSE:notice"].due_on == date(2027, 1, 1)
        assert required["VCSE:notice"].kind == duties.Kind.OTHER


@pytest.mark.django_db
def test_decommissioning_a_vcse_providers_contract_plans_the_notice_and_meeting_it_is_recorded():
    with time_machine.travel("2026-09-01 10:00:00+01:00", tick=False):
        charity = make_organisation(name="Women's Aid MK", is_vcse=True)
        contract = make_contract(
            provider=charity,
            start_date=date(2024, 4, 1),
            initial_term_months=36,
            option_months=(),
            total_value=Decimal("900000"),
        )
        Notice.objects.create(
            notice_type="UK7", fts_notice_id="044444-2025", published_at="2025-04-20T12:00:00Z"
        ).contracts.add(contract)
        officer = make_user()
        contract.decision, contract.decision_on = Contract.Decision.DECOMMISSION, date(2026, 8, 28)
        contract.save()
        services.duties_sync_for_contract(contract=contract, officer=officer)

        duty = Duty.objects.get(contract=contract, key="VCSE:notice")
        assert duty.due_on == date(2027, 1, 1)
        assert (
            duty.milestone.title
            == f"Give the provider and its service users three months' notice that {contract.reference} ends"
        )
        assert duty.milestone.reminder_offsets  # reminders go, as for any duty

        milestone_set_status(
            milestone=duty.milestone,
            status=Milestone.Status.MET,
            met_on=date(2026, 9, 1),
            officer=officer,
            reason="Letter sent",
        )
        services.duties_sync_for_contract(contract=contract, officer=officer)

        duty.refresh_from_db()
        assert duty.status == Duty.Status.MET and duty.decided_on == date(2026, 9, 1)


@pytest.mark.django_db
def test_a_procurement_decided_against_after_its_tender_notice_gets_a_uk12():
    from commissioning.services import decision_record
    from tests.factories import make_cycle

    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        # The decision on expiry is held on the contracts the cycle replaces (decision_record).
        cycle = make_cycle(
            target_start_date=date(2027, 4, 1), estimated_value=Decimal("900000"), replaces=[make_contract()]
        )
        Notice.objects.create(
            notice_type="UK4", fts_notice_id="066666-2026", published_at="2026-06-01T12:00:00Z", cycle=cycle
        )
        services.duties_sync_for_cycle(cycle=cycle)
        assert cycle.duties.get(key="UK6").status == Duty.Status.DUE
        decision_record(
            contracts=cycle.replaces.all(),
            decision=Contract.Decision.EXTEND,
            officer=None,
            decided_on=date(2026, 11, 20),
            reason="Cabinet 20 November 2026",
        )
        services.duties_sync_for_cycle(cycle=cycle)

        required = {duty.key: duty for duty in cycle.duties.all()}
        assert required["UK12"].due_on == date(2026, 12, 19)
        assert required["UK12"].status == Duty.Status.DUE
        assert required["UK6"].status == Duty.Status.LAPSED  # no award now


@pytest.mark.django_db
def test_a_duty_that_is_not_a_notice_reads_due_then_done_on_the_contract_page(client):
    import re

    from contracts import roles

    with time_machine.travel("2026-09-01 10:00:00+01:00", tick=False):
        charity = make_organisation(name="Women's Aid MK", is_vcse=True)
        contract = make_contract(
            provider=charity,
            start_date=date(2024, 4, 1),
            initial_term_months=36,
            option_months=(),
            decision="decommission",
        )
        services.duties_sync_for_contract(contract=contract)
        duty = Duty.objects.get(contract=contract, key="VCSE:notice")
        client.force_login(make_user(role=roles.OFFICER))

        def status() -> str:
            page = client.get(contract.get_absolute_url()).content.decode()
            row = re.search(rf'<tr class="govuk-table__row" id="duty-{duty.pk}">(.*?)</tr>', page, re.DOTALL).group(1)
            return re.search(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>', row).group(1)

        assert status() == "Due"  # not "Running", as a standstill would read
        milestone_set_status(
            milestone=duty.milestone,
            status=Milestone.Status.MET,
            met_on=date(2026, 9, 1),
            officer=None,
            reason="Letter sent",
        )
        assert status() == "Done"


@pytest.mark.django_db
def test_recording_a_notice_against_a_duty_that_is_not_a_notice_says_so_and_records_nothing(client):
    from django.urls import reverse

    from contracts import roles

    with time_machine.travel("2026-09-01 10:00:00+01:00", tick=False):
        charity = make_organisation(is_vcse=True)
        contract = make_contract(
            provider=charity,
            start_date=date(2024, 4, 1),
            initial_term_months=36,
            option_months=(),
            decision="decommission",
        )
        services.duties_sync_for_contract(contract=contract)
        duty = Duty.objects.get(contract=contract, key="VCSE:notice")
        client.force_login(make_user(role=roles.OFFICER))

        response = client.post(
            f"{reverse('notices:notice-create')}?duty={duty.pk}",
            {"notice_type": "UK7", "published_on_day": "1", "published_on_month": "9", "published_on_year": "2026"},
        )

        assert response.status_code == 200
        assert "This duty is not a notice: mark its milestone met when it is done" in response.content.decode()
        assert not Notice.objects.exists()


@pytest.mark.django_db
def test_an_officer_records_a_breach_and_the_uk9_is_due_30_days_later(client):
    from django.urls import reverse

    from contracts import roles

    with time_machine.travel("2027-05-20 10:00:00+01:00", tick=False):
        contract = make_contract(start_date=date(2027, 3, 1), total_value=Decimal("4400000"), is_light_touch=True)
        Notice.objects.create(
            notice_type="UK6", fts_notice_id="077777-2027", published_at="2027-02-01T12:00:00Z"
        ).contracts.add(contract)
        officer = make_user(role=roles.OFFICER)
        client.force_login(officer)

        future = client.post(
            reverse("notices:breach-create", args=[contract.pk]),
            {"occurred_on_day": "1", "occurred_on_month": "6", "occurred_on_year": "2027", "what": "damages"},
        )
        assert "The date must be today or in the past (20 May 2027)" in future.content.decode()

        client.post(
            reverse("notices:breach-create", args=[contract.pk]),
            {"occurred_on_day": "10", "occurred_on_month": "5", "occurred_on_year": "2027", "what": "damages"},
        )

        duty = Duty.objects.get(contract=contract, key="UK9:breach:2027-05-10")
        assert duty.due_on == date(2027, 6, 8)
        assert (
            duty.title
            == f"Publish a UK9 contract performance notice for {contract.reference}: damages paid or awarded for breach"
        )
        assert contract.breaches.get().history.first().history_user == officer
