"""History entries say what changed in an officer's words: "Yes" and "No", dates in words, money
with a pound sign, never "False → True" or a record's internal id (issue 25)."""

from datetime import date
from decimal import Decimal

import pytest

from contracts import selectors as contract_selectors
from contracts import services as contract_services
from reports import services
from reports.selectors import report_history
from tests.factories import make_user
from tests.report_helpers import make_asc0013_like_report

pytestmark = pytest.mark.django_db


def test_a_reports_history_says_yes_and_no_and_dates_in_words():
    officer = make_user(first_name="Priya", last_name="Shah")
    report = make_asc0013_like_report(officer=officer)

    services.report_update(
        report=report,
        fields={"implies_revenue": not report.implies_revenue, "meeting_date": date(2017, 4, 11)},
        officer=officer,
        reason="Revenue implications and a later Cabinet",
    )

    lines = [line for entry in report_history(report) for line in entry.changes]
    words = "\n".join(lines)
    assert "True" not in words and "False" not in words
    assert any(line.endswith(("No → Yes", "Yes → No")) for line in lines), lines
    assert any("11 April 2017" in line for line in lines), lines


def test_a_contracts_history_says_yes_and_no_and_money_with_a_pound_sign():
    from tests.factories import make_contract

    officer = make_user()
    contract = make_contract(lead_officer=officer, annual_value=Decimal("480000"), value_includes_vat=False)
    contract.value_includes_vat = True
    contract.annual_value = Decimal("500000")
    contract_services.contract_save(contract=contract, officer=officer, reason="Value agreed")

    changes = [change for entry in contract_selectors.contract_history(contract) for change in entry.changes]
    shown = {change.label: (change.old, change.new) for change in changes}
    assert shown["Values include VAT"] == ("No", "Yes"), shown
    assert ("£480,000", "£500,000") in shown.values(), shown
