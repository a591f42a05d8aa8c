"""Every type of decision report passes the same PDF checks, and no page ends with a heading."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from reports import demo, services
from reports.models import DecisionReport, ReportOption
from reports.pdf import render_report_pdf, report_html
from reports.selectors import report_for_display
from tests.factories import make_contract, make_cycle
from tests.pdf_checks import pdf_problems
from tests.report_helpers import WRITTEN, make_asc0013_like_contract, make_asc0013_like_report

pytestmark = pytest.mark.django_db

PAGE_MARGIN = 22 / 25.4 * 72  # @page margin in report-print.css, in points
A4_HEIGHT = 842


def _report(kind: str) -> DecisionReport:
    if kind == DecisionReport.Kind.EXTENSION:
        return make_asc0013_like_report()
    if kind == DecisionReport.Kind.RECOMMISSIONING:
        contract = make_contract(reference="MK-SPF-2020", title="Domestic Abuse Strategic Partnership Framework")
        cycle = make_cycle(
            name="Domestic abuse support services 2027",
            replaces=[contract],
            target_start_date=date(2027, 3, 1),
            estimated_value=Decimal("4400000"),
            is_light_touch=True,
        )
        report = services.report_create(
            report=DecisionReport(kind=kind, cycle=cycle, meeting_date=date(2026, 12, 15)), officer=None
        )
    else:
        report = services.report_create(
            report=DecisionReport(kind=kind, contract=make_asc0013_like_contract(), meeting_date=date(2017, 3, 14)),
            officer=None,
        )
    fields = {name: value for name, value in WRITTEN.items() if name not in ("achievements", "contract_management")}
    services.report_update(report=report, fields=fields, officer=None, reason="Written")
    return report_for_display(report.pk)


@pytest.mark.parametrize(
    "kind",
    [
        DecisionReport.Kind.EXTENSION,
        DecisionReport.Kind.DECOMMISSIONING,
        DecisionReport.Kind.RECOMMISSIONING,
        DecisionReport.Kind.AWARD,
    ],
)
def test_every_type_of_report_is_a_tagged_british_english_pdf_with_its_title_headings_in_order_and_fonts_embedded(
    kind,
):
    report = _report(kind)

    pdf = render_report_pdf(report)

    assert pdf_problems(pdf, title=report.title) == []


@pytest.mark.parametrize("kind", [DecisionReport.Kind.DECOMMISSIONING, DecisionReport.Kind.RECOMMISSIONING])
def test_every_type_of_report_has_a_docx_with_the_headings_of_its_pdf(kind):
    from docx import Document

    from reports.docx import report_docx

    report = _report(kind)

    document = Document(BytesIO(report_docx(report)))
    outline = PdfReader(BytesIO(render_report_pdf(report))).outline

    def titles(items):
        for item in items:
            yield from (titles(item) if isinstance(item, list) else [item.title])

    levels = ("Heading 1", "Heading 2", "Heading 3")
    assert [p.text for p in document.paragraphs if p.style.name in levels] == list(titles(outline))


def test_the_checks_find_a_pdf_that_is_not_tagged():
    from weasyprint import HTML

    pdf = HTML(string="<html><head><title>T</title></head><body><h2>Skipped</h2></body></html>").write_pdf()

    problems = pdf_problems(pdf, title="T")

    assert "not tagged: no structure tree" in problems
    assert any(problem.startswith("language is") for problem in problems)


def headings_of(html: str) -> list[str]:
    tree = lxml_html.document_fromstring(html)
    return [" ".join(h.text_content().split()) for h in tree.iter("h1", "h2", "h3", "h4")]


def last_line_of_each_page(pdf: bytes) -> list[str]:
    """The lowest line of text in each page's body (the running header and footer left out)."""
    lasts = []
    for page in PdfReader(BytesIO(pdf)).pages:
        pieces = []

        def visit(text, cm, tm, font, size, pieces=pieces):
            if text.strip():
                pieces.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        body = [piece for piece in pieces if PAGE_MARGIN < piece[0] < A4_HEIGHT - PAGE_MARGIN]
        lowest = min(y for y, _ in body)
        lasts.append(" ".join(text for y, text in body if abs(y - lowest) < 1))
    return lasts


@pytest.mark.parametrize("extra_lines", range(0, 12, 2))
def test_no_page_of_the_asc0013_report_ends_with_a_heading(extra_lines):
    """The seed report's own words (reports.demo), with the context lengthened line by line so
    that page breaks fall in many places."""
    report = make_asc0013_like_report()
    texts = {name: value for name, value in demo.SECTIONS.items() if hasattr(DecisionReport, name)}
    texts["context"] = demo.SECTIONS["context"] + "\n\n" + "\n".join(["The service is needed."] * extra_lines)
    services.report_update(report=report, fields=texts, officer=None, reason="Seed text")
    services.report_options_save(report=report, texts=demo.OPTIONS, recommended=ReportOption.Kind.EXTEND, officer=None)
    report = report_for_display(report.pk)
    headings = headings_of(report_html(report))

    lasts = last_line_of_each_page(render_report_pdf(report))

    for number, line in enumerate(lasts[:-1], start=1):
        assert not any(heading.endswith(line) for heading in headings), f"page {number} ends with {line!r}"
