"""The arithmetic and wording of a report's figures, with no database."""

from decimal import Decimal

from reports.figures import duration_adjective, duration_in_words, option_summary, value_over_months


def test_two_years_at_524994_a_year_is_exactly_1049988():
    assert value_over_months(Decimal("524994"), 24) == Decimal("1049988.00")


def test_part_years_are_worked_in_decimals_and_rounded_to_the_penny_once():
    assert value_over_months(Decimal("100000"), 18) == Decimal("150000.00")
    assert value_over_months(Decimal("100000"), 7) == Decimal("58333.33")
    assert value_over_months(Decimal("0.10"), 3) == Decimal("0.03")  # 0.025 rounds half up


def test_durations_read_as_a_report_writes_them():
    assert duration_in_words(24) == "two years"
    assert duration_in_words(12) == "one year"
    assert duration_in_words(18) == "one year and six months"
    assert duration_in_words(6) == "six months"
    assert duration_in_words(36) == "three years"
    assert duration_in_words(168) == "14 years"


def test_a_whole_number_of_years_makes_a_two_year_extension():
    assert duration_adjective(24) == "two-year"
    assert duration_adjective(18) == "18-month"


def test_the_options_of_a_contract_are_summed_up_for_the_legal_section():
    assert option_summary([24]) == "an option to extend for up to a further two years"
    assert option_summary([12, 12]) == "two options to extend, of one year each, for up to a further two years"
    assert option_summary([12, 6]) == (
        "two options to extend (one year, then six months), for up to a further one year and six months"
    )
    assert option_summary([]) == "no option to extend"
