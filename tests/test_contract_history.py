"""Who changed what and why: the django-simple-history rows the services leave behind."""

from datetime import date

import pytest

from contracts import services
from contracts.models import Contract, ExtensionOption
from tests.factories import build_contract, make_contract, make_user

pytestmark = pytest.mark.django_db

Status = ExtensionOption.Status


@pytest.fixture
def officer():
    return make_user(username="olivia", role="officer")


@pytest.fixture
def contract():
    """Milton Keynes: 1 March 2027 for 60 months (to 29 February 2032), two 12-month options."""
    return make_contract(reference="MK-DA-2027")


def exercise_first_option(contract, officer, *, reason="Cabinet 19 Nov"):
    return services.option_exercise(
        option=contract.options.get(sequence=1),
        officer=officer,
        decision_date=date(2031, 11, 19),
        decision_reference="Cabinet 19 November 2031, item 7",
        reason=reason,
        today=date(2031, 11, 20),
    )


def test_exercising_an_option_records_the_officer_and_reason_on_the_option(contract, officer):
    exercise_first_option(contract, officer)

    latest = contract.options.get(sequence=1).history.first()
    assert latest.history_type == "~"
    assert latest.history_user == officer
    assert latest.history_change_reason == "Option 1 exercised: Cabinet 19 Nov"
    assert latest.status == Status.EXERCISED


def test_exercising_an_option_records_the_officer_and_reason_on_the_contract(contract, officer):
    exercise_first_option(contract, officer)

    latest = contract.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == officer
    assert "Cabinet 19 Nov" in latest.history_change_reason
    assert latest.current_end_date == date(2033, 2, 28)


def test_the_contract_history_holds_the_end_date_before_and_after_the_option(contract, officer):
    exercise_first_option(contract, officer)

    latest = contract.history.first()
    previous = latest.prev_record
    assert (previous.current_end_date, latest.current_end_date) == (date(2032, 2, 29), date(2033, 2, 28))
    assert previous.initial_end_date == latest.initial_end_date == date(2032, 2, 29)


def test_diffing_the_contract_history_shows_the_current_end_date_moving(contract, officer):
    exercise_first_option(contract, officer)

    latest = contract.history.first()
    delta = latest.diff_against(latest.prev_record)

    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("current_end_date", date(2032, 2, 29), date(2033, 2, 28))
    ]


def test_diffing_the_option_history_shows_the_decision(contract, officer):
    exercise_first_option(contract, officer)

    latest = contract.options.get(sequence=1).history.first()
    delta = latest.diff_against(latest.prev_record)

    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("decision_date", None, date(2031, 11, 19)),
        ("decision_reference", "", "Cabinet 19 November 2031, item 7"),
        ("status", Status.AVAILABLE, Status.EXERCISED),
    ]


def test_exercising_an_option_writes_exactly_one_history_row_each_for_option_and_contract(contract, officer):
    option = contract.options.get(sequence=1)
    contract_rows, option_rows = contract.history.count(), option.history.count()

    exercise_first_option(contract, officer)

    assert contract.history.count() == contract_rows + 1
    assert option.history.count() == option_rows + 1


def test_exercising_without_a_reason_still_says_which_option(contract, officer):
    exercise_first_option(contract, officer, reason="")

    assert contract.history.first().history_change_reason == "Option 1 exercised"


def test_a_long_reason_is_cut_to_fit_the_history_without_failing(contract, officer):
    reason = "Cabinet 19 Nov: " + "performance improved after the action plan; " * 5

    exercise_first_option(contract, officer, reason=reason)

    recorded = contract.history.first().history_change_reason
    assert recorded.startswith("Option 1 exercised: Cabinet 19 Nov")
    assert len(recorded) == 100


def test_declining_an_option_records_the_officer_and_reason(contract, officer):
    services.option_decline(
        option=contract.options.get(sequence=1),
        officer=officer,
        decision_date=date(2031, 11, 19),
        reason="Re-tendering instead",
    )

    latest = contract.options.get(sequence=1).history.first()
    assert latest.history_user == officer
    assert latest.history_change_reason == "Option 1 declined: Re-tendering instead"


def test_contract_save_records_the_officer_and_the_reason(contract, officer):
    contract.title = "Domestic abuse refuge (28 flats)"

    services.contract_save(contract=contract, officer=officer, reason="Title matches the specification")

    latest = Contract.objects.get(pk=contract.pk).history.first()
    assert latest.history_user == officer
    assert latest.history_change_reason == "Title matches the specification"
    assert latest.title == "Domestic abuse refuge (28 flats)"
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["title"]


def test_contract_save_records_who_created_a_new_contract(officer):
    contract = build_contract(reference="ASC0013", start_date=date(2014, 9, 1), initial_term_months=36)

    services.contract_save(contract=contract, officer=officer, reason="Imported from the Cabinet report")

    first = Contract.objects.get(reference="ASC0013").history.get()
    assert first.history_type == "+"
    assert first.history_user == officer
    assert first.history_change_reason == "Imported from the Cabinet report"
    assert first.current_end_date == date(2017, 8, 31)


def test_a_second_officer_is_credited_with_the_second_option(contract, officer):
    manager = make_user(username="morgan", role="manager")
    exercise_first_option(contract, officer)

    services.option_exercise(
        option=contract.options.get(sequence=2),
        officer=manager,
        decision_date=date(2032, 11, 18),
        reason="Delegated decision DD-2032-3",
        today=date(2032, 11, 19),
    )

    rows = list(contract.history.all()[:2])
    assert [(r.history_user, r.current_end_date) for r in rows] == [
        (manager, date(2034, 2, 28)),
        (officer, date(2033, 2, 28)),
    ]
    assert rows[0].history_change_reason == "Option 2 exercised: Delegated decision DD-2032-3"
