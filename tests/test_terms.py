"""Contract term arithmetic, table by table (contracts.terms: no database, no clock)."""

from datetime import date

import pytest

from contracts import terms
from contracts.terms import Phase


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        # The domain brief's examples: anchored on the start, never chained from an end.
        (date(2027, 3, 1), 60, date(2032, 2, 29)),  # 5 years ends on a leap day
        (date(2027, 3, 1), 72, date(2033, 2, 28)),  # one more year
        (date(2027, 3, 1), 84, date(2034, 2, 28)),  # options to the maximum extent
        (date(2027, 3, 1), 108, date(2036, 2, 29)),  # 9 years: 29 Feb, not 28 Feb
        (date(2014, 9, 1), 36, date(2017, 8, 31)),  # ASC0013 initial term
        (date(2014, 9, 1), 60, date(2019, 8, 31)),  # ASC0013 with its two-year extension
        (date(2027, 4, 1), 24, date(2029, 3, 31)),  # Cleveland's new contract
        (date(2027, 4, 1), 48, date(2031, 3, 31)),  # with both one-year options
        (date(2026, 1, 15), 1, date(2026, 2, 14)),
        (date(2026, 12, 1), 1, date(2026, 12, 31)),  # across a year end
        (date(2026, 11, 1), 3, date(2027, 1, 31)),
        # Convention: an anniversary that does not exist ends the term on the month's last day.
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 29), 1, date(2026, 2, 28)),
        (date(2028, 1, 29), 1, date(2028, 2, 28)),  # 29 Feb 2028 exists: the day before
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # a leap-day start, no leap day a year on
        (date(2028, 2, 29), 48, date(2032, 2, 28)),  # four years on, 29 Feb exists again
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
    ],
)
def test_a_term_ends_the_day_before_its_anniversary(start, months, end):
    assert terms.term_end(start, months) == end


def test_a_term_of_no_months_is_refused():
    with pytest.raises(ValueError):
        terms.term_end(date(2026, 1, 1), 0)


def test_options_are_placed_end_to_end_from_the_start_date():
    periods = terms.option_periods(date(2027, 3, 1), 60, [12, 12])
    assert [(p.sequence, p.start, p.end) for p in periods] == [
        (1, date(2032, 3, 1), date(2033, 2, 28)),
        (2, date(2033, 3, 1), date(2034, 2, 28)),
    ]


def test_options_of_uneven_length_are_still_anchored_on_the_start():
    periods = terms.option_periods(date(2026, 1, 31), 1, [1, 1])
    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 3, 1), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 30)),
    ]


def test_current_end_adds_only_the_exercised_options():
    assert terms.current_end(date(2014, 9, 1), 36, []) == date(2017, 8, 31)
    assert terms.current_end(date(2014, 9, 1), 36, [24]) == date(2019, 8, 31)
    assert terms.current_end(date(2014, 9, 1), 36, [12, 12]) == date(2019, 8, 31)


def test_options_beyond_the_maximum_extent_are_named():
    beyond = terms.options_beyond(date(2027, 3, 1), 60, [12, 12, 12], date(2034, 2, 28))
    assert [(p.sequence, p.end) for p in beyond] == [(3, date(2035, 2, 28))]
    assert terms.options_beyond(date(2027, 3, 1), 60, [12, 12], date(2034, 2, 28)) == []


ASC0013 = dict(start=date(2014, 9, 1), initial_end=date(2017, 8, 31), end=date(2019, 8, 31))


@pytest.mark.parametrize(
    ("today", "terminated_on", "phase"),
    [
        (date(2014, 8, 31), None, Phase.PLANNED),
        (date(2014, 9, 1), None, Phase.ACTIVE),
        (date(2017, 8, 31), None, Phase.ACTIVE),
        (date(2017, 9, 1), None, Phase.IN_EXTENSION),
        (date(2019, 8, 31), None, Phase.IN_EXTENSION),
        (date(2019, 9, 1), None, Phase.EXPIRED),
        (date(2016, 3, 31), date(2016, 3, 31), Phase.ACTIVE),
        (date(2016, 4, 1), date(2016, 3, 31), Phase.TERMINATED),
    ],
)
def test_the_phase_follows_the_dates(today, terminated_on, phase):
    assert terms.phase_on(today, terminated_on=terminated_on, **ASC0013) == phase


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2014, 8, 31), None),
        (date(2014, 9, 1), (1, 5)),
        (date(2015, 8, 31), (1, 5)),
        (date(2015, 9, 1), (2, 5)),
        (date(2018, 9, 1), (5, 5)),
        (date(2019, 8, 31), (5, 5)),
        (date(2019, 9, 1), None),
    ],
)
def test_year_x_of_y_counts_from_the_start(today, year):
    assert terms.contract_year(today, start=date(2014, 9, 1), end=date(2019, 8, 31)) == year


def test_a_part_year_at_the_end_counts_as_a_year():
    # 1 Mar 2027 to 29 Feb 2032 is exactly five years; 18 months is two contract years.
    assert terms.contract_year(date(2031, 6, 1), start=date(2027, 3, 1), end=date(2032, 2, 29)) == (5, 5)
    assert terms.contract_year(date(2028, 6, 1), start=date(2027, 3, 1), end=date(2028, 8, 31)) == (2, 2)


@pytest.mark.parametrize(
    ("day", "months", "moved"),
    [
        (date(2026, 11, 22), 6, date(2027, 5, 22)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 22), -18, date(2025, 5, 22)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, moved):
    assert terms.add_months(day, months) == moved


def test_the_term_in_months_is_worked_out_from_the_day_it_ends():
    assert terms.months_ending_on(date(2027, 3, 1), date(2032, 2, 29)) == 60
    assert terms.months_ending_on(date(2014, 9, 1), date(2017, 8, 31)) == 36
    assert terms.months_ending_on(date(2027, 1, 31), date(2027, 2, 28)) == 1  # the month-end convention


def test_an_end_that_is_not_a_whole_number_of_months_gives_no_term():
    assert terms.months_ending_on(date(2027, 3, 1), date(2032, 3, 15)) is None
    assert terms.months_ending_on(date(2027, 3, 1), date(2027, 2, 1)) is None
