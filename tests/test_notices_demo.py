"""The demo imports both seed releases through the OCDS importer, onto the cycles it made by hand."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from commissioning.models import CommissioningCycle, Milestone
from contracts.demo import CLEVELAND_CYCLE, MK_CYCLE
from notices.models import Conflict, Duty, ImportedValue, Notice, Release

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_settings(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", "correct-horse-battery")


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_the_demo_imports_both_seed_releases_onto_its_own_two_cycles():
    output = load_demo()

    assert "Created notice release ocds-h6vhtk-05a7b0-2026-02-26T16:34:30Z" in output
    assert "Created notice release ocds-h6vhtk-06a838-2026-06-02T13:31:21+01:00" in output
    assert CommissioningCycle.objects.count() == 2
    assert set(Release.objects.values_list("cycle__name", flat=True)) == {MK_CYCLE, CLEVELAND_CYCLE}
    assert list(Notice.objects.filter(cycle__name=CLEVELAND_CYCLE).values_list("fts_notice_id", flat=True)) == [
        "050544-2026",
        "051402-2026",
        "051890-2026",
    ]
    assert set(Notice.objects.get(fts_notice_id="017566-2026").contracts.values_list("reference", flat=True)) == {
        "MK-DASS-2027"
    }


# The tests that read what the demo holds take the ``demo`` fixture (tests/browser.py): the rows
# ``load_demo`` made, put back from this process's copy (tests/snapshot.py). Those about the
# command's own output and running it again run it themselves.


def test_the_demos_hand_entered_milestones_are_matched_and_the_officers_times_kept(demo):
    noon = Milestone.objects.get(cycle__name=MK_CYCLE, title="Market engagement responses due")
    assert noon.due_at == datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
    assert ImportedValue.objects.get(milestone=noon).key == "milestone:planning:engagement"
    assert Conflict.objects.filter(milestone=noon, status="open").exists()
    event = Milestone.objects.get(cycle__name=CLEVELAND_CYCLE, title="Online pre-market engagement event")
    assert event.due_at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert Conflict.objects.filter(milestone=event, status="open").exists()
    # Nothing was added twice: the seven dates the demo entered from the notices are still seven.
    assert Milestone.objects.filter(source=Milestone.Source.IMPORTED).count() == 7


def test_the_2027_contracts_get_their_procurement_act_duties(demo):
    mk = {duty.key: duty.due_on for duty in Duty.objects.filter(contract__reference="MK-DASS-2027")}
    assert mk["UK7"] == date(2027, 6, 28)  # light touch: 120 days
    assert mk["UK11"] == date(2032, 3, 29)
    cleveland = {duty.key: duty.due_on for duty in Duty.objects.filter(contract__reference="CLE-VSRP-2027")}
    assert cleveland["UK7"] == date(2027, 4, 30)
    assert cleveland["UK10:option:1"] == date(2029, 3, 31)
    assert not Duty.objects.filter(contract__reference="ASC0013").exists()  # procured before the Act


def test_loading_the_demo_again_imports_nothing_twice(demo):
    counts = {model: model.objects.count() for model in (Release, Notice, Duty, Conflict, Milestone)}

    output = load_demo()

    assert {model: model.objects.count() for model in counts} == counts
    assert "notice release" not in output
