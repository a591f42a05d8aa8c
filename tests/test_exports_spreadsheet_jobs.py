"""Spreadsheets are made by a worker, never in the web request (issue 24), and the CSV streams.

Asking for an XLSX file shows a page with a button; pressing it queues a job and lands on its
progress page, which the person may leave and come back to. The worker writes the file into
Django's storage and emails a link; only the person who asked sees the job or downloads the
file, for 7 days.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import roles
from exports import services, tasks
from exports.models import SpreadsheetJob
from tests.export_helpers import XLSX, body, read_xlsx
from tests.factories import make_contract, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://tracker.example.gov.uk"


@pytest.fixture
def team():
    return make_team(name="Domestic abuse team")


@pytest.fixture
def officer(team):
    return make_user(
        username="olivia",
        role=roles.OFFICER,
        first_name="Olivia",
        last_name="Okafor",
        email="olivia@example.gov.uk",
        teams=[team],
    )


@pytest.fixture
def contracts(team):
    return [make_contract(reference=f"MK-{number:03d}", team=team, option_months=()) for number in range(5)]


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.make_spreadsheet, "delay", lambda *args: sent.append(args))
    return sent


@pytest.fixture
def no_spreadsheet_in_the_request(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a spreadsheet was written in the web request")

    monkeypatch.setattr(services, "write_xlsx", refuse)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def ask(client, query="?status=active"):
    """Open the register's spreadsheet link and press the button on it."""
    page = client.get(reverse("exports:register-xlsx") + query)
    assert page.status_code == 200 and "Make the spreadsheet" in text(page)
    return client.post(reverse("exports:spreadsheet-new"), {"source": "register", "query": query.lstrip("?")})


def test_asking_for_a_spreadsheet_returns_at_once_with_a_progress_page_and_queues_the_work(
    client, officer, contracts, queued, no_spreadsheet_in_the_request, django_capture_on_commit_callbacks
):
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client)

    job = SpreadsheetJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("exports:spreadsheet", args=[job.pk])
    assert queued == [(job.pk,)]
    assert (job.officer, job.source, job.query, job.requested_on) == (
        officer,
        "register",
        "status=active",
        date(2026, 11, 22),
    )
    page = text(client.get(response.url))
    assert "Making your spreadsheet" in page and "Waiting to start" in page
    assert "progress-poll.mjs" in page and "Refresh now" in page  # polled by script, not a meta refresh
    assert "You can leave this page" in page
    assert not job.file and not mail.outbox


def test_the_worker_keeps_the_file_in_storage_and_emails_a_link_that_downloads_it(client, officer, contracts, queued):
    client.force_login(officer)
    job_url = ask(client, "").url
    job = SpreadsheetJob.objects.get()

    tasks.make_spreadsheet.apply(args=[job.pk])

    job.refresh_from_db()
    assert job.status == SpreadsheetJob.Status.FINISHED and job.done == job.total == 5
    assert job.file.name.startswith("exports/") and job.file.name.endswith("/contract-register-2026-11-22.xlsx")
    assert default_storage.exists(job.file.name)
    page = text(client.get(job_url))
    assert "Your spreadsheet is ready" in page and "5 rows" in page and "progress-poll.mjs" not in page
    assert "until 29 November 2026 at 10am" in page
    (email,) = mail.outbox
    assert email.to == ["olivia@example.gov.uk"]
    assert email.subject == "Your spreadsheet of the contract register is ready"
    link = f"https://tracker.example.gov.uk/exports/spreadsheets/{job.pk}/file/"
    assert link in email.body and "Hello Olivia Okafor" in email.body
    assert "until 29 November 2026 at 10am" in email.body

    download = client.get(link.removeprefix("https://tracker.example.gov.uk"))
    assert download["Content-Type"] == XLSX
    assert download["Content-Disposition"] == 'attachment; filename="contract-register-2026-11-22.xlsx"'
    assert "no-store" in download["Cache-Control"]
    headings, rows, _ = read_xlsx(download)
    assert sorted(row["Reference"].value for row in rows) == [f"MK-{number:03d}" for number in range(5)]


def test_the_progress_page_shows_how_many_rows_are_written_while_the_worker_is_part_way(client, officer):
    client.force_login(officer)
    job = SpreadsheetJob.objects.create(
        officer=officer, source="register", requested_on=date(2026, 11, 22), status="running", total=3000, done=1000
    )

    page = text(client.get(job.get_absolute_url()))

    assert "1,000 of 3,000 rows written" in page
    assert '<progress id="spreadsheet-progress" max="100" value="33">' in page and "33% done" in page


def test_only_the_person_who_asked_sees_the_job_or_downloads_the_file_not_a_colleague_nor_an_admin(
    client, officer, team, contracts, queued
):
    client.force_login(officer)
    ask(client)
    job = SpreadsheetJob.objects.get()
    services.spreadsheet_job_run(job_id=job.pk)
    colleague = make_user(username="colin", role=roles.MANAGER, teams=[team])
    admin = make_user(username="ada", role=roles.ADMIN)

    for person in (colleague, admin):
        client.force_login(person)
        assert client.get(reverse("exports:spreadsheet", args=[job.pk])).status_code == 404
        assert client.get(reverse("exports:spreadsheet-file", args=[job.pk])).status_code == 404
        assert "Contract register" not in text(client.get(reverse("exports:spreadsheets")))

    client.force_login(officer)
    mine = text(client.get(reverse("exports:spreadsheets")))
    assert "The contract register" in mine and "Ready" in mine


def test_after_7_days_the_link_says_the_spreadsheet_has_expired_and_the_nightly_job_deletes_the_file(
    client, officer, contracts, queued
):
    client.force_login(officer)
    ask(client)
    job = SpreadsheetJob.objects.get()
    services.spreadsheet_job_run(job_id=job.pk)
    job.refresh_from_db()
    stored = job.file.name

    with time_machine.travel(job.expires_at + timedelta(minutes=1), tick=False):
        client.force_login(officer)  # a week later: a new session
        response = client.get(reverse("exports:spreadsheet-file", args=[job.pk]))
        assert response.status_code == 410
        assert "This spreadsheet has expired" in text(response)
        assert tasks.delete_expired_spreadsheets.apply().get() == 1

        assert "This spreadsheet has expired" in text(client.get(job.get_absolute_url()))

    assert not default_storage.exists(stored)


def test_a_person_who_has_lost_the_register_gets_no_file_and_an_email_saying_why(client, officer, contracts, queued):
    client.force_login(officer)
    ask(client)
    job = SpreadsheetJob.objects.get()
    officer.groups.clear()

    services.spreadsheet_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == SpreadsheetJob.Status.FAILED and not job.file
    (email,) = mail.outbox
    assert email.subject == "Your spreadsheet of the contract register could not be made"
    assert "You no longer have access to the contract register" in email.body
    page = text(client.get(job.get_absolute_url()))
    assert "The spreadsheet could not be made" in page and "You no longer have access" in page


def test_asking_twice_on_one_day_gives_the_same_job_and_a_job_runs_once(client, officer, contracts, queued):
    client.force_login(officer)

    first, second = ask(client), ask(client)
    job = SpreadsheetJob.objects.get()
    services.spreadsheet_job_run(job_id=job.pk)
    services.spreadsheet_job_run(job_id=job.pk)  # delivered twice

    assert first.url == second.url == job.get_absolute_url()
    assert len(mail.outbox) == 1


def test_the_spreadsheet_holds_what_the_person_sees_not_another_teams_contracts(client, officer, contracts, queued):
    make_contract(reference="SECRET-1", team=make_team(name="Another team"))
    client.force_login(officer)
    ask(client, "")
    job = SpreadsheetJob.objects.get()
    services.spreadsheet_job_run(job_id=job.pk)

    download = client.get(reverse("exports:spreadsheet-file", args=[job.pk]))

    assert "SECRET-1" not in [row["Reference"].value for row in read_xlsx(download)[1]]


def test_a_bad_quarter_gets_the_transparency_page_with_its_error_and_no_job(client, officer):
    client.force_login(officer)

    response = client.get(reverse("exports:transparency-xlsx") + "?quarter=1999-Q9")

    assert response.status_code == 400 and "Select a quarter from the list" in text(response)
    assert not SpreadsheetJob.objects.exists()


def test_an_unknown_spreadsheet_is_refused_with_a_message_not_an_error(client, officer):
    client.force_login(officer)

    response = client.post(reverse("exports:spreadsheet-new"), {"source": "passwords"})

    assert response.status_code == 400 and not SpreadsheetJob.objects.exists()


def test_someone_without_the_register_cannot_ask_for_its_spreadsheet(client):
    client.force_login(make_user(role=None))

    assert client.get(reverse("exports:register-xlsx")).status_code == 403
    assert client.post(reverse("exports:spreadsheet-new"), {"source": "register"}).status_code == 403
    assert not SpreadsheetJob.objects.exists()


def test_the_csv_sends_its_first_bytes_before_reading_a_single_contract(client, officer, contracts):
    client.force_login(officer)
    response = client.get(reverse("exports:register-csv"))
    assert response.streaming
    chunks = iter(response.streaming_content)

    with CaptureQueriesContext(connection) as queries:
        first = next(chunks)

    assert first.decode().startswith("\ufeffReference,Title,")
    assert len(queries) == 0  # the headings go out while the database is still to be asked
    assert body(response).count(b"MK-") == 5


def test_a_job_whose_worker_stopped_is_marked_failed_by_the_nightly_clean_up_so_nobody_waits_for_ever(
    client, officer, queued
):
    client.force_login(officer)
    ask(client)
    job = SpreadsheetJob.objects.get()
    SpreadsheetJob.objects.filter(pk=job.pk).update(status="running")  # and then the worker was killed

    with time_machine.travel(job.created_at + timedelta(hours=7), tick=False):
        tasks.delete_expired_spreadsheets.apply()
        client.logout()  # seven hours later: a new session
        client.force_login(officer)
        response = client.get(job.get_absolute_url())
        page = text(response)

    assert response.status_code == 200, (response.status_code, response.get("Location"))
    assert "The spreadsheet could not be made" in page and "Ask for it again" in page
    assert "progress-poll.mjs" not in page
