"""The OCDS upload page in a real browser: a file too long to import while the officer waits goes to a
worker, and the progress page (static/js/progress-poll.mjs) moves on by itself from waiting, to the
progress bar, to the result, each step passing axe-core.

As in the spreadsheet test (tests/test_exports_browser.py), no Celery worker runs: the queued task is
recorded and the test runs the worker's function itself, in this thread. The page is checked while the
worker is between two releases, so the bar is seen part-way, with no sleeps: Playwright waits for the
page's own polling to show each step.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from notices import services, tasks
from notices.models import ImportJob, Release
from notices.ocds import loader
from tests.browser import accessible, sign_in_with_the_keyboard
from tests.ocds_helpers import as_bytes
from tests.ocds_publishers import find_a_tender

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

POLL = 20_000  # the page fetches itself every 5 seconds


def test_an_officer_uploads_a_file_and_watches_the_progress_bar_reach_the_result(
    browser_page, settings, tmp_path, monkeypatch
):
    settings.OCDS_UPLOAD_INLINE_RELEASES = 1  # three releases go to the worker
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)  # the counts are saved after each release
    queued: list[int] = []
    monkeypatch.setattr(tasks.import_ocds_upload, "delay", lambda job_id: queued.append(job_id))
    package = {
        "uri": "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages",
        "version": "1.1",
        "publishedDate": "2026-05-01T09:00:00+01:00",
        "publisher": {"name": "Find a Tender"},
        "releases": [find_a_tender(number=number) for number in (1, 2, 3)],
    }
    page = browser_page
    sign_in_with_the_keyboard(page, "officer")

    page.goto("/notices/import/")
    expect(page.get_by_role("heading", name="Import notices")).to_be_visible()
    accessible(page, "the upload form")
    page.get_by_label("File of notices").set_input_files(
        {"name": "find-a-tender.json", "mimeType": "application/json", "buffer": as_bytes(package)}
    )
    page.get_by_label("Team for new cycles").select_option(index=1)
    page.get_by_label("Add buyers the tracker does not know yet").check()
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", name="Importing 3 releases")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Waiting for the importer to start.")
    accessible(page, "an upload waiting for the worker")
    [job_id] = queued
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.QUEUED

    seen_part_way: list[str] = []  # what the page showed between the second and third release, or what failed
    real_import_releases = loader.import_releases

    def watched(stream, options):
        for number, outcome in enumerate(real_import_releases(stream, options), start=1):
            if number == 3:
                try:
                    # Two releases are read and their counts saved: the page shows the bar by itself.
                    bar = page.get_by_role("progressbar")
                    expect(bar).to_have_attribute("value", "2", timeout=POLL)
                    expect(bar).to_have_attribute("max", "3")
                    expect(page.get_by_role("status")).to_have_text("2 of 3 releases read so far.")
                    expect(page.get_by_text("67% done")).to_be_visible()
                    accessible(page, "an upload part-way through")
                    seen_part_way.append("the bar at 2 of 3")
                except AssertionError as error:  # the worker would record it as its own failure
                    seen_part_way.append(str(error))
                    raise
            yield outcome

    monkeypatch.setattr(loader, "import_releases", watched)
    tasks.import_ocds_upload.apply(args=[job_id])  # the worker

    assert seen_part_way == ["the bar at 2 of 3"]
    # The page notices the import is over and reloads into the result, with no click by the officer.
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible(timeout=POLL)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    accessible(page, "an upload's result")
    assert Release.objects.filter(ocid__in=[r["ocid"] for r in package["releases"]]).count() == 3
    assert ImportJob.objects.get(pk=job_id).counts["imported"] == 3
