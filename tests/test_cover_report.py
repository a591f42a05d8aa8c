"""The decision report for a recommissioning prints the cover table and any gap (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest

from reports import services
from reports.models import DecisionReport
from reports.pdf import render_report_pdf
from reports.selectors import report_for_display
from tests.report_helpers import pdf_text
from tests.test_cover_pages import milton_keynes, on_22_november_2026  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def recommissioning_report(cycle) -> DecisionReport:
    report = services.report_create(
        report=DecisionReport(kind=DecisionReport.Kind.RECOMMISSIONING, cycle=cycle, meeting_date=date(2026, 12, 15)),
        officer=None,
    )
    return report_for_display(report.pk)


def test_a_recommissioning_report_prints_each_services_handover(on_22_november_2026):  # noqa: F811
    _framework, _children, _successor, cycle = milton_keynes()

    text = " ".join(pdf_text(render_report_pdf(recommissioning_report(cycle))).split())

    assert "Continuity of cover: each service's contracts and the days between them" in text
    # The successor's reference wraps in its cell: "MK- DASS-2027".
    assert "Refuge MK-SPF-REFUGE, then MK- DASS-2027 28 February 2027 1 March 2027 None" in text
    assert "None planned" not in text  # the new contract's own end is not this report's business


def test_a_recommissioning_report_prints_the_gap_in_cover_in_words(on_22_november_2026):  # noqa: F811
    _framework, _children, _successor, cycle = milton_keynes(new_start=date(2027, 4, 1))

    text = " ".join(pdf_text(render_report_pdf(recommissioning_report(cycle))).split())

    assert "31 days: Refuge has no contract from 1 to 31 March 2027: MK-DASS-2027 starts on 1 April 2027" in text
