"""Workflows that change contracts: each one validates, writes and records who and why.

Views, management commands and the admin call these; none of them writes a contract's
options or dates another way. Each one that changes a contract or its options ends with
``commissioning.changes.contract_changed``: milestones, then duties, then reminders.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning import changes
from common import history
from common.dates import long_date

from . import terms
from .models import Contract, ExtensionOption, Organisation


def options_fit_max_extent(contract: Contract, options: list[tuple[int, int]], *, field: str) -> None:
    """Raise if any option, exercised in turn, would run past the maximum extent date.

    ``options`` are (sequence, length in months) pairs in order; the message names the
    option by its own number, which need not be its position after a deletion, and is given
    against ``field``, the form field the officer changes to put it right.
    """
    if not contract.max_extent_date:
        return
    beyond = terms.options_beyond(
        contract.start_date,
        contract.initial_term_months,
        [months for _, months in options],
        contract.max_extent_date,
    )
    if beyond:
        first = beyond[0]
        sequence = options[first.sequence - 1][0]
        raise ValidationError(
            {
                field: f"Option {sequence} would run to {long_date(first.end)}, after the maximum "
                f"extent date of {long_date(contract.max_extent_date)}"
            }
        )


def organisation_save(*, organisation: Organisation, officer: AbstractBaseUser | None, reason: str) -> Organisation:
    """Save a buyer or provider with its history entry; a save that changes nothing records nothing."""
    history.normalise(organisation)
    organisation.full_clean()
    if not history.changed_fields(organisation):
        return organisation
    history.record(organisation, officer=officer, reason=reason)
    organisation.save()
    return organisation


def contract_check(contract: Contract) -> None:
    """Every check a contract's save makes, without saving: raises ValidationError.

    ``contract_save`` calls it, and so does whatever shows an officer the consequence of a
    change before it is made (a notice's date, notices.services.conflict_consequences).
    """
    history.normalise(contract)
    contract.full_clean()
    if contract.pk:
        # Declined and lapsed options will never run, so their ends do not count.
        still_possible = contract.options.exclude(status__in=ExtensionOption.RULED_OUT_STATUSES)
        options_fit_max_extent(
            contract,
            list(still_possible.order_by("sequence").values_list("sequence", "length_months")),
            field="max_extent_date",
        )


def contract_set_initial_end(contract: Contract, end: date) -> None:
    """Set the initial term from the day it ends (the term in months is derived, contracts/terms.py)."""
    months = terms.months_ending_on(contract.start_date, end)
    if months is None:
        raise ValidationError(
            {
                "initial_end_date": f"The initial term cannot end on {long_date(end)}: enter an end date a whole "
                f"number of months after the start date, {long_date(contract.start_date)}, less a day"
            }
        )
    contract.initial_term_months = months


@transaction.atomic
def contract_save(*, contract: Contract, officer: AbstractBaseUser | None, reason: str) -> Contract:
    """Validate and save a new or edited contract with its history entry.

    A save that changes nothing (text compared normalised) writes no history entry; what follows
    a change still runs, and changes nothing.
    """
    contract_check(contract)
    if history.changed_fields(contract):
        history.record(contract, officer=officer, reason=reason)
        contract.save()
    changes.contract_changed(contract=contract, officer=officer)
    return contract


@transaction.atomic
def option_add(
    *, contract: Contract, length_months: int, value=None, officer: AbstractBaseUser | None, reason: str = ""
) -> ExtensionOption:
    """Add the next extension option to a contract."""
    existing = list(contract.options.order_by("sequence").values_list("sequence", "length_months"))
    next_sequence = existing[-1][0] + 1 if existing else 1
    option = ExtensionOption(contract=contract, sequence=next_sequence, length_months=length_months, value=value)
    option.full_clean()
    options_fit_max_extent(contract, [*existing, (next_sequence, length_months)], field="length_months")
    history.record(option, officer=officer, reason=reason or f"Option {option.sequence} added")
    option.save()
    changes.contract_changed(contract=option.contract, officer=officer)
    return option


def _locked(option: ExtensionOption) -> tuple[Contract, ExtensionOption, list[ExtensionOption]]:
    """Lock the contract row so two officers cannot decide its options at the same moment."""
    contract = Contract.objects.select_for_update().get(pk=option.contract_id)
    options = list(contract.options.order_by("sequence"))
    option = next(o for o in options if o.pk == option.pk)
    return contract, option, options


def _check_open(option: ExtensionOption) -> None:
    if not option.is_open:
        raise ValidationError(f"Option {option.sequence} has already been {option.get_status_display().lower()}")


@transaction.atomic
def option_exercise(
    *,
    option: ExtensionOption,
    officer: AbstractBaseUser | None,
    decision_date: date,
    decision_reference: str = "",
    reason: str = "",
    today: date | None = None,
) -> ExtensionOption:
    """Exercise an extension option, moving the contract's current end date.

    1. The option must still be open, and every option before it exercised.
    2. The contract must still be running (not expired, not terminated).
    3. The new end date must not pass the maximum extent date.
    """
    today = today or timezone.localdate()
    contract, option, options = _locked(option)
    _check_open(option)
    earlier = [o for o in options if o.sequence < option.sequence and o.status != o.Status.EXERCISED]
    if earlier:
        raise ValidationError(
            f"Option {earlier[0].sequence} must be exercised before option {option.sequence}: "
            "options are taken in order"
        )
    phase = contract.phase(today)
    if contract.terminated_on:
        # Once a termination date is recorded the contract ends then, whatever its options say.
        raise ValidationError(
            f"The contract was terminated on {long_date(contract.terminated_on)}, so it cannot be extended"
        )
    if phase == terms.Phase.EXPIRED:
        raise ValidationError(
            f"The contract expired on {long_date(contract.current_end_date)}: an option can only extend "
            "a contract that is still running"
        )
    # Every option before this one is exercised (checked above), so it ends where the option does.
    new_end = contract.end_if_exercised(option)
    if contract.max_extent_date and new_end > contract.max_extent_date:
        raise ValidationError(
            f"Option {option.sequence} would run to {long_date(new_end)}, after the maximum extent "
            f"date of {long_date(contract.max_extent_date)}"
        )

    option.status = option.Status.EXERCISED
    option.decision_date = decision_date
    option.decision_reference = decision_reference
    why = f"Option {option.sequence} exercised" + (f": {reason}" if reason else "")
    history.record(option, officer=officer, reason=why)
    # Saving the option moves the contract's current end date (Contract.sync_end_dates).
    option.save(update_fields=["status", "decision_date", "decision_reference"])
    changes.contract_changed(contract=contract, officer=officer, today=today)
    return option


@transaction.atomic
def option_decline(
    *,
    option: ExtensionOption,
    officer: AbstractBaseUser | None,
    decision_date: date,
    decision_reference: str = "",
    reason: str = "",
) -> ExtensionOption:
    """Decline an open option; the options after it lapse, since options run in order."""
    contract, option, options = _locked(option)
    _check_open(option)
    why = f"Option {option.sequence} declined" + (f": {reason}" if reason else "")
    option.status = option.Status.DECLINED
    option.decision_date = decision_date
    option.decision_reference = decision_reference
    history.record(option, officer=officer, reason=why)
    option.save(update_fields=["status", "decision_date", "decision_reference"])
    for later in options:
        if later.sequence > option.sequence and later.is_open:
            later.status = later.Status.LAPSED
            history.record(later, officer=officer, reason=f"Lapsed: option {option.sequence} was declined")
            later.save(update_fields=["status"])
    changes.contract_changed(contract=contract, officer=officer)
    return option
