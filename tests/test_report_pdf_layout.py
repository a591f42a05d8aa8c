"""The PDF's page furniture and text layout (issue 23's PDF defects)."""

from __future__ import annotations

from io import BytesIO

import pytest
import time_machine
from pypdf import PdfReader

from contracts import roles
from reports import services
from reports.models import ReportApproval
from reports.pdf import render_report_pdf
from reports.selectors import report_for_display
from tests.factories import make_user
from tests.report_helpers import make_asc0013_like_report, submitted

pytestmark = pytest.mark.django_db

TODAY = "2017-02-20 10:00:00+00:00"


@pytest.fixture(autouse=True)
def fixed_today(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(TODAY, tick=False):
        yield


def page_lines(pdf: bytes, number: int) -> list[str]:
    return [" ".join(line.split()) for line in PdfReader(BytesIO(pdf)).pages[number - 1].extract_text().splitlines()]


def test_the_running_header_of_an_approved_pdf_stays_on_one_line():
    author = make_user(role=roles.OFFICER)
    report = submitted(make_asc0013_like_report(officer=author), officer=author)
    services.report_approve(report=report, officer=make_user(role=roles.MANAGER))
    pdf = services.approved_pdf(ReportApproval.objects.get())

    lines = page_lines(pdf, 2)

    assert "Report to Cabinet, 14 March 2017" in " | ".join(lines)
    assert not any(line == "Report" for line in lines)


def test_the_running_header_of_a_draft_says_it_is_not_yet_approved():
    report = make_asc0013_like_report()

    lines = page_lines(render_report_pdf(report_for_display(report.pk)), 2)

    assert any("Report to Cabinet, 14 March 2017 (Draft: not yet approved)" in line for line in lines)


def written(**fields):
    report = make_asc0013_like_report()
    services.report_update(report=report, fields=fields, officer=None, reason="Written")
    return report_for_display(report.pk)


def test_a_list_straight_after_a_line_prints_as_a_list_not_as_hyphens():
    from reports.pdf import report_html

    report = written(
        contract_management="The key governance processes include:\n- Quarterly monitoring meetings\n- Annual quality assessment"
    )

    html = report_html(report)
    pdf = render_report_pdf(report)
    text = " | ".join(
        line for number in range(1, len(PdfReader(BytesIO(pdf)).pages) + 1) for line in page_lines(pdf, number)
    )

    assert "<li>Quarterly monitoring meetings</li>" in html
    assert "Quarterly monitoring meetings" in text
    assert "- Quarterly" not in text


def test_emphasis_and_links_are_kept_and_everything_else_an_officer_types_stays_text():
    from reports.pdf import report_html

    report = written(
        background="The **original** contract was *agreed* in 2014: see [the decision](https://www.milton-keynes.gov.uk/cabinet).\n\n"
        '# Not a heading\n\n<img src="http://127.0.0.1/track.png"> [bad](javascript:alert(1))'
    )

    html = report_html(report)

    assert "<strong>original</strong>" in html and "<em>agreed</em>" in html
    assert '<a href="https://www.milton-keynes.gov.uk/cabinet" rel="noopener noreferrer">the decision</a>' in html
    assert "<p># Not a heading</p>" in html
    assert "<img" not in html and "&lt;img src=" in html
    assert 'href="javascript' not in html and "[bad](javascript:alert(1))" in html
