"""MilestoneUpdates (commissioning/services.py): milestone_update for a batch of milestones, as
the OCDS import uses it. The same checks and the same result, written together."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from commissioning.models import Milestone
from commissioning.services import MilestoneUpdates, milestone_update
from tests.factories import make_cycle, make_milestone, make_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


def planned(milestone: Milestone) -> list[tuple]:
    return sorted((r.offset, r.send_at) for r in milestone.reminders.filter(status="planned"))


def test_moves_written_together_end_as_one_by_one_moves_would_with_a_history_entry_for_each():
    officer = make_user(first_name="Olivia", last_name="Okafor")
    owner = make_user()
    cycle = make_cycle()
    alone = make_milestone(cycle=cycle, owner=owner, title="Tenders due")
    together = make_milestone(cycle=cycle, owner=owner, title="Tenders due")

    milestone_update(milestone=alone, officer=officer, reason="From release 1", due_on=date(2027, 4, 1))
    milestone_update(milestone=alone, officer=officer, reason="From release 2", due_on=date(2027, 5, 3))
    updates = MilestoneUpdates(officer=officer)
    updates.update(milestone=together, reason="From release 1", due_on=date(2027, 4, 1))
    updates.update(milestone=together, reason="From release 2", due_on=date(2027, 5, 3))
    assert Milestone.objects.get(pk=together.pk).due_on == date(2027, 3, 12)  # nothing written yet
    updates.save()

    together.refresh_from_db()
    assert together.due_on == date(2027, 5, 3)
    assert planned(together) == planned(alone) != []
    entries = list(together.history.order_by("history_id"))[-2:]
    assert [(e.due_on, e.history_change_reason, e.history_user) for e in entries] == [
        (date(2027, 4, 1), "From release 1", officer),
        (date(2027, 5, 3), "From release 2", officer),
    ]


def test_a_time_of_day_keeps_its_london_date_as_milestone_update_does():
    cycle = make_cycle()
    milestone = make_milestone(cycle=cycle)
    updates = MilestoneUpdates(officer=None)
    updates.update(milestone=milestone, due_at=datetime(2027, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC")))
    updates.save()

    milestone.refresh_from_db()
    assert milestone.due_on == date(2027, 7, 1)  # 00:30 in London
    assert milestone.due_at.astimezone(LONDON).hour == 0


def test_an_end_before_the_start_is_refused_with_milestone_updates_message_and_nothing_is_written():
    milestone = make_milestone(cycle=make_cycle(), due_at=datetime(2027, 3, 12, 10, tzinfo=LONDON))
    updates = MilestoneUpdates(officer=None)

    with pytest.raises(ValidationError) as refused:
        updates.update(milestone=milestone, ends_at=datetime(2027, 3, 12, 9, tzinfo=LONDON))
    updates.save()

    assert refused.value.message_dict == {"ends_at": ["The end time must be after the start time"]}
    assert Milestone.objects.get(pk=milestone.pk).ends_at is None
