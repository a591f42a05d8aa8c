"""Financial-year quarters as councils report them (April to March)."""

from datetime import date

import pytest

from reports.quarters import (
    Quarter,
    financial_year_label,
    parse_financial_year,
    parse_quarter_number,
    quarter_containing,
)


def test_quarter_3_of_2016_17_is_october_to_december_2016():
    quarter = Quarter(2016, 3)

    assert (quarter.start, quarter.end) == (date(2016, 10, 1), date(2016, 12, 31))
    assert (quarter.label, quarter.long_label) == ("2016/17 Q3", "2016/17 Quarter 3")


def test_quarter_4_runs_into_the_next_calendar_year_and_ends_on_31_march():
    quarter = Quarter(2023, 4)

    assert (quarter.start, quarter.end) == (date(2024, 1, 1), date(2024, 3, 31))


def test_a_january_day_belongs_to_the_financial_year_that_began_the_april_before():
    assert quarter_containing(date(2017, 1, 1)) == Quarter(2016, 4)
    assert quarter_containing(date(2017, 3, 31)) == Quarter(2016, 4)
    assert quarter_containing(date(2017, 4, 1)) == Quarter(2017, 1)


def test_the_turn_of_the_century_is_written_1999_00():
    assert financial_year_label(1999) == "1999/00"


@pytest.mark.parametrize("text", ["2016/17", "2016-17", "2016/2017", "2016", " 2016 / 17 "])
def test_the_ways_a_financial_year_is_written_all_read_as_its_first_year(text):
    assert parse_financial_year(text) == 2016


@pytest.mark.parametrize("text", ["2016/18", "16/17", "2016/2018", "twenty16", ""])
def test_a_financial_year_that_does_not_follow_on_is_refused(text):
    with pytest.raises(ValueError):
        parse_financial_year(text)


@pytest.mark.parametrize("text,number", [("3", 3), ("Q3", 3), ("q4", 4), ("Quarter 1", 1)])
def test_quarters_are_read_as_numbers(text, number):
    assert parse_quarter_number(text) == number


@pytest.mark.parametrize("text", ["0", "5", "Q5", "third"])
def test_a_quarter_outside_1_to_4_is_refused(text):
    with pytest.raises(ValueError):
        parse_quarter_number(text)
