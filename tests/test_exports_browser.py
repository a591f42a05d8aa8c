"""The downloads in a real browser: the links are found, the pages pass axe-core, the files arrive."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import accessible, sign_in_with_the_keyboard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def downloaded_csv(page, link) -> list[dict[str, str]]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return download.suggested_filename, list(csv.DictReader(io.StringIO(text, newline="")))


def test_an_officer_downloads_the_filtered_register_and_the_transparency_return_for_a_quarter(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")

    page.goto("/contracts/?q=MK-SPF")
    name, rows = downloaded_csv(
        page, page.get_by_role("link", name="Download CSV of the contracts these filters match")
    )
    assert name.startswith("contract-register-") and name.endswith(".csv")
    assert rows and all(row["Reference"].startswith("MK-SPF") for row in rows)

    page.get_by_role("link", name="Transparency Code contracts return").click()
    expect(page.get_by_role("heading", name="Transparency Code contracts return")).to_be_visible()
    accessible(page, "Transparency Code return")
    page.get_by_label("Quarter", exact=True).select_option("2019-Q1")
    page.get_by_role("button", name="Show the return").click()
    expect(page.get_by_role("heading", name="Q1 2019 to 2020: April to June 2019")).to_be_visible()
    accessible(page, "Transparency Code return for a quarter")

    name, rows = downloaded_csv(
        page, page.get_by_role("link", name="Download the return as CSV for Q1 2019 to 2020: April to June 2019")
    )
    assert name.startswith("transparency-contracts-2019-Q1-")
    assert [row["Reference number"] for row in rows] == ["ASC0013"]


def test_the_pages_with_download_links_and_the_return_with_an_error_are_accessible(browser_page):
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")

    for url, label in [("/reminders/?show=sent", "reminders"), ("/?mine=on", "dashboard, my items")]:
        page.goto(url)
        expect(page.get_by_role("link", name="Download spreadsheet (XLSX)", exact=False).first).to_be_visible()
        accessible(page, label)

    page.goto("/exports/transparency/?quarter=2026-Q9")
    expect(
        page.get_by_role("link", name="Select a quarter from the list, from April 2015 to this quarter")
    ).to_be_visible()
    accessible(page, "Transparency Code return, bad quarter")


def test_an_officer_asks_for_the_register_as_a_spreadsheet_leaves_it_to_a_worker_and_downloads_it(
    browser_page, settings, tmp_path
):
    from exports.models import SpreadsheetJob
    from exports.services import spreadsheet_job_run

    settings.MEDIA_ROOT = tmp_path / "media"
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")

    page.goto("/contracts/?q=MK-SPF")
    page.get_by_role("link", name="Download spreadsheet (XLSX) of the contracts these filters match").click()
    expect(page.get_by_role("heading", name="Download the contract register as a spreadsheet")).to_be_visible()
    accessible(page, "asking for a spreadsheet")
    page.get_by_role("button", name="Make the spreadsheet").click()
    expect(page.get_by_role("heading", name="Making your spreadsheet")).to_be_visible()
    expect(page.get_by_text("Waiting to start")).to_be_visible()
    accessible(page, "a spreadsheet being made")

    job = SpreadsheetJob.objects.get()
    assert job.query == "q=MK-SPF"
    spreadsheet_job_run(job_id=job.pk)  # the heavy worker
    # The page notices by itself (it polls every 5 seconds), with no reload by the officer.
    expect(page.get_by_role("heading", name="Your spreadsheet is ready")).to_be_visible(timeout=20_000)
    accessible(page, "a spreadsheet ready")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download contract-register-", exact=False).click()
    download = info.value
    assert download.suggested_filename.startswith("contract-register-")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    references = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert references and all(reference.startswith("MK-SPF") for reference in references)
