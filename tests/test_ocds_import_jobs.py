"""A large upload is imported by a Celery worker: the request returns at once with a progress
page, the worker imports as the officer who uploaded it, and the kept file is deleted after."""

import json
import re

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning.models import CommissioningCycle
from contracts import roles
from notices import services, tasks
from notices.models import ImportJob, Release
from notices.ocds import loader
from tests.factories import make_cycle, make_team, make_user
from tests.ocds_helpers import CLEVELAND_FILE, MK_FILE, MK_OCID, make_seed_buyers

pytestmark = pytest.mark.django_db

BOTH = MK_FILE.read_bytes().replace(b"\n", b"") + b"\n" + CLEVELAND_FILE.read_bytes().replace(b"\n", b"") + b"\n"


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture(autouse=True)
def small_inline_limit(settings, tmp_path):
    settings.OCDS_UPLOAD_INLINE_RELEASES = 1  # two releases go to the worker
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.import_ocds_upload, "delay", lambda *args: sent.append(args))
    return sent


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def upload(client, data: bytes, **fields):
    return client.post(reverse("notices:import"), {"file": SimpleUploadedFile("both.jsonl", data), **fields})


def test_a_large_upload_is_queued_and_the_page_shows_its_progress_then_its_result(
    client, queued, django_capture_on_commit_callbacks
):
    make_seed_buyers()
    team = make_team(name="Domestic abuse team")
    officer = make_user(role=roles.OFFICER, teams=[team], first_name="Olivia", last_name="Okafor")
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, BOTH, team=team.pk)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("notices:import-progress", args=[job.pk])
    assert queued == [(job.pk,)]
    assert not Release.objects.exists()  # nothing imported while the officer waited
    assert default_storage.exists(job.stored_name)
    waiting = text(client.get(response.url))
    assert "Importing 2 releases" in waiting and "Waiting for the importer to start." in waiting
    assert "progress-poll.mjs" in waiting and "Refresh now" in waiting  # polled by script, not a meta refresh

    tasks.import_ocds_upload.apply(args=[job.pk])

    page = text(client.get(response.url))
    assert "Import finished" in page and "progress-poll.mjs" not in page and "Refresh now" not in page
    assert re.search(r"Imported</dt>\s*<dd[^>]*>2</dd>", page)
    assert "Domestic Abuse Support Services in Milton Keynes" in page
    assert CommissioningCycle.objects.count() == 2
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    assert cycle.history.first().history_user == officer
    job.refresh_from_db()
    assert job.stored_name == "" and job.status == ImportJob.Status.FINISHED
    assert not list(default_storage.listdir(services.IMPORT_STORAGE_FOLDER)[1])


def test_a_task_delivered_twice_imports_once(client, queued):
    make_seed_buyers()
    team = make_team()
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    upload(client, BOTH, team=team.pk)
    job = ImportJob.objects.get()

    tasks.import_ocds_upload.apply(args=[job.pk])
    tasks.import_ocds_upload.apply(args=[job.pk])

    job.refresh_from_db()
    assert job.counts["imported"] == 2 and job.counts["unchanged"] == 0


def test_the_worker_imports_with_the_uploaders_rights_only(client, queued):
    make_seed_buyers()
    ours, theirs = make_team(name="Ours"), make_team(name="Theirs")
    make_cycle(team=theirs, ocid=MK_OCID, name="Their cycle")
    client.force_login(make_user(role=roles.OFFICER, teams=[ours]))
    response = upload(client, BOTH, team=ours.pk)

    tasks.import_ocds_upload.apply(args=[ImportJob.objects.get().pk])

    page = text(client.get(response.url))
    assert f"the cycle with the OCID {MK_OCID} belongs to a team you are not in" in page
    assert not Release.objects.filter(ocid=MK_OCID).exists()


def test_someone_else_finds_no_progress_page(client, queued):
    make_seed_buyers()
    team = make_team()
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    response = upload(client, BOTH, team=team.pk)

    client.force_login(make_user(role=roles.OFFICER, teams=[team]))

    assert client.get(response.url).status_code == 404


def test_an_error_in_the_worker_stops_the_job_with_a_message_and_deletes_the_file(client, queued, monkeypatch):
    make_seed_buyers()
    team = make_team()
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    response = upload(client, BOTH, team=team.pk)
    stored = ImportJob.objects.get().stored_name

    def broken(stream, options):
        raise RuntimeError("the database went away")
        yield

    monkeypatch.setattr("notices.ocds.loader.import_releases", broken)
    tasks.import_ocds_upload.apply(args=[ImportJob.objects.get().pk])

    page = text(client.get(response.url))
    assert "The import stopped" in page and "import the file again to finish" in page
    assert not default_storage.exists(stored)


def test_one_release_with_hundreds_of_milestones_goes_to_the_worker_too(client, queued, settings):
    settings.OCDS_UPLOAD_INLINE_RELEASES = 20
    make_seed_buyers()
    team = make_team()
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    release = json.loads(MK_FILE.read_text())
    first = release["planning"]["milestones"][0]
    release["planning"]["milestones"] = [dict(first, id=f"m{n}") for n in range(250)]

    response = upload(client, json.dumps(release).encode(), team=team.pk)

    assert response.status_code == 302 and ImportJob.objects.get().total == 1
    assert not Release.objects.exists()


def test_a_small_upload_is_still_imported_while_the_officer_waits(client, queued, settings):
    settings.OCDS_UPLOAD_INLINE_RELEASES = 20
    make_seed_buyers()
    team = make_team()
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))

    page = text(upload(client, BOTH, team=team.pk))

    assert "Import finished" in page
    assert queued == [] and not ImportJob.objects.exists()


def test_with_an_eager_worker_the_officer_lands_on_the_finished_result(
    client, settings, django_capture_on_commit_callbacks
):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    was_eager, app.conf.task_always_eager = app.conf.task_always_eager, True  # Celery read its settings at start
    try:
        make_seed_buyers()
        team = make_team()
        client.force_login(make_user(role=roles.OFFICER, teams=[team]))

        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, BOTH, team=team.pk)

        assert response.status_code == 302
        page = text(client.get(response.url))
    finally:
        app.conf.task_always_eager = was_eager

    assert "Import finished" in page
    assert re.search(r"Imported</dt>\s*<dd[^>]*>2</dd>", page)


def test_while_it_runs_the_page_shows_a_progress_bar_and_the_counts_so_far(client, queued):
    make_seed_buyers()
    team = make_team()
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    response = upload(client, BOTH, team=team.pk)
    # The worker has read one of the two releases (it saves its counts as it goes).
    ImportJob.objects.update(status=ImportJob.Status.RUNNING, counts={"imported": 1})

    page = text(client.get(response.url))

    assert '<progress class="govuk-!-width-full" id="import-progress-bar" max="2" value="1">' in page
    assert "50% done" in page and "1 of 2 releases read so far." in page
    assert re.search(r"Imported so far</dt>\s*<dd[^>]*>1</dd>", page)
    assert re.search(r"<div data-progress>.*1 of 2 releases read so far.*</dl> </div> </div>", page)


def test_the_progress_page_never_reloads_itself_and_only_the_uploader_or_an_all_teams_viewer_can_poll_it(
    client, queued
):
    """A page that reloads itself on a timer fails WCAG 2.2.1; the script polls the page instead,
    so what it fetches is what access.policy lets that person see."""
    make_seed_buyers()
    team = make_team()
    uploader = make_user(role=roles.OFFICER, teams=[team])
    client.force_login(uploader)
    url = upload(client, BOTH, team=team.pk).url
    ImportJob.objects.update(status=ImportJob.Status.RUNNING, counts={"imported": 1, "refused": 1})

    page = text(client.get(url))
    assert 'http-equiv="refresh"' not in page
    assert re.search(r"Imported so far</dt>\s*<dd[^>]*>1</dd>", page)
    assert re.search(r"Refused so far</dt>\s*<dd[^>]*>1</dd>", page)

    client.force_login(make_user(role=roles.OFFICER, teams=[team]))  # a colleague in the same team
    assert client.get(url).status_code == 404
    client.force_login(make_user(role=roles.OFFICER, teams=[make_team(name="Another team")]))
    assert client.get(url).status_code == 404
    client.force_login(make_user(role=roles.ADMIN))  # sees every team
    assert re.search(r"Refused so far</dt>\s*<dd[^>]*>1</dd>", text(client.get(url)))
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_an_officer_who_left_the_progress_page_finds_their_import_again_on_the_import_page(client, queued):
    make_seed_buyers()
    team = make_team()
    officer = make_user(role=roles.OFFICER, teams=[team])
    client.force_login(officer)
    response = upload(client, BOTH, team=team.pk)
    job = ImportJob.objects.get()

    page = text(client.get(reverse("notices:import")))

    assert "Your imports" in page
    assert f'<a class="govuk-link" href="{response.url}">both.jsonl</a>' in page
    assert "Waiting to start: 0 of 2 releases" in page

    tasks.import_ocds_upload.apply(args=[job.pk])
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    assert "Your imports" not in text(client.get(reverse("notices:import")))  # someone else's are not listed
    client.force_login(officer)
    assert re.search(r'govuk-tag--green">\s*Finished', text(client.get(reverse("notices:import"))))


def test_the_worker_writes_batches_no_larger_than_its_progress_step_so_the_bar_moves(client, queued, monkeypatch):
    make_seed_buyers()
    team = make_team()
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    upload(client, BOTH, team=team.pk)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    seen = []
    real = loader.import_releases

    def watched(stream, options):
        for outcome in real(stream, options):
            yield outcome
            # What the progress page shows once the worker has saved its counts, and what is written.
            seen.append((ImportJob.objects.get().counts.get("imported"), Release.objects.count()))

    monkeypatch.setattr(loader, "import_releases", watched)

    tasks.import_ocds_upload.apply(args=[ImportJob.objects.get().pk])

    # The page said "1 imported" while the second release was still to be written.
    assert seen == [(1, 1), (2, 2)]
