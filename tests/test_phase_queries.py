"""``Contract.objects.in_phase`` (SQL) agrees with ``Contract.phase`` (Python) on every boundary."""

from datetime import date, timedelta

import pytest

from contracts import terms
from contracts.models import Contract, ExtensionOption
from contracts.terms import Phase
from tests.factories import make_contract

pytestmark = pytest.mark.django_db

EXERCISED, AVAILABLE = ExtensionOption.Status.EXERCISED, ExtensionOption.Status.AVAILABLE
ONE_DAY = timedelta(days=1)

# A spread of contracts, by reference: (start, initial months, options, statuses, terminated on).
SPREAD = {
    # Milton Keynes' new contract: planned now, active 1 Mar 2027 to 29 Feb 2032.
    "PLANNED": (date(2027, 3, 1), 60, (12, 12), (AVAILABLE, AVAILABLE), None),
    # The same shape with its first option exercised: in extension 1 Mar 2032 to 28 Feb 2033.
    "EXTENDED": (date(2027, 3, 1), 60, (12, 12), (EXERCISED, AVAILABLE), None),
    # ASC0013: 1 Sep 2014 for three years, two-year extension to 31 Aug 2019, long expired.
    "ASC0013": (date(2014, 9, 1), 36, (24,), (EXERCISED,), None),
    # Cleveland: 1 Apr 2027 for two years, both one-year options to 31 Mar 2031.
    "CLEVELAND": (date(2027, 4, 1), 24, (12, 12), (EXERCISED, EXERCISED), None),
    # Ended early during its initial term.
    "ENDED-EARLY": (date(2024, 4, 1), 36, (12,), (AVAILABLE,), date(2025, 9, 30)),
    # Ended early during its extension.
    "ENDED-IN-EXTENSION": (date(2024, 4, 1), 24, (12,), (EXERCISED,), date(2026, 10, 15)),
    # Terminated on the last day of its initial term.
    "ENDED-ON-LAST-DAY": (date(2025, 1, 31), 13, (), (), date(2026, 2, 28)),
    # A one-month contract from 31 January: ends on the last day of February (terms' rule 3).
    "ONE-MONTH": (date(2028, 1, 31), 1, (1,), (AVAILABLE,), None),
}


def _boundaries(start, months, options, statuses, terminated_on) -> set[date]:
    """Each day a phase could change, with the day before and the day after."""
    exercised = [m for m, s in zip(options, statuses) if s == EXERCISED]
    initial_end = terms.term_end(start, months)
    end = terms.current_end(start, months, exercised)
    days = {start, initial_end, end} | ({terminated_on} if terminated_on else set())
    return {d + shift for d in days for shift in (-ONE_DAY, timedelta(0), ONE_DAY)}


# Every boundary of every contract in the spread, plus a few ordinary days far from them.
DAYS = sorted(
    set().union(*(_boundaries(*spec) for spec in SPREAD.values()))
    | {date(2000, 1, 1), date(2026, 11, 22), date(2030, 6, 15), date(2040, 1, 1)}
)


@pytest.fixture(scope="module")
def spread(module_transaction) -> dict[str, Contract]:
    """Built once for the module (some 80 parametrised tests only read it)."""
    contracts = {}
    for reference, (start, months, options, statuses, terminated_on) in SPREAD.items():
        contracts[reference] = make_contract(
            reference=reference,
            start_date=start,
            initial_term_months=months,
            option_months=options,
            option_statuses=statuses,
            terminated_on=terminated_on,
        )
    return contracts


def phases_in_sql(today: date) -> dict[str, Phase]:
    """Each contract's phase, as the register's filters see it."""
    found: dict[str, Phase] = {}
    for phase in Phase:
        for reference in Contract.objects.in_phase(phase, today).values_list("reference", flat=True):
            assert reference not in found, f"{reference} is {found[reference]} and {phase} on {today}"
            found[reference] = phase
    return found


def is_in_phase_in_sql(contract: Contract, phase: Phase, today: date) -> bool:
    return Contract.objects.in_phase(phase, today).filter(pk=contract.pk).exists()


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_the_register_filters_put_each_contract_in_the_phase_its_page_shows(spread, today):
    in_python = {reference: contract.phase(today) for reference, contract in spread.items()}

    assert phases_in_sql(today) == in_python


def test_the_spread_covers_every_phase(spread):
    seen = {contract.phase(today) for contract in spread.values() for today in DAYS}

    assert seen == set(Phase)


def test_the_stored_end_dates_are_the_ones_the_boundaries_were_taken_from(spread):
    ends = {r: (c.initial_end_date, c.current_end_date) for r, c in spread.items()}

    assert ends["PLANNED"] == (date(2032, 2, 29), date(2032, 2, 29))
    assert ends["EXTENDED"] == (date(2032, 2, 29), date(2033, 2, 28))
    assert ends["ASC0013"] == (date(2017, 8, 31), date(2019, 8, 31))
    assert ends["CLEVELAND"] == (date(2029, 3, 31), date(2031, 3, 31))
    assert ends["ONE-MONTH"] == (date(2028, 2, 29), date(2028, 2, 29))


# The boundaries spelled out for one contract, so a failure reads as the rule it breaks.


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (date(2027, 2, 28), Phase.PLANNED),  # the day before the start
        (date(2027, 3, 1), Phase.ACTIVE),  # the start day
        (date(2032, 2, 29), Phase.ACTIVE),  # the last day of the initial term
        (date(2032, 3, 1), Phase.IN_EXTENSION),  # the first day of option 1
        (date(2033, 2, 28), Phase.IN_EXTENSION),  # the current end day
        (date(2033, 3, 1), Phase.EXPIRED),  # the day after
    ],
    ids=str,
)
def test_an_extended_contract_moves_through_its_phases_on_the_right_days(spread, today, phase):
    assert spread["EXTENDED"].phase(today) == phase
    assert is_in_phase_in_sql(spread["EXTENDED"], phase, today)


@pytest.mark.parametrize(
    ("reference", "today", "phase"),
    [
        ("ENDED-EARLY", date(2025, 9, 30), Phase.ACTIVE),  # the termination day is still worked
        ("ENDED-EARLY", date(2025, 10, 1), Phase.TERMINATED),
        ("ENDED-IN-EXTENSION", date(2026, 10, 15), Phase.IN_EXTENSION),
        ("ENDED-IN-EXTENSION", date(2026, 10, 16), Phase.TERMINATED),
        ("ENDED-ON-LAST-DAY", date(2026, 2, 28), Phase.ACTIVE),
        ("ENDED-ON-LAST-DAY", date(2026, 3, 1), Phase.TERMINATED),  # terminated, not expired
        ("ENDED-EARLY", date(2040, 1, 1), Phase.TERMINATED),  # stays terminated after its end
    ],
    ids=str,
)
def test_a_terminated_contract_is_terminated_from_the_day_after_its_termination_date(spread, reference, today, phase):
    assert spread[reference].phase(today) == phase
    assert is_in_phase_in_sql(spread[reference], phase, today)


def test_a_contract_whose_option_is_exercised_moves_from_expired_to_in_extension_in_both():
    contract = make_contract(reference="MOVES")
    day_after_initial_term = date(2032, 3, 1)
    assert contract.phase(day_after_initial_term) == Phase.EXPIRED
    assert is_in_phase_in_sql(contract, Phase.EXPIRED, day_after_initial_term)

    first = contract.options.get(sequence=1)
    first.status = EXERCISED
    first.save()
    contract.refresh_from_db()

    assert contract.phase(day_after_initial_term) == Phase.IN_EXTENSION
    assert is_in_phase_in_sql(contract, Phase.IN_EXTENSION, day_after_initial_term)
