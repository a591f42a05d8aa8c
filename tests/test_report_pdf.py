"""A decision report's PDF: the tracker's figures in the text, every section, page numbers,
an outline from the headings, tables that keep their header, and an accessible tagged PDF."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from contracts.models import Contract
from reports.models import Unit
from reports.pdf import render_report_pdf
from reports.selectors import report_for_display
from tests.report_helpers import add_return, make_asc0013_like_contract, make_asc0013_like_report, pdf_text

pytestmark = pytest.mark.django_db

SECTION_HEADINGS = [
    "Executive summary",
    "1. Recommendations",
    "2. Context",
    "2.1 Achievements, outcomes and improvements",
    "3. Background",
    "3.1 Contract management",
    "4. Options",
    "4.1 Option 1: Extend the existing contract (recommended)",
    "4.2 Option 2: Extend the existing contract with variations",
    "4.3 Option 3: Re-tender",
    "4.4 Option 4: Decommission",
    "5. Implications",
    "5.1 Policy",
    "5.2 Financial",
    "5.3 Legal",
    "5.4 Equalities",
    "5.5 Risk",
    "5.6 Carbon and energy management",
    "5.7 Social value",
    "5.8 Other implications",
    "Background papers",
]


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """One report rendered once for the tests that only read its PDF (rendering takes a second)."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            report = make_asc0013_like_report()
            pdf = render_report_pdf(report)
            title, author = report.title, report.author
            transaction.set_rollback(True)
    return {"pdf": pdf, "text": pdf_text(pdf), "reader": PdfReader(BytesIO(pdf)), "title": title, "author": author}


def test_the_pdf_gives_the_annual_value_the_extension_value_and_the_computed_dates(rendered):
    text = rendered["text"]
    assert "The annual value of this contract is £524,994 per annum" in text
    assert "The value of a two-year extension is £1,049,988" in text
    assert "The contract is due to expire on 31 August 2017" in text
    assert "from 1 September 2017, expiring on 31 August 2019" in text
    assert "be extended for two years, from 1 September 2017 until 31 August 2019" in text


def test_the_pdf_has_every_section_of_the_seed_report_in_order(rendered):
    text = rendered["text"]
    positions = [text.find(heading) for heading in SECTION_HEADINGS]
    assert -1 not in positions, [h for h, p in zip(SECTION_HEADINGS, positions) if p == -1]
    assert positions == sorted(positions)


def test_the_pdf_shows_the_kpis_and_the_quality_scores_from_the_records(rendered):
    text = rendered["text"]
    assert "Refuge: key performance indicators, 2016/17 Q3" in text
    assert "Refuge occupancy 90% 99% Met" in text
    assert "Refuge 1 March 2016 83% 1 July 2016 90%" in text
    assert "Crisis intervention (One Stop) 1 March 2016 87% 1 July 2016 94%" in text


def test_the_pdf_shows_the_y_n_implications_tables(rendered):
    text = rendered["text"]
    assert "Capital Revenue Accommodation IT Medium Term Plan Asset Management N Y N N N N" in text
    assert "Crime and Disorder" in text


def test_every_page_says_page_n_of_the_total(rendered):
    reader = rendered["reader"]
    total = len(reader.pages)
    assert total >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {total}" in " ".join(page.extract_text().split())


def test_the_council_and_the_meeting_head_every_page(rendered):
    for page in rendered["reader"].pages:
        text = " ".join(page.extract_text().split())
        assert text.count("Report to Cabinet, 14 March 2017") >= 1


def test_the_pdf_is_tagged_for_accessibility_in_british_english(rendered):
    root = rendered["reader"].trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en-GB"


def test_the_pdf_carries_the_report_title_and_author_as_metadata(rendered):
    metadata = rendered["reader"].metadata
    assert metadata.title == rendered["title"]
    assert metadata.author == rendered["author"]
    assert "pdfuaid" in rendered["reader"].trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def test_the_headings_make_the_pdf_outline(rendered):
    reader = rendered["reader"]

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    outline = list(titles(reader.outline))
    assert outline[0] == rendered["title"]
    for heading in [
        "Executive summary",
        "1. Recommendations",
        "4. Options",
        "4.3 Option 3: Re-tender",
        "Background papers",
    ]:
        assert heading in outline


def test_the_pdf_is_a4(rendered):
    box = rendered["reader"].pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_figures_follow_the_contract_when_its_annual_value_changes():
    report = make_asc0013_like_report()
    Contract.objects.filter(pk=report.contract_id).update(annual_value=Decimal("600000.50"))

    text = pdf_text(render_report_pdf(report_for_display(report.pk)))

    assert "The annual value of this contract is £600,000.50 per annum" in text
    assert "The value of a two-year extension is £1,200,001" in text
    assert "£524,994" not in text


def test_a_long_kpi_table_repeats_its_header_on_every_page_it_spans():
    contract = make_asc0013_like_contract()
    add_return(
        contract,
        year=2016,
        quarter=2,
        # 54 rows run onto a second page (89 made three pages and took three times as long).
        results=[("Refuge", f"Indicator number {n}", Unit.NUMBER, None, n) for n in range(1, 55)],
    )
    report = make_asc0013_like_report(contract=contract)
    reader = PdfReader(BytesIO(render_report_pdf(report)))

    pages_with_rows = [
        " ".join(page.extract_text().split()) for page in reader.pages if "Indicator number" in page.extract_text()
    ]
    assert len(pages_with_rows) >= 2
    for text in pages_with_rows:
        assert "Indicator Target 2016/17 Q2 2016/17 Q3 Against target" in text


def test_a_recommissioning_report_about_a_cycle_gives_the_cycles_figures():
    from datetime import date

    from reports import services
    from reports.models import DecisionReport
    from tests.factories import make_contract, make_cycle

    contract = make_contract(reference="MK-SPF-2020", title="Domestic Abuse Strategic Partnership Framework")
    cycle = make_cycle(
        name="Domestic abuse support services 2027",
        stage="market_engagement",
        replaces=[contract],
        target_start_date=date(2027, 3, 1),
        estimated_value=Decimal("4400000"),
    )
    report = services.report_create(
        report=DecisionReport(kind=DecisionReport.Kind.RECOMMISSIONING, cycle=cycle, meeting_date=date(2026, 9, 15)),
        officer=None,
    )

    text = pdf_text(render_report_pdf(report_for_display(report.pk)))

    assert "Recommissioning approval – Domestic abuse support services 2027" in text
    assert (
        "is at the market engagement stage. The new contracts are due to start on 1 March 2027. Their estimated "
        "value is £4,400,000 including VAT (£3,666,666.67 excluding VAT)." in text
    )
    assert "MK-SPF-2020: Domestic Abuse Strategic Partnership Framework" in text
    assert "No recommendations written yet." in text


def test_a_decommissioning_report_recommends_ending_the_service_on_its_computed_end_date():
    from datetime import date

    from reports import services
    from reports.models import DecisionReport

    contract = make_asc0013_like_contract()
    report = services.report_create(
        report=DecisionReport(
            kind=DecisionReport.Kind.DECOMMISSIONING, contract=contract, meeting_date=date(2017, 3, 14)
        ),
        officer=None,
    )

    text = pdf_text(render_report_pdf(report_for_display(report.pk)))

    assert "is not extended and the service is decommissioned when the contract ends on 31 August 2017" in text
    assert "The contract currently ends on 31 August 2017; its maximum extent is 31 August 2019." in text
