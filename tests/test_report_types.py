"""Each report type asks only for what it needs (issue 23)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contracts import roles
from reports import selectors, services
from reports.models import DecisionReport
from tests.factories import make_contract, make_user
from tests.report_helpers import make_asc0013_like_contract

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return " ".join(response.content.decode().split())


def test_an_extension_report_for_a_contract_with_no_options_says_what_to_do_instead(client):
    client.force_login(make_user(role=roles.OFFICER))
    contract = make_contract(option_months=(), max_extent_date=None)

    response = client.post(
        reverse("reports:create"), {"kind": "extension", "contract": contract.pk, "decision_route": "cabinet"}
    )

    text = page(response)
    assert (
        "This contract has no extension options, so there is nothing to extend: choose a decommissioning or recommissioning report"
        in text
    )
    assert "Select the extension option the report asks to exercise" not in text
    assert not DecisionReport.objects.exists()
    decommissioning = client.post(
        reverse("reports:create"), {"kind": "decommissioning", "contract": contract.pk, "decision_route": "cabinet"}
    )
    assert decommissioning.status_code == 302 and DecisionReport.objects.get().kind == "decommissioning"


def test_a_decommissioning_report_does_not_talk_about_the_value_of_an_extension():
    contract = make_asc0013_like_contract(annual_value=None)
    report = services.report_create(
        report=DecisionReport(kind=DecisionReport.Kind.DECOMMISSIONING, contract=contract), officer=None
    )

    warnings = selectors.report_facts(selectors.report_for_display(report.pk)).warnings

    assert "The contract has no annual value, so the report cannot give the contract's annual value" in warnings
    assert not any("extension" in warning for warning in warnings)
