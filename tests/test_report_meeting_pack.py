"""Rendering every report for a meeting in a Celery task, and keeping the PDFs to download."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from contracts import roles
from reports import services, tasks
from reports.models import RenderedReport
from tests.factories import make_user
from tests.report_helpers import make_asc0013_like_report, pdf_text

pytestmark = pytest.mark.django_db

MEETING = date(2017, 3, 14)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the packs' PDFs are kept in file storage


def test_the_task_renders_and_keeps_a_pdf_for_every_report_of_the_meeting():
    first, second = make_asc0013_like_report(), make_asc0013_like_report()
    other_meeting = make_asc0013_like_report(meeting_date=date(2017, 4, 11))

    done = tasks.render_meeting_pack.apply(args=[MEETING.isoformat()]).get()

    assert sorted(done) == sorted([first.pk, second.pk])
    kept = {rendered.report_id: rendered for rendered in RenderedReport.objects.all()}
    assert set(kept) == {first.pk, second.pk}
    assert other_meeting.pk not in kept
    assert f"(ref: {first.contract.reference})" in pdf_text(services.rendered_pdf(kept[first.pk]))
    assert kept[first.pk].status_when_rendered == "draft"


def test_rendering_the_pack_again_replaces_each_pdf_rather_than_adding_one():
    report = make_asc0013_like_report()
    tasks.render_meeting_pack.apply(args=[MEETING.isoformat()])
    first = RenderedReport.objects.get()

    tasks.render_meeting_pack.apply(args=[MEETING.isoformat()])

    again = RenderedReport.objects.get()
    assert again.report_id == report.pk
    assert again.rendered_at > first.rendered_at


def test_the_packs_pdf_is_kept_in_file_storage_and_a_new_render_deletes_the_old_file(
    django_capture_on_commit_callbacks,
):
    from django.core.files.storage import default_storage

    report = make_asc0013_like_report()
    first = services.rendered_report_store(report=report, pdf=b"%PDF-1.7 first")
    assert first.pdf.name.startswith("reports/meeting-packs/") and default_storage.exists(first.pdf.name)

    with django_capture_on_commit_callbacks(execute=True):
        again = services.rendered_report_store(report=report, pdf=b"%PDF-1.7 second")

    assert RenderedReport.objects.get().pk == first.pk
    assert services.rendered_pdf(again) == b"%PDF-1.7 second"
    assert not default_storage.exists(first.pdf.name)


def test_an_officer_queues_the_pack_and_the_task_is_sent_once_the_request_commits(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(make_user(role=roles.OFFICER))
    make_asc0013_like_report()
    queued = []
    monkeypatch.setattr(tasks.render_meeting_pack, "delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:meeting-pack-create", args=[MEETING]))

    assert queued == [(MEETING.isoformat(),)]
    assert response.url == reverse("reports:meeting", args=[MEETING])


def test_the_meeting_page_offers_the_kept_pdf_for_download(client):
    client.force_login(make_user(role=roles.VIEWER))
    report = make_asc0013_like_report()
    tasks.render_meeting_pack.apply(args=[MEETING.isoformat()])

    page = " ".join(client.get(reverse("reports:meeting", args=[MEETING])).content.decode().split())
    download = client.get(reverse("reports:stored-pdf", args=[report.pk]))

    assert "Not rendered yet" not in page and "(draft)" in page
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.7")
    assert client.post(reverse("reports:meeting-pack-create", args=[MEETING])).status_code == 403


def test_a_meeting_with_no_reports_is_not_found(client):
    client.force_login(make_user(role=roles.VIEWER))

    assert client.get("/reports/meetings/2017-03-15/").status_code == 404
    assert client.get("/reports/meetings/2017-02-30/").status_code == 404
