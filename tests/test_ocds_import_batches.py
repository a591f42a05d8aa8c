"""Releases are written in batches, one transaction each (notices/ocds/loader.py, ``_import_batch``):
a release refused in the middle of a batch still leaves nothing behind while the others go in, and
what follows a change (duties, reminders) is worked out once per cycle per batch with the same
result as release by release."""

import pytest
import time_machine

from commissioning.models import CommissioningCycle, Milestone
from notices.models import Duty, Notice, Release
from notices.ocds import loader
from notices.ocds.loader import Outcome
from reminders.models import Reminder
from tests.factories import make_team
from tests.ocds_helpers import (
    CLEVELAND_OCID,
    MK_OCID,
    MK_RELEASE_ID,
    cleveland_release,
    import_bytes,
    later,
    make_seed_buyers,
    mk_release,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


def mk_procurement() -> list[dict]:
    """Milton Keynes' notice, then three later releases of it: a planned procurement notice, a
    tender notice and an award notice, each a duty-bearing change to the cycle."""
    first = mk_release()
    return [
        first,
        later(first, when="2026-04-01T09:00:00Z", notice_id="900001-2026", notice_type="UK3"),
        later(first, when="2026-04-20T09:00:00+01:00", notice_id="900002-2026", notice_type="UK4"),
        later(first, when="2026-05-01T09:00:00+01:00", notice_id="900003-2026", notice_type="UK6"),
    ]


def what_the_officer_sees() -> dict:
    cycle = CommissioningCycle.objects.get(ocid=MK_OCID)
    return {
        "stage": cycle.stage,
        "milestones": sorted((m.title, m.due_on, m.due_at, m.status) for m in Milestone.objects.filter(cycle=cycle)),
        "duties": sorted((d.notice_type, d.due_on, d.status) for d in Duty.objects.filter(cycle=cycle)),
        "notices": sorted(Notice.objects.filter(cycle=cycle).values_list("fts_notice_id", "notice_type")),
        "reminders": Reminder.objects.filter(milestone__cycle=cycle).count(),
    }


def test_a_release_refused_in_the_middle_of_a_batch_leaves_nothing_behind_and_the_others_go_in():
    team = make_team()
    _, cleveland_buyer = make_seed_buyers()
    cleveland_buyer.delete()  # so Cleveland's release is refused when written: its buyer is unknown
    cleveland = cleveland_release()
    first, *rest = mk_procurement()

    outcomes = import_bytes([first, cleveland, *rest], team=team)

    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.REFUSED] + [Outcome.IMPORTED] * len(rest)
    [problem] = outcomes[1].problems
    assert problem.startswith(f"release {cleveland['id']} ({CLEVELAND_OCID}): $.buyer: no organisation in the tracker")
    assert not CommissioningCycle.objects.filter(ocid=CLEVELAND_OCID).exists()
    assert not Release.objects.filter(ocid=CLEVELAND_OCID).exists()
    assert Release.objects.filter(ocid=MK_OCID).count() == 4


def test_a_batch_works_out_the_cycles_duties_once_with_the_same_result_as_release_by_release(monkeypatch):
    team = make_team()
    make_seed_buyers()
    calls = []
    real, real_many = loader.cycle_changed, loader.cycles_changed
    monkeypatch.setattr(loader, "cycle_changed", lambda **kwargs: calls.append(kwargs["cycle"].pk) or real(**kwargs))
    # A batch follows up all its cycles with one call: each cycle in it counts once.
    monkeypatch.setattr(
        loader,
        "cycles_changed",
        lambda **kwargs: calls.extend(c.pk for c in kwargs["cycles"]) or real_many(**kwargs),
    )

    one_at_a_time = import_bytes(mk_procurement(), team=team, batch_size=1)
    alone = what_the_officer_sees()
    assert len(calls) == 2  # the new cycle, then the award notice
    CommissioningCycle.objects.all().delete()
    Notice.objects.all().delete()
    Release.objects.all().delete()
    calls.clear()

    batched = import_bytes(mk_procurement(), team=team)

    assert len(calls) == 1
    assert [o.status for o in batched] == [o.status for o in one_at_a_time] == [Outcome.IMPORTED] * 4
    assert what_the_officer_sees() == alone
    assert alone["duties"], "the award notice brings the Act's duties"


def test_the_duties_a_batch_brought_are_listed_with_its_last_release_of_that_procurement():
    team = make_team()
    make_seed_buyers()

    outcomes = import_bytes(mk_procurement(), team=team)

    assert outcomes[0].release_id == MK_RELEASE_ID
    assert any(change.startswith("Added the commissioning cycle") for change in outcomes[0].changes)
    listed = Release.objects.get(release_id=outcomes[-1].release_id).changes
    assert listed == outcomes[-1].changes
    assert any("Procurement Act duties" in change for change in listed), listed


def test_the_same_release_twice_in_one_batch_goes_in_once():
    team = make_team()
    make_seed_buyers()

    outcomes = import_bytes([mk_release(), mk_release()], team=team)

    assert [o.status for o in outcomes] == [Outcome.IMPORTED, Outcome.UNCHANGED]
    assert Release.objects.count() == 1
