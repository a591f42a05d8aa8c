"""The "Import contracts" pages: upload, columns (remembered per team), preview, confirm, summary; the Celery path."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts import roles
from contracts.models import Contract
from registers import services
from registers.models import ColumnMapping, RegisterImport
from registers.samples import (
    TRANSPARENCY_HEADERS,
    csv_bytes,
    template_xlsx,
    transparency_rows,
)
from tests.factories import make_buyer, make_contract, make_team, make_user

pytestmark = pytest.mark.django_db

HEADERS = ["Our ref", "Service name", "Provider", "Commences", "Expires", "Extension options", "Annual value"]
ROWS = [
    ["DA-1", "IDVA crisis intervention", "Advocacy Now", "01/04/2026", "31/03/2027", "+1+1", "£120k"],
    ["DA-2", "Perpetrator programme", "Change Works", "01/10/2026", "30/09/2029", "none", "£80,000"],
]


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    """Uploaded files go to Django's default storage: a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def team():
    team = make_team(name="Domestic abuse team")
    make_contract(reference="OLD-1", team=team, buyer=make_buyer(name="Example Council"), option_months=())
    return team


@pytest.fixture
def officer(team):
    return make_user(username="olivia", first_name="Olivia", last_name="Officer", role=roles.OFFICER, teams=[team])


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def upload(client, team, data, name="register.csv"):
    return client.post(reverse("registers:import"), {"team": team.pk, "file": SimpleUploadedFile(name, data)})


def columns(register_import, **changes):
    """The mapping form's answers: what was guessed, with ``changes`` by column heading."""
    answers = {}
    for index, header in enumerate(register_import.headers):
        answers[f"column_{index}"] = changes.get(header, register_import.mapping[index])
    return answers


def test_an_officer_uploads_corrects_a_column_previews_and_imports(client, team, officer):
    client.force_login(officer)
    response = upload(client, team, csv_bytes(HEADERS, ROWS, encoding="utf-8-sig"))
    register_import = RegisterImport.objects.get()
    assert response.url == reverse("registers:import-columns", args=[register_import.pk])
    page = client.get(response.url)
    # "Commences" and "Expires" are not names the tracker knows: the officer says what they are.
    assert "Commences" in text(page) and "For example: 01/04/2026" in text(page)
    assert register_import.mapping[3:5] == ["", ""]
    response = client.post(response.url, columns(register_import, Commences="start_date", Expires="end_date"))
    assert response.url == reverse("registers:import-preview", args=[register_import.pk])
    page = text(client.get(response.url))
    assert "New contracts 2" in page
    assert "DA-1: IDVA crisis intervention" in page and "Advocacy Now (new)" in page
    assert "1 April 2026" in page and "1 year, to 31 March 2027" in page and "2 × 12 months" in page
    assert not Contract.objects.filter(reference="DA-1").exists()

    response = client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"})
    page = text(client.get(response.url))
    assert "Contracts imported" in page and "2 new, 0 changed, 0 unchanged" in page
    assert "Ending within 18 months" in page and "DA-1: IDVA crisis intervention" in page and "31 March 2027" in page
    contract = Contract.objects.get(reference="DA-1")
    assert contract.options.count() == 2
    assert contract.history.earliest().history_change_reason == "Imported from register.csv by Olivia Officer"
    # The team's next file with the same headings needs no correcting.
    assert ColumnMapping.objects.get(team=team).fields["commences"] == "start_date"
    upload(client, team, csv_bytes(HEADERS, ROWS))
    assert RegisterImport.objects.latest("created_at").mapping[3:5] == ["start_date", "end_date"]


def test_a_bad_row_is_shown_with_its_row_and_column_and_nothing_can_be_imported(client, team, officer):
    client.force_login(officer)
    bad = [list(ROWS[0]), list(ROWS[1])]
    bad[1][4] = "31/02/2026"
    upload(client, team, csv_bytes(HEADERS, bad))
    register_import = RegisterImport.objects.get()
    response = client.post(
        reverse("registers:import-columns", args=[register_import.pk]),
        columns(register_import, Commences="start_date", Expires="end_date"),
    )
    page = text(client.get(response.url))
    assert "Row 3, Expires: 31/02/2026 is not a date" in page
    assert "Import 2 contracts" not in page
    client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"})
    assert not Contract.objects.filter(reference__startswith="DA-").exists()


def test_choosing_a_column_twice_or_leaving_out_the_start_is_explained(client, team, officer):
    client.force_login(officer)
    upload(client, team, csv_bytes(HEADERS, ROWS))
    register_import = RegisterImport.objects.get()
    response = client.post(
        reverse("registers:import-columns", args=[register_import.pk]),
        columns(register_import, Commences="title", Expires="end_date"),
    )
    page = text(response)
    assert "Title is chosen for more than one column: choose it once" in page
    assert "No column is matched to Start date" in page
    assert RegisterImport.objects.get().status == "uploaded"


def test_a_file_that_is_not_a_register_is_refused_on_upload(client, team, officer):
    client.force_login(officer)
    response = upload(client, team, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", name="register.xls")
    assert "The file must be a CSV or an Excel .xlsx file" in text(response)
    response = upload(client, team, b"name,colour\nrose,red\n")
    assert "No header row was found" in text(response)
    assert not RegisterImport.objects.exists()


def test_viewers_cannot_import_and_officers_only_into_their_own_teams(client, team, officer):
    viewer = make_user(role=roles.VIEWER, teams=[team])
    client.force_login(viewer)
    assert client.get(reverse("registers:import")).status_code == 403
    other_team = make_team(name="Housing team")
    client.force_login(officer)
    response = upload(client, other_team, csv_bytes(HEADERS, ROWS))
    assert "Select a valid choice" in text(response)
    stranger = make_user(role=roles.OFFICER, teams=[other_team])
    upload(client, team, csv_bytes(HEADERS, ROWS))
    client.force_login(stranger)
    register_import = RegisterImport.objects.get()
    assert client.get(reverse("registers:import-preview", args=[register_import.pk])).status_code == 404
    assert (
        client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"}).status_code == 404
    )


def test_the_template_downloads_and_imports_as_it_is(client, team, officer):
    client.force_login(officer)
    response = client.get(reverse("registers:import-template"))
    assert response["Content-Disposition"] == 'attachment; filename="contracts-register-template.xlsx"'
    preview = services.register_preview(data=template_xlsx(), team=team, user=officer)
    assert preview.counts["new"] == 1 and preview.can_commit
    assert preview.rows[0].proposed.options == (12, 12)


def test_settings_and_tools_offer_import_to_officers_not_viewers(client, team, officer):
    client.force_login(officer)
    assert "Import contracts" in text(client.get(reverse("tools")))
    client.force_login(make_user(role=roles.VIEWER, teams=[team]))
    assert "Import contracts" not in text(client.get(reverse("tools")))


# --- a large file: a Celery job with a progress page ------------------------------------------


def test_a_large_file_runs_as_a_celery_job_and_the_page_shows_progress_until_it_is_done(
    client, team, officer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_ROWS", 5)
    queued = []
    from registers import tasks

    monkeypatch.setattr(tasks.register_import_preview, "delay", lambda pk: queued.append(("preview", pk)))
    monkeypatch.setattr(tasks.register_import_commit, "delay", lambda pk: queued.append(("commit", pk)))
    client.force_login(officer)
    data = csv_bytes(TRANSPARENCY_HEADERS, transparency_rows(12))
    upload(client, team, data)
    register_import = RegisterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registers:import-columns", args=[register_import.pk]), columns(register_import))
    assert queued == [("preview", register_import.pk)]
    page = client.get(reverse("registers:import-preview", args=[register_import.pk]))
    assert '<meta http-equiv="refresh"' in page.content.decode()
    assert "Checking every row" in text(page) and "You can leave it and come back" in text(page)

    # The worker runs the task (as Celery would, by id); the page, opened again, shows the preview.
    tasks.register_import_preview.run(register_import.pk)
    page = text(client.get(reverse("registers:import-preview", args=[register_import.pk])))
    assert "New contracts 12" in page and "Import 12 contracts" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"})
    assert queued[-1] == ("commit", register_import.pk)
    assert "Importing the contracts" in text(client.get(reverse("registers:import-preview", args=[register_import.pk])))
    tasks.register_import_commit.run(register_import.pk)
    page = text(client.get(reverse("registers:import-preview", args=[register_import.pk])))
    assert "Contracts imported" in page and "12 new" in page
    assert Contract.objects.filter(reference__startswith="TC-").count() == 12


def test_a_worker_that_fails_says_so_on_the_page_and_imports_nothing(client, team, officer, monkeypatch):
    from registers import tasks

    client.force_login(officer)
    upload(client, team, csv_bytes(TRANSPARENCY_HEADERS, transparency_rows(3)))
    register_import = RegisterImport.objects.get()
    client.post(reverse("registers:import-columns", args=[register_import.pk]), columns(register_import))

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "register_commit", broken)
    with pytest.raises(RuntimeError):
        tasks.register_import_commit.run(register_import.pk)
    page = text(client.get(reverse("registers:import-preview", args=[register_import.pk])))
    assert "Nothing was imported" in page and "The import stopped before it finished" in page
    assert not Contract.objects.filter(reference__startswith="TC-").exists()


def test_with_an_eager_worker_a_large_file_goes_through_delay_and_lands_on_the_summary(
    client, team, officer, settings, monkeypatch, django_capture_on_commit_callbacks, storage
):
    from config.celery import app

    monkeypatch.setattr(services, "INLINE_ROWS", 5)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    was_eager, app.conf.task_always_eager = app.conf.task_always_eager, True  # Celery read its settings at start
    try:
        client.force_login(officer)
        upload(client, team, csv_bytes(TRANSPARENCY_HEADERS, transparency_rows(8)))
        register_import = RegisterImport.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("registers:import-columns", args=[register_import.pk]), columns(register_import))
        assert "Import 8 contracts" in text(client.get(reverse("registers:import-preview", args=[register_import.pk])))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"})
        page = text(client.get(response.url))
    finally:
        app.conf.task_always_eager = was_eager
    assert "Contracts imported" in page and "8 new" in page
    # Imported: the uploaded file is deleted from storage.
    assert RegisterImport.objects.get().stored_name == ""
    assert not list((storage / services.STORAGE_FOLDER).iterdir())


# --- the uploaded file: kept in storage until imported, or for a week --------------------------


def test_the_uploaded_file_is_kept_in_storage_not_the_database_until_it_is_imported(client, team, officer, storage):
    client.force_login(officer)
    data = csv_bytes(HEADERS, ROWS)
    upload(client, team, data)
    register_import = RegisterImport.objects.get()
    kept = storage / register_import.stored_name
    assert kept.read_bytes() == data and kept.parent.name == services.STORAGE_FOLDER
    client.post(
        reverse("registers:import-columns", args=[register_import.pk]),
        columns(register_import, Commences="start_date", Expires="end_date"),
    )
    assert kept.exists()  # checked, not yet imported
    client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"})
    assert "Contracts imported" in text(client.get(reverse("registers:import-preview", args=[register_import.pk])))
    assert not kept.exists()


def test_a_refused_import_keeps_its_file_for_another_try(client, team, officer, storage, monkeypatch):
    client.force_login(officer)
    upload(client, team, csv_bytes(HEADERS, ROWS))
    register_import = RegisterImport.objects.get()
    client.post(
        reverse("registers:import-columns", args=[register_import.pk]),
        columns(register_import, Commences="start_date", Expires="end_date"),
    )

    def refuse(**kwargs):
        raise services.ImportRefused(["Row 2: DA-1 was added by someone else meanwhile"])

    monkeypatch.setattr(services, "register_commit", refuse)
    client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"})
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.FAILED
    assert (storage / register_import.stored_name).exists()


def test_an_upload_left_for_a_week_has_its_file_deleted_and_the_page_says_upload_it_again(
    client, team, officer, storage
):
    import time_machine
    from django.utils import timezone

    client.force_login(officer)
    with time_machine.travel(timezone.now() - services.FILE_RETENTION - timezone.timedelta(hours=1)):
        upload(client, team, csv_bytes(HEADERS, ROWS), name="abandoned.csv")
    abandoned = RegisterImport.objects.get()
    kept = storage / abandoned.stored_name
    client.force_login(officer)  # a week later: signed in afresh
    upload(client, team, csv_bytes(HEADERS, ROWS), name="today.csv")  # the next upload tidies up
    assert not kept.exists()
    today = RegisterImport.objects.get(filename="today.csv")
    assert (storage / today.stored_name).exists()
    client.post(
        reverse("registers:import-columns", args=[abandoned.pk]),
        columns(abandoned, Commences="start_date", Expires="end_date"),
    )
    page = text(client.get(reverse("registers:import-preview", args=[abandoned.pk])))
    assert "Nothing was imported" in page and "The uploaded file is no longer kept" in page
    assert "upload it again" in page


def test_the_summary_page_lists_contracts_ending_within_18_months_and_the_gap_an_update_opens(client, officer):
    import time_machine

    from tests.test_cover_pages import milton_keynes

    team = officer.teams.get()
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        _framework, _children, successor, _cycle = milton_keynes(team=team)
        client.force_login(officer)
        data = csv_bytes(
            ["Reference", "Title", "Start date", "Initial term (months)"],
            [
                [successor.reference, successor.title, "01/04/2027", "60"],
                ["DA-9", "Sanctuary scheme", "01/12/2026", "12"],
            ],
        )
        upload(client, team, data, name="update.csv")
        register_import = RegisterImport.objects.get()
        client.post(reverse("registers:import-columns", args=[register_import.pk]), columns(register_import))
        client.post(reverse("registers:import-preview", args=[register_import.pk]), {"commit": "1"})
        page = text(client.get(reverse("registers:import-preview", args=[register_import.pk])))
    assert "Contracts imported" in page and "1 new, 1 changed, 0 unchanged" in page
    assert "Ending within 18 months" in page and "DA-9: Sanctuary scheme" in page and "30 November 2027" in page
    assert "Gap in cover Refuge has no contract from 1 to 31 March 2027" in page
    assert "Start date: 1 March 2027 to 1 April 2027" in page


def test_an_admin_of_many_teams_types_the_team_instead_of_receiving_every_team_in_a_list(client, team):
    """Issue 24: the page listed every team for an admin (152 KB at 100,000 contracts)."""
    from contracts.forms import MANY_CHOICES

    for index in range(MANY_CHOICES + 1):
        make_team(name=f"Team {index:03d}")
    admin = make_user(username="ada", role=roles.ADMIN)
    client.force_login(admin)

    page = client.get(reverse("registers:import")).content.decode()
    assert "Team 050" not in page  # no select of every team
    assert 'name="team_name"' in page and reverse("contracts:search-teams") in page

    unknown = client.post(
        reverse("registers:import"), {"team_name": "No such team", "file": SimpleUploadedFile("r.csv", b"a,b\n")}
    )
    assert "No single team is called" in text(unknown)
    assert not RegisterImport.objects.exists()

    client.post(
        reverse("registers:import"),
        {"team_name": "Domestic abuse team", "file": SimpleUploadedFile("r.csv", csv_bytes(HEADERS, ROWS))},
    )
    assert RegisterImport.objects.get().team == team

    notices = client.get(reverse("notices:import")).content.decode()
    assert "Team 050" not in notices and 'name="team_name"' in notices


def test_an_officer_still_chooses_their_team_from_a_list(client, team, officer):
    client.force_login(officer)
    page = client.get(reverse("registers:import")).content.decode()
    assert re.search(r'<select[^>]*name="team"', page) and "Domestic abuse team" in page
    assert 'name="team_name"' not in page
