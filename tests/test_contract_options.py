"""Exercising and declining extension options (contracts.services), and the end dates they move."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from contracts import services
from contracts.models import Contract, ExtensionOption
from tests.factories import make_contract, make_option, make_user

pytestmark = pytest.mark.django_db

Status = ExtensionOption.Status

# Named days for the Milton Keynes shape (1 Mar 2027, 60 months, two 12-month options).
DURING_INITIAL_TERM = date(2031, 11, 19)
LAST_DAY_OF_INITIAL_TERM = date(2032, 2, 29)
DURING_FIRST_OPTION = date(2032, 11, 19)


@pytest.fixture
def officer():
    return make_user(username="olivia", role="officer")


def option(contract: Contract, sequence: int) -> ExtensionOption:
    return contract.options.get(sequence=sequence)


def exercise(opt, officer, *, today, reason=""):
    return services.option_exercise(
        option=opt,
        officer=officer,
        decision_date=today,
        decision_reference="Cabinet 19 November, item 7",
        reason=reason,
        today=today,
    )


def decline(opt, officer, *, today):
    return services.option_decline(option=opt, officer=officer, decision_date=today)


def statuses(contract: Contract) -> list[str]:
    return list(contract.options.order_by("sequence").values_list("status", flat=True))


def end_date_in_db(contract: Contract) -> date:
    return Contract.objects.values_list("current_end_date", flat=True).get(pk=contract.pk)


# --- exercising moves the current end date ------------------------------------------------


def test_exercising_the_two_year_option_on_asc0013_runs_it_to_31_august_2019(officer):
    contract = make_contract(start_date=date(2014, 9, 1), initial_term_months=36, option_months=(24,))
    assert contract.current_end_date == date(2017, 8, 31)

    exercise(option(contract, 1), officer, today=date(2016, 11, 19))

    contract.refresh_from_db()
    assert contract.initial_end_date == date(2017, 8, 31)
    assert contract.current_end_date == date(2019, 8, 31)
    assert statuses(contract) == [Status.EXERCISED]


def test_exercising_each_one_year_option_in_turn_moves_the_end_a_year_from_the_start_date(officer):
    contract = make_contract(start_date=date(2027, 3, 1), initial_term_months=60, option_months=(12, 12))
    assert contract.current_end_date == date(2032, 2, 29)

    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)
    contract.refresh_from_db()
    assert contract.current_end_date == date(2033, 2, 28)

    exercise(option(contract, 2), officer, today=DURING_FIRST_OPTION)
    contract.refresh_from_db()
    assert contract.current_end_date == date(2034, 2, 28)
    assert contract.initial_end_date == date(2032, 2, 29)
    assert statuses(contract) == [Status.EXERCISED, Status.EXERCISED]


def test_exercising_records_the_decision_on_the_option(officer):
    contract = make_contract()

    returned = services.option_exercise(
        option=option(contract, 1),
        officer=officer,
        decision_date=date(2031, 11, 19),
        decision_reference="Cabinet 19 November 2031, item 7",
        today=DURING_INITIAL_TERM,
    )

    stored = option(contract, 1)
    assert returned.status == stored.status == Status.EXERCISED
    assert stored.decision_date == date(2031, 11, 19)
    assert stored.decision_reference == "Cabinet 19 November 2031, item 7"


def test_an_option_can_be_exercised_on_the_last_day_of_the_term(officer):
    contract = make_contract()

    exercise(option(contract, 1), officer, today=LAST_DAY_OF_INITIAL_TERM)

    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_an_option_can_be_exercised_before_the_contract_starts(officer):
    contract = make_contract()

    exercise(option(contract, 1), officer, today=date(2026, 11, 19))

    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_an_approved_option_can_be_exercised(officer):
    contract = make_contract(option_statuses=(Status.APPROVED, Status.AVAILABLE))

    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    assert statuses(contract) == [Status.EXERCISED, Status.AVAILABLE]
    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_an_option_reaching_exactly_the_maximum_extent_date_can_be_exercised(officer):
    contract = make_contract(max_extent_date=date(2034, 2, 28))

    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)
    exercise(option(contract, 2), officer, today=DURING_FIRST_OPTION)

    assert end_date_in_db(contract) == date(2034, 2, 28)


# --- exercising is refused, and a refusal changes nothing ---------------------------------


def assert_refused(contract: Contract, call, message: str) -> None:
    """The call raises ``message`` and leaves the options, end date and history as they were."""
    before = (statuses(contract), end_date_in_db(contract), contract.history.count())
    option_history = ExtensionOption.history.filter(contract_id=contract.pk).count()

    with pytest.raises(ValidationError) as refused:
        call()

    assert refused.value.messages == [message]
    assert (statuses(contract), end_date_in_db(contract), contract.history.count()) == before
    assert ExtensionOption.history.filter(contract_id=contract.pk).count() == option_history


def test_exercising_the_second_option_before_the_first_is_refused(officer):
    contract = make_contract()

    assert_refused(
        contract,
        lambda: exercise(option(contract, 2), officer, today=DURING_INITIAL_TERM),
        "Option 1 must be exercised before option 2: options are taken in order",
    )
    assert statuses(contract) == [Status.AVAILABLE, Status.AVAILABLE]
    assert end_date_in_db(contract) == date(2032, 2, 29)


def test_exercising_the_third_option_names_the_first_one_not_yet_exercised(officer):
    contract = make_contract(
        option_months=(12, 12, 12),
        option_statuses=(Status.EXERCISED, Status.APPROVED, Status.AVAILABLE),
    )

    assert_refused(
        contract,
        lambda: exercise(option(contract, 3), officer, today=DURING_FIRST_OPTION),
        "Option 2 must be exercised before option 3: options are taken in order",
    )


def test_exercising_an_option_twice_is_refused(officer):
    contract = make_contract()
    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    assert_refused(
        contract,
        lambda: exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM),
        "Option 1 has already been exercised",
    )
    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_exercising_a_declined_option_is_refused(officer):
    contract = make_contract()
    decline(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    assert_refused(
        contract,
        lambda: exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM),
        "Option 1 has already been declined",
    )
    assert end_date_in_db(contract) == date(2032, 2, 29)


def test_exercising_an_option_that_lapsed_is_refused(officer):
    contract = make_contract()
    decline(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    assert_refused(
        contract,
        lambda: exercise(option(contract, 2), officer, today=DURING_INITIAL_TERM),
        "Option 2 has already been lapsed",
    )


def test_exercising_an_option_the_day_after_the_contract_expired_is_refused(officer):
    contract = make_contract(start_date=date(2014, 9, 1), initial_term_months=36, option_months=(24,))

    assert_refused(
        contract,
        lambda: exercise(option(contract, 1), officer, today=date(2017, 9, 1)),
        "The contract expired on 31 August 2017: an option can only extend a contract that is still running",
    )
    assert end_date_in_db(contract) == date(2017, 8, 31)


def test_exercising_an_option_after_the_contract_was_terminated_is_refused(officer):
    contract = make_contract(terminated_on=date(2030, 6, 30))

    assert_refused(
        contract,
        lambda: exercise(option(contract, 1), officer, today=date(2030, 7, 1)),
        "The contract was terminated on 30 June 2030, so it cannot be extended",
    )
    assert end_date_in_db(contract) == date(2032, 2, 29)


def test_exercising_an_option_is_refused_once_a_termination_date_is_recorded_even_before_it(officer):
    # Once the termination date is recorded the contract ends on it; extending its end date
    # past it would show the register a contract running years after it stops.
    contract = make_contract(terminated_on=date(2030, 6, 30))

    assert_refused(
        contract,
        lambda: exercise(option(contract, 1), officer, today=date(2030, 6, 1)),
        "The contract was terminated on 30 June 2030, so it cannot be extended",
    )


def test_exercising_an_option_that_runs_past_the_maximum_extent_date_is_refused(officer):
    # The second option was recorded before the maximum extent was (or was set too early):
    # the service must still refuse to run the contract past it.
    contract = make_contract(max_extent_date=date(2033, 2, 28))
    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    assert_refused(
        contract,
        lambda: exercise(option(contract, 2), officer, today=DURING_FIRST_OPTION),
        "Option 2 would run to 28 February 2034, after the maximum extent date of 28 February 2033",
    )
    assert end_date_in_db(contract) == date(2033, 2, 28)
    assert statuses(contract) == [Status.EXERCISED, Status.AVAILABLE]


# --- declining ----------------------------------------------------------------------------


def test_declining_the_first_option_lapses_every_later_open_option(officer):
    contract = make_contract(
        option_months=(12, 12, 12),
        option_statuses=(Status.AVAILABLE, Status.PROPOSED, Status.APPROVED),
    )

    services.option_decline(
        option=option(contract, 1),
        officer=officer,
        decision_date=date(2031, 10, 1),
        decision_reference="Delegated decision DD-2031-14",
        reason="Re-tendering instead",
    )

    assert statuses(contract) == [Status.DECLINED, Status.LAPSED, Status.LAPSED]
    declined = option(contract, 1)
    assert declined.decision_date == date(2031, 10, 1)
    assert declined.decision_reference == "Delegated decision DD-2031-14"
    assert end_date_in_db(contract) == date(2032, 2, 29)


def test_declining_the_second_option_keeps_the_first_exercised_and_its_end_date(officer):
    contract = make_contract(option_months=(12, 12, 12))
    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    decline(option(contract, 2), officer, today=DURING_FIRST_OPTION)

    assert statuses(contract) == [Status.EXERCISED, Status.DECLINED, Status.LAPSED]
    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_declining_an_option_already_exercised_is_refused(officer):
    contract = make_contract()
    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    assert_refused(
        contract,
        lambda: decline(option(contract, 1), officer, today=DURING_INITIAL_TERM),
        "Option 1 has already been exercised",
    )
    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_declining_an_option_twice_is_refused(officer):
    contract = make_contract()
    decline(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    assert_refused(
        contract,
        lambda: decline(option(contract, 1), officer, today=DURING_INITIAL_TERM),
        "Option 1 has already been declined",
    )


def test_the_lapsed_options_record_which_declined_option_lapsed_them(officer):
    contract = make_contract()

    decline(option(contract, 1), officer, today=DURING_INITIAL_TERM)

    latest = option(contract, 2).history.first()
    assert latest.status == Status.LAPSED
    assert latest.history_change_reason == "Lapsed: option 1 was declined"
    assert latest.history_user == officer


# --- options left in the register ---------------------------------------------------------


def options_left(contract: Contract) -> int:
    return Contract.objects.with_register_columns().get(pk=contract.pk).options_left


def test_options_left_counts_the_available_proposed_and_approved_options():
    contract = make_contract(
        option_months=(12, 12, 12, 12, 12, 12),
        option_statuses=(
            Status.EXERCISED,
            Status.AVAILABLE,
            Status.PROPOSED,
            Status.APPROVED,
            Status.DECLINED,
            Status.LAPSED,
        ),
    )

    assert options_left(contract) == 3


def test_a_contract_with_no_options_has_none_left():
    assert options_left(make_contract(option_months=())) == 0


def test_options_left_falls_as_options_are_exercised_and_declined(officer):
    contract = make_contract(option_months=(12, 12, 12))
    assert options_left(contract) == 3

    exercise(option(contract, 1), officer, today=DURING_INITIAL_TERM)
    assert options_left(contract) == 2

    decline(option(contract, 2), officer, today=DURING_FIRST_OPTION)
    assert options_left(contract) == 0


def test_options_left_is_counted_per_contract_in_the_register():
    three = make_contract(reference="THREE", option_months=(12, 12, 12))
    one = make_contract(reference="ONE", option_months=(24, 12), option_statuses=(Status.EXERCISED, Status.AVAILABLE))
    none = make_contract(reference="NONE", option_months=())

    register = {c.reference: c.options_left for c in Contract.objects.with_register_columns()}

    assert register == {three.reference: 3, one.reference: 1, none.reference: 0}


def test_the_register_columns_come_in_one_query(django_assert_num_queries):
    for _ in range(3):
        make_contract(lead_officer=make_user(role="officer"))

    with django_assert_num_queries(1):
        rows = [
            (c.buyer.name, c.provider.name, c.team.name, c.lead_officer.username, c.options_left)
            for c in Contract.objects.with_register_columns()
        ]

    assert len(rows) == 3


# --- ExtensionOption.save and delete keep the contract's end date in step ---------------


def test_saving_an_option_as_exercised_moves_the_current_end_date():
    contract = make_contract()
    first = option(contract, 1)

    first.status = Status.EXERCISED
    first.save()

    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_deleting_an_exercised_option_moves_the_current_end_date_back():
    contract = make_contract(option_statuses=(Status.EXERCISED, Status.EXERCISED))
    assert contract.current_end_date == date(2034, 2, 28)

    option(contract, 2).delete()

    assert end_date_in_db(contract) == date(2033, 2, 28)


def test_lengthening_an_exercised_option_moves_the_end_date_with_it():
    contract = make_contract(option_statuses=(Status.EXERCISED, Status.AVAILABLE))
    first = option(contract, 1)

    first.length_months = 24
    first.save()

    assert end_date_in_db(contract) == date(2034, 2, 28)


def test_deleting_an_open_option_leaves_the_end_date_and_writes_no_contract_history():
    contract = make_contract()
    rows = contract.history.count()

    option(contract, 2).delete()

    assert end_date_in_db(contract) == date(2032, 2, 29)
    assert contract.history.count() == rows


def test_moving_the_start_date_moves_both_end_dates_with_the_exercised_options(officer):
    contract = make_contract(start_date=date(2027, 3, 1), option_statuses=(Status.EXERCISED, Status.AVAILABLE))

    contract.start_date = date(2027, 4, 1)
    services.contract_save(contract=contract, officer=officer, reason="Start delayed a month")

    contract.refresh_from_db()
    assert contract.initial_end_date == date(2032, 3, 31)
    assert contract.current_end_date == date(2033, 3, 31)


def test_the_options_fall_end_to_end_after_the_initial_term():
    contract = make_contract(option_months=(12, 6))

    periods = contract.option_periods()

    assert [(s, p.start, p.end) for s, p in periods.items()] == [
        (1, date(2032, 3, 1), date(2033, 2, 28)),
        (2, date(2033, 3, 1), date(2033, 8, 31)),
    ]


def test_without_a_maximum_extent_date_the_contract_may_run_to_the_end_of_its_last_option():
    contract = make_contract(option_months=(12, 12))

    assert contract.effective_max_extent_date == date(2034, 2, 28)


# --- adding options -------------------------------------------------------------------------


def test_adding_an_option_numbers_it_after_the_last(officer):
    contract = make_contract(option_months=(12,))

    added = services.option_add(contract=contract, length_months=6, officer=officer)

    assert (added.sequence, added.length_months, added.status) == (2, 6, Status.AVAILABLE)
    assert end_date_in_db(contract) == date(2032, 2, 29)
    assert added.history.first().history_change_reason == "Option 2 added"


def test_an_option_can_be_added_after_an_earlier_one_was_deleted(officer):
    contract = make_contract(option_months=(12, 12, 12))
    option(contract, 2).delete()

    added = services.option_add(contract=contract, length_months=12, officer=officer)

    assert added.pk is not None
    numbered = contract.options.order_by("sequence").values_list("sequence", "length_months")
    assert list(numbered) == [(1, 12), (3, 12), (4, 12)]


def test_an_option_refused_after_a_gap_in_the_numbering_is_named_by_its_own_number(officer):
    # Options 1 and 3 remain after option 2 was deleted; the next one is option 4.
    contract = make_contract(option_months=(12, 12, 12), max_extent_date=date(2034, 2, 28))
    option(contract, 2).delete()

    with pytest.raises(ValidationError) as refused:
        services.option_add(contract=contract, length_months=12, officer=officer)

    assert refused.value.messages == [
        "Option 4 would run to 28 February 2035, after the maximum extent date of 28 February 2034"
    ]


def test_make_option_adds_an_exercised_option_that_moves_the_end(officer):
    # The factory other tests rely on: an exercised option made directly counts.
    contract = make_contract(option_months=())

    make_option(contract=contract, length_months=24, status=Status.EXERCISED)

    assert end_date_in_db(contract) == date(2034, 2, 28)
