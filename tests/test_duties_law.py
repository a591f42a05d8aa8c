"""The Procurement Act 2023 as the law has it (issue 19): the right day to count from, the
commencement and threshold tables, and which contracts the duties apply to. Pure rules."""

from datetime import date
from decimal import Decimal

import pytest

from notices import duties, thresholds
from notices.duties import ContractFacts, OptionFacts, PaymentFacts
from notices.thresholds import Regime


def by_key(required):
    return {duty.key: duty for duty in required}


# The audit's case: a light-touch contract signed 1 December 2026, starting 1 March 2027.
SIGNED_BEFORE_START = ContractFacts(
    reference="MK-DASS-2027",
    start=date(2027, 3, 1),
    end=date(2032, 2, 29),
    light_touch=True,
    value=Decimal("4400000"),
    value_includes_vat=True,
    options=(OptionFacts(1, date(2032, 3, 1), True), OptionFacts(2, date(2033, 3, 1), True)),
)

# --- counting from the day the contract is entered into (s.53) ----------------------------

ENTRY_CASES = [
    # (facts, UK7 due, provisional, words in the basis, why)
    (
        SIGNED_BEFORE_START.__class__(**{**SIGNED_BEFORE_START.__dict__, "entered_on": date(2026, 12, 1)}),
        date(2027, 3, 30),
        False,
        "1 December 2026, the day the contract was entered into (signed)",
        "signed 1 December 2026: 120 days beginning with the signing, not the start (28 June 2027)",
    ),
    (
        SIGNED_BEFORE_START.__class__(
            **{
                **SIGNED_BEFORE_START.__dict__,
                "planned_entry_on": date(2027, 1, 15),
                "planned_entry_source": "'Contract signed' in the timetable of DA services 2027",
            }
        ),
        date(2027, 5, 14),
        True,
        "15 January 2027, the planned signing date ('Contract signed' in the timetable of DA services 2027)",
        "not yet signed: the planned signing date from the cycle's timetable, provisional",
    ),
    (
        SIGNED_BEFORE_START,
        date(2027, 6, 28),
        True,
        "1 March 2027, the contract's start date (no signing date is known yet)",
        "nothing known: the start date, provisional",
    ),
]


@pytest.mark.parametrize(
    ("facts", "due", "provisional", "words", "why"), ENTRY_CASES, ids=[row[4] for row in ENTRY_CASES]
)
def test_uk7_counts_from_the_day_the_contract_is_entered_into(facts, due, provisional, words, why):
    uk7 = by_key(duties.contract_duties(facts))["UK7"]
    assert uk7.due_on == due
    assert uk7.provisional is provisional
    assert words in uk7.basis
    assert ("Provisional" in uk7.note) is provisional


def test_the_copy_of_a_contract_over_5_million_counts_from_the_signing_too():
    facts = ContractFacts(
        reference="BIG",
        start=date(2027, 4, 1),
        end=date(2030, 3, 31),
        value=Decimal("6000000"),
        entered_on=date(2027, 1, 4),
    )
    required = by_key(duties.contract_duties(facts))
    assert required["UK7"].due_on == date(2027, 2, 2)  # 30 days beginning with 4 January
    assert required["UK7:copy"].due_on == date(2027, 4, 3)  # 90 days beginning with 4 January
    assert not required["UK7:copy"].provisional


# --- commencement ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duty", "nation", "in_force"),
    [
        ("act", "England", date(2025, 2, 24)),
        ("UK17", "England", date(2026, 1, 1)),
        ("UK17", "Wales", date(2026, 4, 1)),
        ("UK9", "England", date(2026, 1, 1)),
        ("UK8", "England", date(2026, 4, 1)),
        ("UK8", "Wales", None),  # s.70 not yet commenced for Welsh-regulated procurements
        ("UK7", "England", date(2025, 2, 24)),  # not listed: the Act's own day
    ],
)
def test_commencement_dates_come_from_one_table_with_sources(duty, nation, in_force):
    assert thresholds.in_force_from(duty, nation) == in_force
    assert all(row.source for row in thresholds.COMMENCEMENTS)


def test_the_first_uk17_period_is_1_january_to_31_march_2026_due_29_april():
    # A contract running through the autumn of 2025: no payments compliance duty yet.
    assert duties.reporting_period_ends(date(2025, 10, 1), date(2025, 12, 31)) == []
    [first, *_] = duties.reporting_period_ends(date(2025, 10, 1), date(2026, 12, 31))
    assert first == date(2026, 3, 31)
    assert duties.payments_compliance_due(first) == date(2026, 4, 29)


def test_in_wales_the_first_uk17_period_ends_30_september_2026():
    assert duties.reporting_period_ends(date(2025, 10, 1), date(2026, 12, 31), nation="Wales") == [
        date(2026, 9, 30),
        date(2027, 3, 31),
    ]


def test_annual_uk9_notices_start_only_once_s71_is_in_force():
    facts = ContractFacts(reference="KPI", start=date(2024, 4, 1), end=date(2027, 9, 30), value=Decimal("6000000"))
    required = by_key(duties.contract_duties(facts))
    # Year 1 ended 31 March 2025, before s.71 came into force on 1 January 2026.
    assert [key for key in required if key.startswith("UK9:2")] == ["UK9:2026-03-31", "UK9:2027-03-31"]


# --- which contracts the duties apply to ----------------------------------------------------

CLASSIFY = [
    # (value, includes VAT, light touch, procurement started, regime, why)
    (
        Decimal("4400000"),
        True,
        True,
        date(2025, 11, 1),
        Regime.LIGHT_TOUCH,
        "Milton Keynes' £4.4m light-touch contract",
    ),
    (
        Decimal("663540"),
        True,
        True,
        date(2026, 1, 1),
        Regime.LIGHT_TOUCH,
        "exactly the light-touch threshold is above it",
    ),
    (Decimal("663539.99"), True, True, date(2026, 1, 1), Regime.BELOW_THRESHOLD, "a penny under light touch"),
    (
        Decimal("207720"),
        True,
        False,
        date(2026, 1, 1),
        Regime.STANDARD,
        "the sub-central threshold from 1 January 2026",
    ),
    (
        Decimal("210000"),
        True,
        False,
        date(2025, 12, 31),
        Regime.BELOW_THRESHOLD,
        "£210,000 was under the £214,904 in force in 2025",
    ),
    (Decimal("210000"), True, False, date(2026, 1, 1), Regime.STANDARD, "and over the £207,720 in force from 2026"),
    (
        Decimal("175000"),
        False,
        False,
        date(2026, 1, 1),
        Regime.STANDARD,
        "£175,000 plus VAT is £210,000, above £207,720",
    ),
    (Decimal("50000"), True, False, date(2026, 3, 1), Regime.BELOW_THRESHOLD, "the audit's £50,000 contract"),
    (Decimal("30000"), True, False, date(2026, 3, 1), Regime.BELOW_THRESHOLD, "£30,000 exactly is notifiable"),
    (Decimal("25000"), False, False, date(2026, 3, 1), Regime.BELOW_THRESHOLD, "£25,000 plus VAT is £30,000"),
    (Decimal("29999.99"), True, False, date(2026, 3, 1), Regime.NO_NOTICE, "under £30,000: no notice"),
    (None, None, False, date(2026, 3, 1), Regime.STANDARD, "no value: treated as a public contract, and said so"),
]


@pytest.mark.parametrize(
    ("value", "vat", "light_touch", "started", "regime", "why"), CLASSIFY, ids=[row[5] for row in CLASSIFY]
)
def test_contracts_are_classified_by_value_including_vat_against_the_thresholds_on_the_day_procurement_started(
    value, vat, light_touch, started, regime, why
):
    classification = thresholds.classify_contract(
        value=value, includes_vat=vat, light_touch=light_touch, procurement_started_on=started
    )
    assert classification.regime == regime
    assert classification.explanation


def test_the_threshold_table_has_the_2026_figures_with_their_source():
    table = thresholds.thresholds_on(date(2026, 1, 1))
    assert (table.light_touch, table.sub_central_goods_and_services) == (Decimal("663540"), Decimal("207720"))
    assert "SI 2025/1200" in table.source
    assert thresholds.thresholds_on(date(2025, 12, 31)).sub_central_goods_and_services == Decimal("214904")


def test_a_value_without_vat_is_tested_with_vat_added_and_says_so():
    classification = thresholds.classify_contract(
        value=Decimal("175000"), includes_vat=False, light_touch=False, procurement_started_on=date(2026, 2, 1)
    )
    assert classification.value_with_vat == Decimal("210000.00")
    assert "£175,000 plus VAT at 20%, £210,000" in classification.explanation


def test_a_below_threshold_contract_gets_only_the_below_threshold_contract_details_notice():
    facts = ContractFacts(
        reference="SMALL",
        start=date(2026, 4, 1),
        end=date(2028, 3, 31),
        value=Decimal("50000"),
        value_includes_vat=True,
        procurement_started_on=date(2026, 2, 2),
        entered_on=date(2026, 3, 20),
        options=(OptionFacts(1, date(2028, 4, 1), True),),
        payments=(PaymentFacts(date(2026, 5, 1), Decimal("40000")),),
    )
    required = duties.contract_duties(facts)
    assert [(duty.key, duty.title) for duty in required] == [
        ("UK7", "Publish the below-threshold contract details notice for SMALL")
    ]
    assert required[0].due_on == date(2026, 4, 18)  # target: 30 days beginning with 20 March
    assert "As soon as reasonably practicable" in required[0].basis


def test_a_contract_under_30000_has_no_duties():
    facts = ContractFacts(
        reference="TINY", start=date(2026, 4, 1), end=date(2027, 3, 31), value=Decimal("12000"), value_includes_vat=True
    )
    assert duties.contract_duties(facts) == []


def test_light_touch_keeps_its_own_rules_above_the_threshold():
    required = by_key(duties.contract_duties(SIGNED_BEFORE_START))
    assert required["UK7"].due_on == date(2027, 6, 28)  # 120 days
    assert "UK11" in required
    assert not [key for key in required if key.startswith(("UK9", "UK10"))]


def test_a_below_threshold_procurement_has_no_award_notice_duties():
    facts = duties.CycleFacts(
        name="Counselling",
        target_start=date(2026, 9, 1),
        value=Decimal("90000"),
        value_includes_vat=True,
        procurement_started_on=date(2026, 3, 1),
    )
    assert duties.cycle_duties(facts) == []
