"""The notice pages: importing by upload, the Notices sections of contracts and cycles, choosing
between disagreeing sources, recording a notice, and downloading OCDS."""

import json
import re
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning.models import CommissioningCycle, Milestone
from contracts import roles
from notices.models import Conflict, Duty, Notice
from tests.factories import make_contract, make_cycle, make_team, make_user
from tests.ocds_helpers import CLEVELAND_FILE, MK_FILE, MK_OCID, import_bytes, make_seed_buyers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


def signed_in(client, role=roles.OFFICER, **fields):
    user = make_user(role=role, first_name="Olivia", last_name="Okafor", **fields)
    client.force_login(user)
    return user


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def upload(client, data: bytes, name="notice.json", **fields):
    return client.post(
        reverse("notices:import"), {"file": SimpleUploadedFile(name, data, "application/json"), **fields}
    )


def test_an_officer_uploads_both_seed_notices_and_sees_what_each_changed(client):
    make_seed_buyers()
    team = make_team(name="Domestic abuse commissioning team")
    signed_in(client)

    page = text(upload(client, MK_FILE.read_bytes() + b"\n" + CLEVELAND_FILE.read_bytes(), team=team.pk))

    assert "Import finished" in page
    assert re.search(r"Imported</dt>\s*<dd[^>]*>2</dd>", page)
    assert "Added the milestone &#x27;Next procurement notice expected&#x27;: 6 July 2026 (all day)" in page
    assert CommissioningCycle.objects.count() == 2


def test_a_bad_release_in_an_upload_is_listed_with_its_path_beside_the_good_one(client):
    make_seed_buyers()
    team = make_team()
    signed_in(client)
    bad = CLEVELAND_FILE.read_text().replace('"endDate": "2029-03-31T23:59:59+01:00"', '"endDate": "2029-03-31"')
    data = MK_FILE.read_bytes().replace(b"\n", b"") + b"\n" + bad.replace("\n", "").encode() + b"\n"

    page = text(upload(client, data, team=team.pk))

    assert "1 release refused" in page
    assert (
        "$.tender.lots[0].contractPeriod.endDate: &#x27;2029-03-31&#x27; is a date without a time or time zone" in page
    )
    assert re.search(r"Imported</dt>\s*<dd[^>]*>1</dd>", page)


def test_an_upload_without_a_file_shows_the_error_beside_the_field_and_in_the_summary(client):
    signed_in(client)

    page = text(client.post(reverse("notices:import"), {}))

    assert "There is a problem" in page
    assert page.count("Choose a file of notices to import") == 2


def test_a_50_mb_upload_is_refused_with_a_clear_message_before_it_is_read(client):
    signed_in(client)
    data = b" " * (50 * 1024 * 1024)

    page = text(upload(client, data, name="big.json"))

    assert "The upload form takes files up to 10.0 MB" in page
    assert "import_ocds command" in page
    assert "The file is 50.0 MB" in page
    assert not Notice.objects.exists()


def test_the_upload_limit_can_be_set(client, settings):
    settings.OCDS_UPLOAD_MAX_BYTES = 1024
    signed_in(client)

    page = text(upload(client, MK_FILE.read_bytes()))

    assert "The upload form takes files up to 1 KB" in page


def test_a_viewer_cannot_import_and_anonymous_visitors_must_sign_in(client):
    assert client.get(reverse("notices:import")).status_code == 302
    signed_in(client, role=roles.VIEWER)
    assert client.get(reverse("notices:import")).status_code == 403
    assert upload(client, MK_FILE.read_bytes()).status_code == 403
    assert client.get(reverse("notices:list")).status_code == 200


@pytest.fixture
def imported_mk(client):
    make_seed_buyers()
    cycle = make_cycle(
        name="Domestic abuse support services 2027",
        ocid=MK_OCID,
        is_light_touch=True,
        target_start_date=date(2027, 3, 1),
    )
    from datetime import UTC, datetime

    from commissioning.models import Milestone as M

    M.objects.create(
        cycle=cycle,
        title="Market engagement responses due",
        kind="market_engagement",
        due_on=date(2026, 3, 12),
        due_at=datetime(2026, 3, 12, 12, 0, tzinfo=UTC),
    )
    import_bytes(MK_FILE.read_bytes())
    return cycle


def test_the_cycle_page_lists_its_notices_in_order_with_what_each_changed_and_the_disagreement(client, imported_mk):
    signed_in(client)

    page = text(client.get(imported_mk.get_absolute_url()))

    notices = page[page.index('id="notices-table"') :]
    assert notices.index("062060-2025") < notices.index("017566-2026")
    assert "3 October 2025 at 11:24am" in notices
    assert "The notices and the tracker disagree about 1 thing" in page
    assert "Market engagement responses due: when it is due" in page
    assert "Procurement Act duties" in page
    assert "Publish the UK6 contract award notice" in page


def test_the_officer_chooses_the_notices_date_and_the_milestone_and_its_history_follow(client, imported_mk):
    officer = signed_in(client)
    conflict = Conflict.objects.get(status="open")
    page = text(client.get(conflict.get_absolute_url()))
    assert "12 March 2026 at midday, entered in the tracker" in page
    assert "12 March 2026 (all day)" in page

    response = client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"})

    assert response.status_code == 302
    milestone = conflict.milestone
    milestone.refresh_from_db()
    assert (milestone.due_on, milestone.due_at) == (date(2026, 3, 12), None)
    assert milestone.history.latest().history_user == officer
    assert "chose 12 March 2026 (all day)" in milestone.conflict_note
    conflict.refresh_from_db()
    assert conflict.status == Conflict.Status.USED_NOTICE and conflict.resolved_by == officer
    assert "The notice&#x27;s value was used, by Olivia Okafor" in text(client.get(conflict.get_absolute_url()))


def test_keeping_the_trackers_value_changes_nothing_and_cannot_be_done_twice(client, imported_mk):
    signed_in(client)
    conflict = Conflict.objects.get(status="open")

    client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "tracker"})
    again = client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"}, follow=True)

    conflict.milestone.refresh_from_db()
    assert conflict.milestone.due_at is not None  # still noon
    assert "This has already been decided" in text(again)
    assert Conflict.objects.get(pk=conflict.pk).status == Conflict.Status.KEPT


def test_a_viewer_sees_the_disagreement_but_cannot_choose(client, imported_mk):
    signed_in(client, role=roles.VIEWER)
    conflict = Conflict.objects.get(status="open")

    page = text(client.get(conflict.get_absolute_url()))

    assert "Use the notice" not in page
    assert (
        client.post(reverse("notices:conflict-decision", args=[conflict.pk]), {"choice": "notice"}).status_code == 403
    )


def test_another_teams_notices_and_conflicts_are_not_found(client, imported_mk):
    my_team = make_team()
    signed_in(client, teams=[my_team])
    notice = Notice.objects.first()
    conflict = Conflict.objects.first()

    assert client.get(notice.get_absolute_url()).status_code == 404
    assert client.get(conflict.get_absolute_url()).status_code == 404
    assert client.get(reverse("notices:export-cycle", args=[imported_mk.pk])).status_code == 404
    assert "062060-2025" not in text(client.get(reverse("notices:list")))


def test_a_contract_page_has_a_notices_tab_with_its_duties_and_their_actions(client):
    contract = make_contract(
        reference="CLE-VSRP-2027", start_date=date(2027, 4, 1), initial_term_months=24, option_months=(12, 12)
    )
    Notice.objects.create(
        notice_type="UK2", fts_notice_id="051890-2026", published_at="2026-06-02T12:31:21Z", ocid="x"
    ).contracts.add(contract)
    from commissioning.changes import contract_changed

    contract_changed(contract=contract)
    signed_in(client)

    page = text(client.get(contract.get_absolute_url()))

    assert '<a class="govuk-tabs__tab" href="#notices">Notices</a>' in page
    duties = page[page.index('id="duties-table"') :]
    assert "Publish the UK7 contract details notice for CLE-VSRP-2027" in duties
    assert "30 April 2027" in duties
    assert "Publish a UK10 contract change notice before extension option 1" in duties
    assert "Record the notice" in duties and "Does not apply" in duties


def test_recording_the_notice_for_a_duty_marks_it_and_its_milestone_met(client):
    contract = make_contract(
        reference="CLE-VSRP-2027", start_date=date(2026, 4, 1), initial_term_months=24, option_months=()
    )
    Notice.objects.create(
        notice_type="UK2", fts_notice_id="011111-2026", published_at="2026-01-02T12:00:00Z"
    ).contracts.add(contract)
    from commissioning.changes import contract_changed

    contract_changed(contract=contract)
    duty = Duty.objects.get(contract=contract, key="UK7")
    signed_in(client)
    url = reverse("notices:notice-create") + f"?duty={duty.pk}"
    assert 'value="UK7" selected' in text(client.get(url))

    response = client.post(
        url,
        {
            "notice_type": "UK7",
            "fts_notice_id": "040000-2026",
            "published_on_day": "28",
            "published_on_month": "4",
            "published_on_year": "2026",
        },
    )

    assert response.status_code == 302
    duty.refresh_from_db()
    assert duty.status == Duty.Status.MET and duty.notice.fts_notice_id == "040000-2026"
    assert duty.milestone.status == Milestone.Status.MET and duty.milestone.met_on == date(2026, 4, 28)
    page = text(client.get(contract.get_absolute_url()))
    assert "Met by" in page and "UK7 040000-2026" in page


def test_recording_a_notice_with_a_bad_id_or_a_future_date_shows_both_errors(client):
    contract = make_contract()
    signed_in(client)

    page = text(
        client.post(
            reverse("notices:notice-create") + f"?contract={contract.pk}",
            {
                "notice_type": "UK7",
                "fts_notice_id": "17566",
                "published_on_day": "1",
                "published_on_month": "1",
                "published_on_year": "2030",
            },
        )
    )

    assert "Enter the notice id as 6 digits, a dash and the year" in page
    assert not Notice.objects.exists()


def test_a_duty_that_does_not_apply_keeps_its_reason_in_its_history_and_stops_its_reminders(client):
    contract = make_contract(
        reference="CLE-VSRP-2027", start_date=date(2027, 4, 1), initial_term_months=24, option_months=(12,)
    )
    Notice.objects.create(
        notice_type="UK2", fts_notice_id="011111-2026", published_at="2026-01-02T12:00:00Z"
    ).contracts.add(contract)
    from commissioning.changes import contract_changed

    contract_changed(contract=contract)
    duty = Duty.objects.get(contract=contract, key="UK10:option:1")
    officer = signed_in(client)
    reason = "Legal: the option is written into the contract (clause 4.2), so exercising it is not a modification"

    empty = text(client.post(reverse("notices:duty-status", args=[duty.pk]), {"reason": ""}))
    assert empty.count("Enter why this duty does not apply") == 2
    client.post(reverse("notices:duty-status", args=[duty.pk]), {"reason": reason})

    duty.refresh_from_db()
    assert duty.status == Duty.Status.NOT_APPLICABLE and duty.reason == reason and duty.decided_by == officer
    assert duty.history.latest().reason == reason
    assert duty.milestone.status == Milestone.Status.CANCELLED
    assert reason in duty.milestone.description
    assert not duty.milestone.reminders.filter(status="planned").exists()
    assert f"Does not apply: {reason}" in text(client.get(contract.get_absolute_url()))


def test_the_ocds_download_of_a_cycle_is_a_release_package(client, imported_mk):
    signed_in(client, role=roles.VIEWER)

    response = client.get(reverse("notices:export-cycle", args=[imported_mk.pk]))

    assert response["Content-Disposition"] == f'attachment; filename="cycle-{imported_mk.pk}-ocds.json"'
    package = json.loads(response.content)
    assert package["version"] == "1.1" and package["releases"][0]["ocid"] == MK_OCID


def test_the_notice_page_shows_its_release_and_the_release_page_its_raw_json(client, imported_mk):
    signed_in(client)
    notice = Notice.objects.get(fts_notice_id="017566-2026")

    page = text(client.get(notice.get_absolute_url()))
    assert "UK2 preliminary market engagement notice" in page
    assert "https://www.find-tender.service.gov.uk/Notice/017566-2026" in page

    release_page = text(client.get(notice.source_release.get_absolute_url()))
    assert "&quot;maxExtentDate&quot;: &quot;2034-02-28T23:59:59+00:00&quot;" in release_page


def test_the_upload_still_needs_its_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user(role=roles.OFFICER))
    make_seed_buyers()

    team = make_team()

    response = strict.post(
        reverse("notices:import"), {"file": SimpleUploadedFile("a.json", MK_FILE.read_bytes()), "team": team.pk}
    )

    assert response.status_code == 403
    assert not Notice.objects.exists()
    strict.get(reverse("notices:import"))
    token = strict.cookies["csrftoken"].value
    with_token = strict.post(
        reverse("notices:import"),
        {"file": SimpleUploadedFile("a.json", MK_FILE.read_bytes()), "team": team.pk, "csrfmiddlewaretoken": token},
    )
    assert "Import finished" in text(with_token)


def test_the_notices_page_lists_notices_newest_first_with_the_choices_waiting_and_the_full_download(
    client, imported_mk
):
    signed_in(client, role=roles.VIEWER)

    page = text(client.get(reverse("notices:list")))
    download = client.get(reverse("notices:export-all"))

    assert page.index("017566-2026") < page.index("062060-2025")
    assert "Waiting for a decision" in page and "Market engagement responses due: when it is due" in page
    assert "Import notices" not in page  # viewers cannot import
    assert [release["ocid"] for release in json.loads(download.content)["releases"]] == [MK_OCID]
