"""Recommissioning lead-time risk, table by table (commissioning.rules: no database, no clock),
and the selector that feeds it from a contract."""

from datetime import date

import pytest

from commissioning import rules
from commissioning.rules import Rating
from commissioning.selectors import contract_recommissioning_risk
from commissioning.services import decision_record
from contracts import terms
from contracts.models import Contract
from tests.factories import make_contract, make_cycle

# A contract that can run to 28 February 2032 must start recommissioning by 28 August 2030.
MAX_END = date(2032, 2, 28)
START_BY = date(2030, 8, 28)


@pytest.mark.parametrize(
    ("max_end", "lead_months", "start_by"),
    [
        (date(2032, 2, 28), 18, date(2030, 8, 28)),
        (date(2034, 2, 28), 18, date(2032, 8, 28)),  # Milton Keynes 2027 at its maximum extent
        (date(2027, 3, 31), 18, date(2025, 9, 30)),  # Cleveland's current contracts
        (date(2027, 2, 28), 18, date(2025, 8, 28)),  # the Milton Keynes framework
        (date(2032, 2, 29), 24, date(2030, 2, 28)),  # a leap day two years on: no 29 February
        (date(2031, 8, 31), 6, date(2031, 2, 28)),  # the 31st into February: its last day
        (date(2030, 3, 1), 18, date(2028, 9, 1)),
    ],
)
def test_recommissioning_starts_the_lead_time_before_the_maximum_end(max_end, lead_months, start_by):
    assert rules.recommissioning_start_by(max_end, lead_months=lead_months) == start_by


@pytest.mark.parametrize(
    ("today", "rating", "reason"),
    [
        # Named ranges: "early" is more than 3 months before the start-by date.
        (date(2026, 1, 1), Rating.GREEN, "Recommissioning due to start by 28 August 2030"),
        (date(2030, 5, 27), Rating.GREEN, "Recommissioning due to start by 28 August 2030"),
        # "warning": the 3 months before it.
        (date(2030, 5, 28), Rating.AMBER, "Recommissioning must start by 28 August 2030"),
        (date(2030, 8, 27), Rating.AMBER, "Recommissioning must start by 28 August 2030"),
        # "late": on or after it, to the last day of the contract.
        (date(2030, 8, 28), Rating.RED, "Recommissioning should have started by 28 August 2030"),
        (date(2032, 2, 28), Rating.RED, "Recommissioning should have started by 28 August 2030"),
    ],
)
def test_with_nothing_under_way_the_rating_follows_the_start_by_date(today, rating, reason):
    risk = rules.recommissioning_risk(today, max_end=MAX_END, ends_on=MAX_END)

    assert (risk.rating, risk.reason, risk.start_by) == (rating, reason, START_BY)


# A cycle replacing the contract used to make it green whatever its state, even when late
# (issue 17): the rating now comes from the cover it plans, tests/test_cover_risk.py.


def test_a_decision_to_decommission_makes_it_green_and_says_so():
    risk = rules.recommissioning_risk(date(2031, 6, 1), max_end=MAX_END, ends_on=MAX_END, decommissioned=True)

    assert (risk.rating, risk.reason) == (Rating.GREEN, "Decommissioning decided")


@pytest.mark.parametrize("today", [date(2032, 2, 29), date(2040, 1, 1)])
def test_a_contract_that_has_ended_has_no_risk(today):
    assert rules.recommissioning_risk(today, max_end=MAX_END, ends_on=MAX_END) is None


def test_a_longer_lead_time_turns_a_contract_red_sooner():
    today = date(2030, 3, 1)

    standard = rules.recommissioning_risk(today, max_end=MAX_END, ends_on=MAX_END)
    longer = rules.recommissioning_risk(today, max_end=MAX_END, ends_on=MAX_END, lead_months=24)

    assert standard.rating == Rating.GREEN
    assert (longer.rating, longer.reason) == (Rating.RED, "Recommissioning should have started by 28 February 2030")


@pytest.mark.parametrize(
    ("fields", "max_end"),
    [
        # The maximum extent written in the contract wins.
        ({"max_extent_date": date(2033, 2, 28), "terminated_on": None}, date(2033, 2, 28)),
        # Without one, the end of the term with every option: 1 March 2027 + 60 + 12 + 12 months.
        ({"max_extent_date": None, "terminated_on": None}, date(2034, 2, 28)),
        # Terminated early: no option can run any more; it ends on its termination date.
        ({"max_extent_date": date(2034, 2, 28), "terminated_on": date(2029, 6, 30)}, date(2029, 6, 30)),
    ],
)
def test_the_maximum_end_date_comes_from_the_contract_its_options_or_its_termination(fields, max_end):
    assert (
        terms.last_day(
            current_end=date(2032, 2, 29),
            max_extent=terms.max_extent(date(2027, 3, 1), 60, [12, 12], fields["max_extent_date"]),
            terminated_on=fields["terminated_on"],
        )
        == max_end
    )


# --- from a contract (the selector) -----------------------------------------------------------


@pytest.mark.django_db
def test_a_contract_without_a_maximum_extent_is_rated_on_where_its_last_option_ends():
    # 1 March 2027 + 60 months + two 12-month options ends 28 February 2034: start by 28 August 2032.
    contract = make_contract(max_extent_date=None, option_statuses=("exercised", "exercised"))

    risk = contract_recommissioning_risk(contract, today=date(2032, 6, 1))

    assert (risk.rating, risk.reason) == (Rating.AMBER, "Recommissioning must start by 28 August 2032")


@pytest.mark.django_db
def test_a_contract_uses_its_own_lead_time():
    contract = make_contract(max_extent_date=date(2034, 2, 28), recommissioning_lead_months=36)

    risk = contract_recommissioning_risk(contract, today=date(2031, 3, 1))

    assert (risk.rating, risk.reason) == (Rating.RED, "Recommissioning should have started by 28 February 2031")


@pytest.mark.django_db
def test_a_contract_replaced_by_a_cycle_at_award_has_a_decided_successor():
    # Running to 28 February 2033 in its first option; without the cycle it would be red.
    contract = make_contract(max_extent_date=date(2034, 2, 28), option_statuses=("exercised", "available"))
    make_cycle(stage="award", replaces=[contract], target_start_date=date(2033, 3, 1))

    # Mobilisation, about 3 months, fits before 1 March 2033 with 3 months to spare.
    risk = contract_recommissioning_risk(contract, today=date(2032, 9, 1))

    assert (risk.rating, risk.reason) == (
        Rating.GREEN,
        "Successor decided: the new contract starts on 1 March 2033, the day after Domestic abuse refuge's current cover ends",
    )


@pytest.mark.django_db
def test_a_cycle_at_award_with_no_start_date_is_not_green():
    # Issue 17: "Successor decided" was green with no date for the new contract to start; here
    # option 2's decide-by date (4 July 2032) has also passed with no decision.
    contract = make_contract(max_extent_date=date(2034, 2, 28), option_statuses=("exercised", "available"))
    make_cycle(stage="award", replaces=[contract])

    risk = contract_recommissioning_risk(contract, today=date(2032, 9, 1))

    assert risk.rating == Rating.RED
    assert "option 2 of " in risk.reason and "has passed with no decision" in risk.reason


@pytest.mark.django_db
def test_a_cycle_deciding_to_decommission_counts_as_decided():
    contract = make_contract(max_extent_date=date(2034, 2, 28), option_statuses=("exercised", "available"))
    cycle = make_cycle(stage="strategy", replaces=[contract])
    decision_record(
        contracts=cycle.replaces.all(),
        decision=Contract.Decision.DECOMMISSION,
        officer=None,
        decided_on=date(2026, 11, 2),
        reason="Cabinet",
        today=date(2026, 11, 2),
    )
    contract.refresh_from_db()

    risk = contract_recommissioning_risk(contract, today=date(2033, 1, 1))

    assert (risk.rating, risk.reason) == (
        Rating.GREEN,
        "Decommissioning decided: Domestic abuse refuge's cover ends on 28 February 2033",
    )


@pytest.mark.django_db
def test_a_contract_terminated_early_is_rated_on_its_termination_date_until_it_ends():
    contract = make_contract(max_extent_date=date(2034, 2, 28), terminated_on=date(2029, 6, 30))

    before = contract_recommissioning_risk(contract, today=date(2028, 1, 1))
    after = contract_recommissioning_risk(contract, today=date(2029, 7, 1))

    assert (before.rating, before.reason) == (Rating.RED, "Recommissioning should have started by 30 December 2027")
    assert after is None
