"""The Procurement Act 2023's notice duties as dates: pure rules, no database.

Working days exclude weekends and the bank holidays of every part of the UK (from the
``holidays`` package): the Scottish 2 January and St Andrew's Day, the Northern Irish
17 March and 12 July, the English and Welsh Easter Monday and late August, all count.
"""

from datetime import date
from decimal import Decimal

import pytest

from notices import duties
from notices.duties import ContractFacts, CycleFacts, OptionFacts, PublishedNotice

# --- counting days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_day", "count", "last_day"),
    [
        (date(2027, 3, 1), 30, date(2027, 3, 30)),  # the event day is day 1
        (date(2027, 3, 1), 1, date(2027, 3, 1)),
        (date(2027, 3, 1), 120, date(2027, 6, 28)),  # light-touch UK7
        (date(2028, 2, 1), 30, date(2028, 3, 1)),  # leap year: 29 days in February
        (date(2027, 2, 1), 30, date(2027, 3, 2)),  # not a leap year
        (date(2028, 2, 29), 30, date(2028, 3, 29)),  # a leap day itself
        (date(2026, 12, 31), 30, date(2027, 1, 29)),  # across the new year
    ],
)
def test_days_beginning_with_an_event_count_the_event_day_as_day_one(first_day, count, last_day):
    assert duties.days_beginning_with(first_day, count) == last_day


# Standstill: 8 working days beginning with the day the UK6 is published.
STANDSTILL = [
    # (published, standstill ends, why)
    (date(2026, 6, 1), date(2026, 6, 10), "Monday: two ordinary weeks, no holidays"),
    (date(2026, 6, 6), date(2026, 6, 17), "Saturday: the period starts on Monday"),
    (date(2026, 6, 7), date(2026, 6, 17), "Sunday: the period starts on Monday"),
    (date(2026, 6, 5), date(2026, 6, 16), "Friday counts as day 1"),
    (date(2025, 12, 19), date(2026, 1, 5), "Christmas, Boxing Day, 1 January and Scotland's 2 January"),
    (
        date(2026, 12, 21),
        date(2027, 1, 5),
        "Christmas on a Friday, Boxing Day's substitute on Monday 28th, 1 January and 4 January",
    ),
    (date(2026, 3, 31), date(2026, 4, 13), "Good Friday 3 April and Easter Monday 6 April 2026"),
    (date(2027, 3, 22), date(2027, 4, 2), "Good Friday 26 March and Easter Monday 29 March 2027"),
    (date(2026, 3, 16), date(2026, 3, 26), "St Patrick's Day (Northern Ireland), Tuesday 17 March"),
    (date(2026, 7, 6), date(2026, 7, 16), "the Battle of the Boyne's substitute (Northern Ireland), Monday 13 July"),
    (date(2026, 7, 31), date(2026, 8, 12), "Scotland's summer bank holiday, Monday 3 August"),
    (date(2026, 8, 27), date(2026, 9, 8), "England's summer bank holiday, Monday 31 August"),
    (date(2026, 11, 26), date(2026, 12, 8), "St Andrew's Day (Scotland), Monday 30 November"),
    (date(2028, 2, 28), date(2028, 3, 8), "a leap year: 29 February 2028 is a working day"),
    (date(2027, 2, 26), date(2027, 3, 9), "not a leap year: February ends on the 28th"),
]


@pytest.mark.parametrize(("published", "ends", "why"), STANDSTILL, ids=[row[2] for row in STANDSTILL])
def test_the_standstill_is_8_uk_working_days_beginning_with_publication(published, ends, why):
    assert duties.standstill_end(published) == ends


def test_a_standstill_of_8_working_days_is_never_shorter_than_8_days():
    for offset in range(730):
        published = date(2026, 1, 1).toordinal() + offset
        end = duties.standstill_end(date.fromordinal(published))
        assert (end - date.fromordinal(published)).days >= 7


# --- one rule per notice ------------------------------------------------------------------


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_the_uk1_pipeline_notice_is_due_by_26_may(year):
    assert duties.pipeline_due(date(year, 4, 1)) == date(year, 5, 26)


def test_only_an_authority_paying_over_100_million_needs_a_pipeline_notice():
    assert duties.pipeline_required(Decimal("100000001"))
    assert not duties.pipeline_required(Decimal("100000000"))
    assert not duties.pipeline_required(None)


@pytest.mark.parametrize(
    ("entry", "light_touch", "latest"),
    [
        # Cleveland: 1 April 2027; Easter 2027 (26 and 29 March) pushes publication back to 18 March.
        (date(2027, 4, 1), False, date(2027, 3, 18)),
        # Milton Keynes: light touch, the standstill is voluntary: the day before.
        (date(2027, 3, 1), True, date(2027, 2, 28)),
        # An ordinary fortnight: publish on Monday 1 June, standstill ends 10 June, enter on 11 June.
        (date(2026, 6, 11), False, date(2026, 6, 1)),
        # Entering on Monday 4 January 2027 (itself Scotland's 2 January holiday): the standstill
        # must end by 31 December; with Christmas on Friday 25th and Boxing Day's substitute on
        # Monday 28th, Friday 18 December is the last day to publish.
        (date(2027, 1, 4), False, date(2026, 12, 18)),
    ],
)
def test_the_uk6_must_be_published_early_enough_for_the_standstill_to_end_before_entry(entry, light_touch, latest):
    due = duties.contract_award_due(entry, light_touch=light_touch)
    assert due == latest
    if not light_touch:
        assert duties.standstill_end(due) < entry
        assert duties.standstill_end(due + duties.ONE_DAY) >= entry


@pytest.mark.parametrize(
    ("entered", "light_touch", "due"),
    [
        (date(2027, 4, 1), False, date(2027, 4, 30)),
        (date(2027, 3, 1), True, date(2027, 6, 28)),
        (date(2028, 2, 1), False, date(2028, 3, 1)),
    ],
)
def test_the_uk7_contract_details_notice_is_due_30_days_or_120_light_touch(entered, light_touch, due):
    assert duties.contract_details_due(entered, light_touch=light_touch) == due


def test_a_contract_over_5_million_publishes_its_copy_within_90_or_180_days():
    assert duties.contract_copy_due(date(2027, 4, 1), light_touch=False) == date(2027, 6, 29)
    assert duties.contract_copy_due(date(2027, 4, 1), light_touch=True) == date(2027, 9, 27)


@pytest.mark.parametrize(
    ("last_day", "due"),
    [
        (date(2029, 3, 31), date(2029, 4, 29)),
        (date(2032, 2, 29), date(2032, 3, 29)),  # a contract ending on a leap day
        (date(2027, 12, 31), date(2028, 1, 29)),
    ],
)
def test_the_uk11_termination_notice_is_due_30_days_beginning_with_the_last_day(last_day, due):
    assert duties.termination_due(last_day) == due


@pytest.mark.parametrize(
    ("period_end", "due"),
    [
        (date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 9, 30), date(2026, 10, 29)),
        (date(2028, 3, 31), date(2028, 4, 29)),
    ],
)
def test_the_uk17_payments_compliance_notice_is_due_on_29_april_and_29_october(period_end, due):
    assert duties.payments_compliance_due(period_end) == due


def test_reporting_periods_cover_the_contracts_term():
    assert duties.reporting_period_ends(date(2024, 1, 1), date(2026, 5, 1)) == [
        date(2026, 3, 31),
        date(2026, 9, 30),
    ]
    assert duties.reporting_period_ends(date(2027, 4, 1), date(2029, 3, 31)) == [
        date(2027, 9, 30),
        date(2028, 3, 31),
        date(2028, 9, 30),
        date(2029, 3, 31),
    ]


def test_performance_notices_fall_at_the_end_of_each_contract_year_before_the_end():
    # From a leap day: the first year ends on 28 February 2029 (terms.term_end's convention).
    assert duties.performance_due_dates(date(2028, 2, 29), date(2031, 2, 27)) == [date(2029, 2, 28), date(2030, 2, 28)]


def test_a_modification_notice_is_due_the_day_before_the_change():
    assert duties.modification_due(date(2029, 4, 1)) == date(2029, 3, 31)


# --- what a contract needs ----------------------------------------------------------------

MK_2027 = ContractFacts(
    reference="MK-DASS-2027",
    start=date(2027, 3, 1),
    end=date(2032, 2, 29),
    light_touch=True,
    value=Decimal("4400000"),
    options=(OptionFacts(1, date(2032, 3, 1), True), OptionFacts(2, date(2033, 3, 1), True)),
)
CLEVELAND_2027 = ContractFacts(
    reference="CLE-VSRP-2027",
    start=date(2027, 4, 1),
    end=date(2029, 3, 31),
    light_touch=False,
    options=(OptionFacts(1, date(2029, 4, 1), True, "1 year"), OptionFacts(2, date(2030, 4, 1), True, "1 year")),
)


def by_key(required):
    return {duty.key: duty for duty in required}


def test_a_light_touch_contract_has_120_days_for_uk7_and_no_uk10_for_its_options():
    required = by_key(duties.contract_duties(MK_2027))
    assert required["UK7"].due_on == date(2027, 6, 28)
    assert "120 days (light-touch regime)" in required["UK7"].basis
    assert required["UK11"].due_on == date(2032, 3, 29)
    assert not [key for key in required if key.startswith("UK10")]
    assert not [key for key in required if key.startswith("UK9")]  # light touch: no KPIs
    assert "UK7:copy" not in required  # £4.4m is under £5m


def test_a_standard_contract_needs_a_uk10_before_each_open_option_with_the_legal_judgement_explained():
    required = by_key(duties.contract_duties(CLEVELAND_2027))
    assert required["UK7"].due_on == date(2027, 4, 30)
    assert required["UK10:option:1"].due_on == date(2029, 3, 31)
    assert required["UK10:option:2"].due_on == date(2030, 3, 31)
    assert "legal judgement" in required["UK10:option:1"].note
    assert required["UK11"].due_on == date(2029, 4, 29)
    assert [key for key in required if key.startswith("UK17")] == [
        "UK17:2027-09-30",
        "UK17:2028-03-31",
        "UK17:2028-09-30",
        "UK17:2029-03-31",
    ]


def test_an_exercised_or_declined_option_needs_no_uk10():
    facts = ContractFacts(
        reference="X",
        start=date(2027, 4, 1),
        end=date(2030, 3, 31),
        options=(OptionFacts(1, date(2029, 4, 1), False), OptionFacts(2, date(2030, 4, 1), True)),
    )
    required = by_key(duties.contract_duties(facts))
    assert "UK10:option:1" not in required
    assert "UK10:option:2" in required


def test_a_contract_over_5_million_with_kpis_publishes_performance_yearly_and_a_copy():
    facts = ContractFacts(reference="BIG", start=date(2027, 4, 1), end=date(2030, 3, 31), value=Decimal("6000000"))
    required = by_key(duties.contract_duties(facts))
    assert required["UK7:copy"].due_on == date(2027, 6, 29)
    assert [required[key].due_on for key in required if key.startswith("UK9:2")] == [
        date(2028, 3, 31),
        date(2029, 3, 31),
    ]
    assert required["UK9:termination"].due_on == date(2030, 4, 29)


def test_a_terminated_contract_counts_uk11_from_the_termination():
    facts = ContractFacts(reference="X", start=date(2027, 4, 1), end=date(2030, 3, 31), terminated_on=date(2028, 2, 29))
    required = by_key(duties.contract_duties(facts))
    assert required["UK11"].due_on == date(2028, 3, 29)
    assert "is terminated" in required["UK11"].basis


def test_without_a_signing_date_the_uk7_duty_is_provisional_and_counts_from_the_start_date():
    required = by_key(duties.contract_duties(CLEVELAND_2027))
    assert required["UK7"].provisional
    assert "Provisional" in required["UK7"].note and "1 April 2027, the contract's start date" in required["UK7"].note


# --- what a procurement needs -------------------------------------------------------------


def test_a_procurement_under_the_standard_rules_has_a_uk6_deadline_and_a_standstill_after_each_award_notice():
    facts = CycleFacts(
        name="Victim support",
        target_start=date(2027, 4, 1),
        award_notices=(PublishedNotice("012345-2027", date(2027, 3, 1)),),
    )
    required = by_key(duties.cycle_duties(facts))
    assert required["UK6"].due_on == date(2027, 3, 18)
    standstill = required["UK6:standstill:012345-2027"]
    assert standstill.due_on == date(2027, 3, 10)
    assert standstill.kind == duties.Kind.STANDSTILL_END
    assert "11 March 2027" in standstill.title


def test_a_light_touch_procurement_has_no_standstill_and_its_uk6_is_due_the_day_before_entry():
    facts = CycleFacts(
        name="Domestic abuse support",
        target_start=date(2027, 3, 1),
        light_touch=True,
        award_notices=(PublishedNotice("012345-2027", date(2027, 2, 1)),),
    )
    required = by_key(duties.cycle_duties(facts))
    assert list(required) == ["UK6:summaries", "UK6"]  # no standstill, but assessment summaries first
    assert required["UK6"].due_on == date(2027, 2, 28)
