"""A new procurement's first release, in a batch, adds its cycle's milestones, duties and reminders
together (issue 20: ``commissioning.services.milestones_create``, ``notices.services.duties_sync_for_cycles``,
``commissioning.changes.cycles_changed``), and what an officer finds afterwards is what importing
the same releases one at a time (``loader.import_item``, the path a refused release's batch takes)
leaves: the same milestones and dates, duties, reminders, and history entries with the same
person and reason."""

import io

import pytest
import time_machine

from bench.ocds_import import BUYER_PPON
from bench.ocds_import import release as bench_release
from commissioning.models import CommissioningCycle, Milestone
from contracts.models import Organisation
from notices.models import Duty, ImportedValue, Lot, Notice, Release
from notices.ocds import loader
from notices.ocds.loader import ImportOptions, Outcome
from notices.ocds.reader import read_releases
from reminders.models import Reminder
from tests.factories import make_team, make_user
from tests.ocds_helpers import as_bytes, import_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_december_2025():
    with time_machine.travel("2025-12-01 10:00:00+00:00", tick=False):
        yield


def the_file() -> list[dict]:
    """Four new procurements, then five later releases of each: the fifth moves two milestones
    the batch added a moment before (so they are written, then moved, in the same batch), and
    the second release of the second procurement extends the lot its first had just added."""
    releases = [bench_release(procurement, step) for step in range(6) for procurement in range(4)]
    extended = releases[4 + 1]
    assert extended["ocid"] == releases[1]["ocid"]
    extended["tender"]["lots"][0]["contractPeriod"]["endDate"] = "2033-03-31T23:59:59+01:00"
    return releases


def what_an_officer_finds() -> dict:
    ocid = dict(CommissioningCycle.objects.values_list("pk", "ocid"))
    title = dict(Milestone.objects.values_list("pk", "title"))
    return {
        "cycles": sorted(
            CommissioningCycle.objects.values_list(
                "ocid", "name", "stage", "lead_officer", "target_start_date", "estimated_value"
            )
        ),
        "milestones": sorted(
            (ocid[m.cycle_id], m.kind, m.title, m.description, m.sources, m.due_on, m.due_at, m.status, m.source)
            + (m.owner_id, m.reminder_offsets)
            for m in Milestone.objects.all()
        ),
        "milestone history": sorted(
            (ocid[cycle], kind, due_on, kind_of_entry, reason, user)
            for cycle, kind, due_on, kind_of_entry, reason, user in Milestone.history.values_list(
                "cycle_id", "kind", "due_on", "history_type", "history_change_reason", "history_user_id"
            )
        ),
        "duties": sorted(
            (ocid[d.cycle_id], d.key, d.notice_type, d.title, d.due_on, d.status, title[d.milestone_id])
            for d in Duty.objects.all()
        ),
        "duty history": sorted(
            (ocid[cycle], key, due_on, kind_of_entry, reason, user)
            for cycle, key, due_on, kind_of_entry, reason, user in Duty.history.values_list(
                "cycle_id", "key", "due_on", "history_type", "history_change_reason", "history_user_id"
            )
        ),
        "reminders": sorted(
            (ocid[r.milestone.cycle_id], r.milestone.title, r.offset, r.recipient_email, r.send_at, r.status)
            for r in Reminder.objects.select_related("milestone")
        ),
        "imported values": sorted(
            (ocid[v.cycle_id], v.key, str(v.value), title.get(v.milestone_id)) for v in ImportedValue.objects.all()
        ),
        "notices": sorted(Notice.objects.values_list("fts_notice_id", "notice_type", "cycle__ocid")),
        "lots": sorted(Lot.objects.values_list("cycle__ocid", "lot_id", "end_date", "last_release__release_id")),
        "lot history": sorted(
            Lot.history.values_list(
                "cycle__ocid", "end_date", "history_type", "history_change_reason", "history_user_id"
            )
        ),
        "cycle history": sorted(
            CommissioningCycle.history.values_list("ocid", "history_type", "history_change_reason", "history_user_id")
        ),
    }


def forget_everything() -> None:
    for model in (Reminder, Duty, ImportedValue, Milestone, Notice, Lot, Release, CommissioningCycle):
        model.objects.all().delete()
    for model in (Duty, Milestone, Notice, Lot, CommissioningCycle):
        model.history.all().delete()


def test_a_batch_of_new_procurements_leaves_what_importing_them_one_at_a_time_leaves():
    team = make_team(shared_mailbox="commissioning@example.gov.uk")
    Organisation.objects.create(ppon_id=BUYER_PPON, name="Benchmark council", role=Organisation.Role.BUYER)
    officer = make_user(teams=[team])  # the cycles' lead officer: their milestones remind them
    options = ImportOptions(officer=officer, team=team)

    alone = [loader.import_item(item, options) for item in read_releases(io.BytesIO(as_bytes(the_file())))]
    one_at_a_time = what_an_officer_finds()
    forget_everything()
    batched = import_bytes(the_file(), officer=officer, team=team)

    assert [o.status for o in batched] == [o.status for o in alone] == [Outcome.IMPORTED] * 24
    found = what_an_officer_finds()
    for part, expected in one_at_a_time.items():
        assert found[part] == expected, part
    # What was compared is there: duties with their milestones, reminders for the officer, and
    # each new milestone's history entry naming the officer and the notice data it came from.
    assert len(one_at_a_time["duties"]) == 8
    assert any(r[3] == officer.email for r in one_at_a_time["reminders"])
    engagement = Milestone.objects.get(cycle__ocid="ocds-bench0-000000", title__icontains="engagement")
    assert engagement.due_on.isoformat() == bench_release(0, 5)["planning"]["milestones"][0]["dueDate"][:10]
    added = [entry for entry in one_at_a_time["milestone history"] if entry[3] == "+"]
    assert added and all(entry[5] == officer.pk for entry in added)
    assert any(entry[4].startswith("From the notice data published") for entry in added)
    # The lot the batch added, extended, then put back (the next release gives 2032 again) has
    # an entry for each: as added, as extended and as put back.
    lot = [entry[1:3] for entry in one_at_a_time["lot history"] if entry[0] == "ocds-bench0-000001"]
    assert sorted((day.isoformat(), kind) for day, kind in lot) == [
        ("2032-03-31", "+"),
        ("2032-03-31", "~"),
        ("2033-03-31", "~"),
    ]
