"""The import's queries are made per batch, not per release (issue 20: 500 releases a second).

A batch reads what its releases look up by OCID in a few queries and writes its releases,
imported values, notices and milestone moves in bulk (notices/ocds/loader.py, ``_Batch``), so
a batch of 40 releases costs about as many queries as a batch of 10. If a change brings back
a query per release, these tests fail before the benchmark (bench/ocds_import.py) slows down.
The releases are the benchmark's own: each adds a notice, and these move two milestones.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.ocds_import import BUYER_PPON
from bench.ocds_import import release as bench_release
from commissioning.models import CommissioningCycle, Milestone
from contracts.models import Contract, Organisation
from notices.models import ImportedValue, Release
from notices.ocds.loader import Outcome
from tests.factories import make_team
from tests.ocds_helpers import import_bytes
from tests.ocds_publishers import awarded, find_a_tender

pytestmark = pytest.mark.django_db

# Room for queries whose number depends on the data rather than on the releases' count (a
# bulk write split at 500 rows, say); far below one a release.
SLACK = 5


@pytest.fixture(autouse=True)
def in_december_2025():
    with time_machine.travel("2025-12-01 10:00:00+00:00", tick=False):
        yield


@pytest.fixture
def team():
    Organisation.objects.create(ppon_id=BUYER_PPON, name="Benchmark council", role=Organisation.Role.BUYER)
    return make_team()


def queries_to_import(releases: list[dict], team) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcomes = import_bytes(releases, team=team)
    assert [o.status for o in outcomes] == [Outcome.IMPORTED] * len(releases), [o.problems for o in outcomes]
    return len(queries)


def test_a_batch_of_40_later_releases_of_40_procurements_costs_no_more_queries_than_one_of_10(team):
    import_bytes([bench_release(procurement, 0) for procurement in range(50)], team=team)
    moved_before = set(Milestone.objects.values_list("pk", "due_on"))

    # Step 5 of each procurement: a new notice, and its engagement and future notice dates move.
    few = queries_to_import([bench_release(procurement, 5) for procurement in range(10)], team)
    many = queries_to_import([bench_release(procurement, 5) for procurement in range(10, 50)], team)

    assert many <= few + SLACK, f"{few} queries for 10 releases, {many} for 40"
    assert Release.objects.count() == 100
    # What a user would notice: every procurement's two milestones moved, and the values the
    # notices set were kept for the next release.
    moved = set(Milestone.objects.values_list("pk", "due_on")) - moved_before
    assert len(moved) == 100
    later_ids = [bench_release(procurement, 5)["id"] for procurement in range(50)]
    remembered = ImportedValue.objects.filter(key__startswith="milestone:", release__release_id__in=later_ids)
    assert remembered.count() == 100


def test_a_batch_of_100_releases_of_one_procurement_costs_no_more_queries_than_one_of_25(team):
    import_bytes([bench_release(0, 0)], team=team)

    few = queries_to_import([bench_release(0, step) for step in range(1, 26)], team)
    many = queries_to_import([bench_release(0, step) for step in range(26, 126)], team)

    assert many <= few + SLACK, f"{few} queries for 25 releases, {many} for 100"
    assert Release.objects.filter(applied=True).count() == 126
    # Each fifth release moved the engagement milestone: it is where the last one put it.
    engagement = Milestone.objects.get(cycle__ocid=bench_release(0, 0)["ocid"], title__icontains="engagement")
    assert engagement.due_on.isoformat() == bench_release(0, 125)["planning"]["milestones"][0]["dueDate"][:10]


def test_a_contract_an_award_adds_is_updated_by_the_next_award_of_the_same_batch():
    """The batch reads the contracts with its OCIDs once: one it adds must be found by its later releases."""
    outcomes = import_bytes(
        [find_a_tender("UK4"), awarded("UK6", when="2026-07-01T09:00:00+01:00", amount="470000"), awarded("UK7")],
        team=make_team(),
        create_buyers=True,
    )

    assert [o.status for o in outcomes] == [Outcome.IMPORTED] * 3
    contract = Contract.objects.get()
    assert contract.total_value == Decimal("480000.00")
    assert contract.date_signed == date(2026, 7, 28)


# What each new procurement's first release still costs on its own in a batch: nothing. Its cycle
# (``cycles_create``), lot, release, milestones, duties, their history and reminders are written,
# and what the duty rules read is read, once for the batch (before: about 70 queries a new
# procurement, then 9: its cycle's savepoint, team check, insert, history insert and the history's
# read of the contracts it replaces, its lot's insert and history insert, its release's insert).
NEW_PROCUREMENT_QUERIES = 0


def test_a_batch_of_30_new_procurements_costs_no_more_queries_than_one_of_10(team):
    few = queries_to_import([bench_release(procurement, 0) for procurement in range(10)], team)
    many = queries_to_import([bench_release(procurement, 0) for procurement in range(10, 40)], team)

    assert many - few <= (30 - 10) * NEW_PROCUREMENT_QUERIES + SLACK, (
        f"{few} queries for 10 new procurements, {many} for 30"
    )
    # What a user would notice: each new cycle has its milestones, and the Act's duties its
    # notice brings, each duty with its milestone.
    cycles = CommissioningCycle.objects.filter(ocid__startswith="ocds-bench0-")
    assert cycles.count() == 40
    for cycle in cycles:
        assert cycle.milestones.filter(source=Milestone.Source.IMPORTED).count() == 5
        assert cycle.duties.count() == 2
        assert all(duty.milestone is not None for duty in cycle.duties.all())


def test_a_batch_inserts_its_releases_as_rows_not_as_arrays_that_psycopg_escapes_in_python(team):
    """Django 5.2 inserts a batch as one array a column (UNNEST) on PostgreSQL; a release's JSON,
    escaped quote by quote in an array, cost three times the CPU of rows (``ReleaseTextField``)."""
    with CaptureQueriesContext(connection) as queries:
        import_bytes([bench_release(procurement, 0) for procurement in range(3)], team=team)

    [insert] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "notices_release"')]
    assert "UNNEST" not in insert
    assert Release.objects.count() == 3
