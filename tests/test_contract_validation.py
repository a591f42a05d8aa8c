"""What an officer is told when a contract or option does not add up (full_clean and services)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts import services
from contracts.models import Contract, ExtensionOption, Organisation
from tests.factories import build_contract, make_contract, make_user

pytestmark = pytest.mark.django_db

NOT_NEGATIVE = "Enter an amount of £0 or more"


@pytest.fixture
def officer():
    return make_user(username="olivia", role="officer")


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    return refused.value.message_dict


# --- a valid contract ---------------------------------------------------------------------


def test_the_milton_keynes_contract_is_valid_and_saves_with_its_end_dates(officer):
    contract = build_contract(
        reference="MK-DA-2027",
        start_date=date(2027, 3, 1),
        initial_term_months=60,
        max_extent_date=date(2034, 2, 28),
        total_value=Decimal("4400000.00"),
    )

    services.contract_save(contract=contract, officer=officer, reason="New contract")

    saved = Contract.objects.get(reference="MK-DA-2027")
    assert saved.initial_end_date == date(2032, 2, 29)
    assert saved.current_end_date == date(2032, 2, 29)
    assert saved.total_value == Decimal("4400000.00")


def test_amounts_of_zero_are_accepted():
    contract = build_contract(annual_value=Decimal("0"), total_value=Decimal("0"))

    contract.full_clean()


def test_a_contract_still_being_procured_needs_no_provider():
    contract = build_contract(provider=None)

    contract.full_clean()


# --- maximum extent -----------------------------------------------------------------------


def test_a_maximum_extent_before_the_end_of_the_initial_term_is_refused():
    contract = build_contract(start_date=date(2027, 3, 1), initial_term_months=60, max_extent_date=date(2032, 2, 28))

    assert errors_of(contract) == {
        "max_extent_date": ["The maximum extent date must be on or after the end of the initial term, 29 February 2032"]
    }


def test_a_maximum_extent_on_the_last_day_of_the_initial_term_is_accepted():
    contract = build_contract(start_date=date(2027, 3, 1), initial_term_months=60, max_extent_date=date(2032, 2, 29))

    contract.full_clean()


def test_contract_save_refuses_a_maximum_extent_before_the_initial_term_ends_and_saves_nothing(officer):
    contract = build_contract(reference="EARLY", max_extent_date=date(2031, 3, 1))

    with pytest.raises(ValidationError) as refused:
        services.contract_save(contract=contract, officer=officer, reason="New contract")

    assert refused.value.message_dict["max_extent_date"] == [
        "The maximum extent date must be on or after the end of the initial term, 29 February 2032"
    ]
    assert not Contract.objects.filter(reference="EARLY").exists()
    assert not Contract.history.filter(reference="EARLY").exists()


def test_lowering_the_maximum_extent_below_an_option_already_recorded_is_refused(officer):
    contract = make_contract(option_months=(12, 12), max_extent_date=date(2034, 2, 28))

    contract.max_extent_date = date(2033, 8, 31)
    with pytest.raises(ValidationError) as refused:
        services.contract_save(contract=contract, officer=officer, reason="Maximum extent corrected")

    assert refused.value.messages == [
        "Option 2 would run to 28 February 2034, after the maximum extent date of 31 August 2033"
    ]
    assert Contract.objects.get(pk=contract.pk).max_extent_date == date(2034, 2, 28)


# --- money --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["annual_value", "total_value"])
def test_a_negative_contract_value_is_refused(field):
    contract = build_contract(**{field: Decimal("-0.01")})

    assert errors_of(contract) == {field: [NOT_NEGATIVE]}


def test_an_option_with_a_negative_value_is_refused_and_not_added(officer):
    contract = make_contract(option_months=())

    with pytest.raises(ValidationError) as refused:
        services.option_add(contract=contract, length_months=12, value=Decimal("-524994"), officer=officer)

    assert refused.value.message_dict == {"value": [NOT_NEGATIVE]}
    assert not contract.options.exists()


def test_an_option_with_a_value_is_added_with_it(officer):
    contract = make_contract(option_months=())

    added = services.option_add(contract=contract, length_months=24, value=Decimal("1049988"), officer=officer)

    assert ExtensionOption.objects.get(pk=added.pk).value == Decimal("1049988.00")


# --- dates and parties --------------------------------------------------------------------


def test_a_termination_date_before_the_start_is_refused():
    contract = build_contract(start_date=date(2027, 3, 1), terminated_on=date(2027, 2, 28))

    assert errors_of(contract) == {"terminated_on": ["The termination date must be on or after the start date"]}


def test_a_contract_terminated_on_its_start_day_is_accepted():
    contract = build_contract(start_date=date(2027, 3, 1), terminated_on=date(2027, 3, 1))

    contract.full_clean()


def test_the_provider_cannot_be_the_buyer():
    council = Organisation.objects.create(name="Milton Keynes City Council", role=Organisation.Role.BOTH)
    contract = build_contract(buyer=council, provider=council)

    assert errors_of(contract) == {"provider": ["The provider must be a different organisation from the buyer"]}


def test_a_contract_cannot_be_its_own_parent():
    contract = make_contract()

    contract.parent = contract

    assert errors_of(contract) == {"parent": ["A contract cannot be its own parent"]}


def test_a_service_may_sit_under_a_partnership_agreement():
    framework = make_contract(kind=Contract.Kind.FRAMEWORK, title="Strategic Partnership Framework")
    service = build_contract(parent=framework)

    service.full_clean()


# --- terms --------------------------------------------------------------------------------


def test_an_initial_term_of_0_months_is_refused():
    contract = build_contract(initial_term_months=0)

    assert errors_of(contract) == {"initial_term_months": ["The initial term must be at least 1 month"]}


def test_contract_save_refuses_an_initial_term_of_0_months_and_saves_nothing(officer):
    contract = build_contract(reference="ZERO", initial_term_months=0)

    with pytest.raises(ValidationError) as refused:
        services.contract_save(contract=contract, officer=officer, reason="New contract")

    assert refused.value.message_dict == {"initial_term_months": ["The initial term must be at least 1 month"]}
    assert not Contract.objects.filter(reference="ZERO").exists()


def test_a_negative_initial_term_is_refused_with_a_message_rather_than_a_crash():
    contract = build_contract(initial_term_months=-12)

    assert "The initial term must be at least 1 month" in errors_of(contract)["initial_term_months"]


def test_an_option_of_0_months_is_refused(officer):
    contract = make_contract(option_months=())

    with pytest.raises(ValidationError) as refused:
        services.option_add(contract=contract, length_months=0, officer=officer)

    assert refused.value.message_dict == {"length_months": ["An option must last at least 1 month"]}
    assert not contract.options.exists()


# --- options against the maximum extent -----------------------------------------------------


def test_adding_an_option_that_runs_past_the_maximum_extent_names_the_option_and_both_dates(officer):
    contract = make_contract(option_months=(12,), max_extent_date=date(2033, 2, 28))

    with pytest.raises(ValidationError) as refused:
        services.option_add(contract=contract, length_months=12, officer=officer)

    assert refused.value.messages == [
        "Option 2 would run to 28 February 2034, after the maximum extent date of 28 February 2033"
    ]
    assert contract.options.count() == 1


def test_adding_a_first_option_longer_than_the_room_left_is_refused(officer):
    # ASC0013: three years from 1 September 2014 with up to two more, so at most 31 August 2019.
    contract = make_contract(
        start_date=date(2014, 9, 1),
        initial_term_months=36,
        option_months=(),
        max_extent_date=date(2019, 8, 31),
    )

    with pytest.raises(ValidationError) as refused:
        services.option_add(contract=contract, length_months=36, officer=officer)

    assert refused.value.messages == [
        "Option 1 would run to 31 August 2020, after the maximum extent date of 31 August 2019"
    ]
    assert not contract.options.exists()


def test_options_that_fill_the_room_up_to_the_maximum_extent_exactly_are_added(officer):
    contract = make_contract(option_months=(), max_extent_date=date(2034, 2, 28))

    services.option_add(contract=contract, length_months=12, officer=officer)
    services.option_add(contract=contract, length_months=12, officer=officer)

    assert list(contract.options.values_list("sequence", "length_months")) == [(1, 12), (2, 12)]
