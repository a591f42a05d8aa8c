"""An import or an edit that opens a gap in cover says so on the page it lands on, naming each
new gap in words; a gap that was already there is not announced again (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning.models import Service
from contracts import roles
from contracts.models import ServiceCategory
from notices import services as notice_services
from notices.models import ImportJob
from tests.factories import make_contract, make_cycle, make_team, make_user
from tests.ocds_helpers import MK_OCID, as_bytes, make_seed_buyers, mk_release
from tests.test_dashboard import text

pytestmark = pytest.mark.django_db

REFUGE_GAP = "Refuge has no contract from 1 to 31 March 2027: the new contract is planned to start on 1 April 2027"


@pytest.fixture(autouse=True)
def on_22_november_2026():
    with time_machine.travel("2026-11-22 10:00:00+00:00", tick=False):
        yield date(2026, 11, 22)


@pytest.fixture
def refuge():
    """The refuge under the framework to 28 February 2027, and the cycle replacing it (the
    seed notice's OCID) with no target start yet: the notices will give it."""
    team = make_team(name="Domestic abuse team")
    contract = make_contract(
        reference="MK-SPF-REFUGE",
        title="Refuge",
        start_date=date(2020, 3, 1),
        initial_term_months=84,
        option_months=(),
        team=team,
    )
    Service.objects.create(team=team, name="Refuge", category=ServiceCategory.REFUGE).contracts.set([contract])
    cycle = make_cycle(team=team, stage="market_engagement", replaces=[contract], ocid=MK_OCID)
    make_seed_buyers()
    officer = make_user(role=roles.OFFICER, teams=[team], first_name="Olivia", last_name="Okafor")
    return contract, cycle, officer


def starting(day: str) -> bytes:
    """The seed notice, its lot starting on ``day``."""
    release = mk_release()
    for lot in release["tender"]["lots"]:
        lot["contractPeriod"]["startDate"] = f"{day}T00:00:00+00:00"
    return as_bytes(release)


def upload(client, data: bytes):
    return client.post(reverse("notices:import"), {"file": SimpleUploadedFile("mk.json", data)})


def test_a_notice_import_that_opens_a_gap_names_it_on_the_result_page(client, refuge):
    _contract, cycle, officer = refuge
    client.force_login(officer)

    page = text(upload(client, starting("2027-04-01")).content.decode())

    cycle.refresh_from_db()
    assert cycle.target_start_date == date(2027, 4, 1)
    assert "Import finished" in page
    assert "Gaps in cover this import opened" in page
    assert f"Gap in cover {REFUGE_GAP}" in page


def test_a_notice_import_that_keeps_cover_continuous_names_no_gap(client, refuge):
    client.force_login(refuge[2])

    page = text(upload(client, starting("2027-03-01")).content.decode())

    assert "Import finished" in page
    assert "Gap in cover" not in page


def test_a_large_import_run_by_the_worker_names_the_gap_on_its_progress_page(client, refuge, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    _contract, cycle, officer = refuge
    client.force_login(officer)
    job = notice_services.import_job_start(
        upload=SimpleUploadedFile("mk.json", starting("2027-04-01")), officer=officer, team=cycle.team, total=1
    )

    notice_services.import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FINISHED
    assert [words.split(";")[0] for words in job.gaps_opened] == [REFUGE_GAP]
    page = text(client.get(job.get_absolute_url()).content.decode())
    assert f"Gap in cover {REFUGE_GAP}" in page


def cycle_form(cycle, **changes) -> dict:
    form = {
        "name": cycle.name,
        "description": cycle.description,
        "service_category": cycle.service_category,
        "team": cycle.team.pk,
        "lead_officer": "",
        "replaces": [contract.pk for contract in cycle.replaces.all()],
        "estimated_value": "",
        "ocid": cycle.ocid,
    }
    return {**form, **changes}


def target(day: date) -> dict:
    return {
        "target_start_date_day": str(day.day),
        "target_start_date_month": str(day.month),
        "target_start_date_year": str(day.year),
    }


def test_a_cycle_edit_that_opens_a_gap_says_so_and_the_next_edit_does_not_repeat_it(client, refuge):
    _contract, cycle, officer = refuge
    client.force_login(officer)
    edit = reverse("commissioning:cycle-edit", args=[cycle.pk])

    opened = text(client.post(edit, cycle_form(cycle, **target(date(2027, 4, 1))), follow=True).content.decode())
    again = text(
        client.post(
            edit, cycle_form(cycle, description="Now with a description", **target(date(2027, 4, 1))), follow=True
        ).content.decode()
    )

    assert f"Important Gap in cover: {REFUGE_GAP}" in opened
    assert "updated" in again and "Gap in cover:" not in again.split("Milestones")[0]


def test_a_cycle_edit_that_closes_the_gap_names_none(client, refuge):
    _contract, cycle, officer = refuge
    cycle.target_start_date = date(2027, 4, 1)
    cycle.save()
    client.force_login(officer)

    page = text(
        client.post(
            reverse("commissioning:cycle-edit", args=[cycle.pk]),
            cycle_form(cycle, **target(date(2027, 3, 1))),
            follow=True,
        ).content.decode()
    )

    assert "updated" in page and "Important Gap in cover" not in page
