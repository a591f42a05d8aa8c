"""Every report downloads as a .docx built from the same content as its PDF, and a .docx made
from it can be uploaded back as the report's text (issue 23)."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from lxml import html as lxml_html
from pypdf import PdfReader

from contracts import roles
from reports import services
from reports.docx import MAX_DOCX_BYTES, TRACKER_STYLE
from reports.models import DecisionReport
from reports.pdf import render_report_pdf
from reports.selectors import report_for_display
from tests.factories import make_user
from tests.report_helpers import make_asc0013_like_report, pdf_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen_today"),
    pytest.mark.today("2017-02-20 10:00:00+00:00"),
]


def officer_client(client, report):
    client.force_login(make_user(role=roles.OFFICER, teams=[report.contract.team]))
    return client


def download(client, report) -> bytes:
    response = client.get(reverse("reports:docx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.docx"')
    return b"".join(response.streaming_content)


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


def outline(pdf: bytes) -> list[str]:
    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    return list(titles(PdfReader(BytesIO(pdf)).outline))


def upload(client, report, data: bytes, name: str = "report.docx"):
    return client.post(
        reverse("reports:docx-upload", args=[report.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )


def errors(response) -> str:
    return " ".join(lxml_html.fromstring(response.content.decode()).text_content().split())


def test_the_docx_opens_with_python_docx_and_holds_the_pdfs_headings_and_figures(client):
    report = make_asc0013_like_report()
    officer_client(client, report)

    document = Document(BytesIO(download(client, report)))
    pdf = render_report_pdf(report_for_display(report.pk))

    # The PDF's outline is its headings down to level 3 (h4, "Benefits" and "Risks", are not bookmarked).
    assert [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2", "Heading 3")] == outline(
        pdf
    )
    assert "Benefits" in headings(document) and "Risks" in headings(document)
    text = " ".join(" ".join(p.text.split()) for p in document.paragraphs)
    cells = " ".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    for figure in ["£524,994 per annum", "£1,049,988", "31 August 2019", "1 September 2017"]:
        assert figure in text and figure in pdf_text(pdf)
    assert "Refuge occupancy" in cells and "99%" in cells
    assert document.core_properties.title == report.title
    assert {"Heading 1", "Heading 2", "Heading 3", "Heading 4"} <= {p.style.name for p in document.paragraphs}


def test_an_officer_writes_in_word_and_uploads_the_text_back(client):
    report = make_asc0013_like_report()
    officer_client(client, report)
    document = Document(BytesIO(download(client, report)))
    paragraphs = document.paragraphs
    context = next(i for i, p in enumerate(paragraphs) if p.text == "2. Context")
    paragraphs[context + 1].text = "Written in Word: the service reaches the whole borough."
    paragraphs[context + 1].insert_paragraph_before("Refuge places", style="List Bullet")
    risk = next(i for i, p in enumerate(paragraphs) if p.text.endswith("Option 3: Re-tender"))
    paragraphs[risk + 1].text = "Few providers exist: only two tendered in 2014."
    out = BytesIO()
    document.save(out)

    response = upload(client, report, out.getvalue())

    assert response.status_code == 302
    saved = DecisionReport.objects.get()
    assert saved.context == "- Refuge places\n\nWritten in Word: the service reaches the whole borough."
    assert saved.options.get(kind="retender").description == "Few providers exist: only two tendered in 2014."
    # What the tracker writes is not taken as the officer's words.
    assert saved.recommendations == ""
    assert saved.policy_implications == ""
    assert saved.executive_summary == "This report is seeking approval to extend the current contract."
    assert saved.history.first().history_change_reason == "Text uploaded from a Word document"


def test_the_tracker_figures_are_marked_in_their_own_style(client):
    report = make_asc0013_like_report()
    officer_client(client, report)

    document = Document(BytesIO(download(client, report)))

    figures = [p.text for p in document.paragraphs if p.style.name == TRACKER_STYLE]
    assert any("£1,049,988" in text for text in figures)


def test_a_file_that_is_not_a_word_document_is_refused_with_a_clear_message(client):
    report = make_asc0013_like_report()
    officer_client(client, report)

    as_pdf = upload(client, report, b"%PDF-1.7", name="report.pdf")
    renamed = upload(client, report, b"not a zip at all", name="report.docx")

    assert "The selected file must be a Word document (.docx)" in errors(as_pdf)
    assert "The selected file is not a Word document (.docx): save it as .docx and try again" in errors(renamed)
    assert DecisionReport.objects.get().context == "The extension of this contract affects the whole population."


def test_a_zip_that_is_not_a_word_document_is_refused(client):
    report = make_asc0013_like_report()
    officer_client(client, report)
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")

    response = upload(client, report, out.getvalue())

    assert "is not a Word document (.docx)" in errors(response)


def test_a_file_over_the_size_limit_is_refused(client):
    report = make_asc0013_like_report()
    officer_client(client, report)

    response = upload(client, report, b"x" * (MAX_DOCX_BYTES + 1))

    assert "The selected file must be smaller than 2 MB" in errors(response)


def test_headings_the_report_does_not_have_are_listed_and_nothing_changes(client):
    report = make_asc0013_like_report()
    officer_client(client, report)
    document = Document(BytesIO(download(client, report)))
    document.add_heading("7. Procurement strategy", level=2)
    document.add_paragraph("Some words.")
    document.add_heading("Appendix A", level=3)
    next(p for p in document.paragraphs if p.text == "2. Context").insert_paragraph_before("Changed?")
    out = BytesIO()
    document.save(out)

    response = upload(client, report, out.getvalue())

    assert (
        "The document has headings this report does not have: '7. Procurement strategy', 'Appendix A'. Use the "
        "headings of the report's own .docx download"
    ) in errors(response)
    assert DecisionReport.objects.get().context == "The extension of this contract affects the whole population."


def test_a_submitted_report_cannot_take_text_from_word(client):
    author = make_user(role=roles.OFFICER)
    report = make_asc0013_like_report(officer=author)
    services.report_submit(report=report, officer=author)
    officer_client(client, report)
    document = Document(BytesIO(download(client, report)))
    out = BytesIO()
    document.save(out)

    response = upload(client, report, out.getvalue())

    assert response.status_code == 302
    assert DecisionReport.objects.get().status == "submitted"


def test_an_approved_reports_docx_is_the_one_made_on_approval_whatever_changes_later(client, settings, tmp_path):
    from contracts.models import Contract

    settings.MEDIA_ROOT = tmp_path / "media"
    author = make_user(role=roles.OFFICER)
    report = make_asc0013_like_report(officer=author)
    services.report_submit(report=report, officer=author)
    services.report_approve(report=report, officer=make_user(role=roles.MANAGER))
    officer_client(client, report)
    approved = download(client, report)

    Contract.objects.filter(pk=report.contract_id).update(annual_value=600000)
    later = download(client, report)

    assert later == approved
    text = " ".join(p.text for p in Document(BytesIO(later)).paragraphs)
    assert "£524,994 per annum" in text and "£600,000" not in text
