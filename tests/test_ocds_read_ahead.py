"""Releases are read and checked by a thread of their own while the batches before them are
written (notices/ocds/loader.py, ``_read_ahead``; issue 20): the import says and leaves what it
says and leaves without it, and no thread outlives an import, even one stopped half way."""

import io
import threading

import pytest
import time_machine

from bench.ocds_import import BUYER_PPON
from bench.ocds_import import release as bench_release
from contracts.models import Organisation
from notices.models import Release
from notices.ocds.loader import ImportOptions, Outcome, import_releases
from tests.factories import make_team
from tests.ocds_helpers import as_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_december_2025():
    with time_machine.travel("2025-12-01 10:00:00+00:00", tick=False):
        yield


@pytest.fixture
def team():
    Organisation.objects.create(ppon_id=BUYER_PPON, name="Benchmark council", role=Organisation.Role.BUYER)
    return make_team()


def a_file_with_every_kind_of_line(procurements: range) -> bytes:
    """JSON Lines: good releases, a line that is not JSON, a release the schema refuses and one
    the tracker refuses (an unknown buyer), more good releases, and a last line cut short."""
    releases = [bench_release(procurement, 0) for procurement in procurements]
    invalid = bench_release(procurements[-1] + 1, 0)
    invalid["tender"]["value"]["amount"] = "a lot"
    unknown_buyer = bench_release(procurements[-1] + 2, 0)
    unknown_buyer["parties"][0]["identifier"]["id"] = unknown_buyer["buyer"]["id"] = "NOT-KNOWN"
    lines = [as_bytes(release) for release in releases[:2]]
    lines += [b"{not json", as_bytes(invalid), as_bytes(unknown_buyer)]
    lines += [as_bytes(release) for release in releases[2:]]
    return b"\n".join(lines) + b'\n{"ocid": "cut short'


def a_package_cut_short(procurements: range) -> bytes:
    """A release package whose file ends in the middle of a release: the file is unreadable from there."""
    releases = b",".join(as_bytes(bench_release(procurement, 0)) for procurement in procurements)
    return b'{"releases": [' + releases + b', {"ocid": "cut short'


def imported(data: bytes, **options) -> list[Outcome]:
    return list(import_releases(io.BytesIO(data), ImportOptions(**options)))


def read_ahead_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "ocds-read-ahead"]


def test_an_import_read_ahead_says_and_leaves_what_it_does_without_reading_ahead(team):
    without = imported(a_file_with_every_kind_of_line(range(20, 26)), team=team, read_ahead=0)
    ahead = imported(a_file_with_every_kind_of_line(range(10, 16)), team=team, read_ahead=2, batch_size=3)

    assert [o.status for o in ahead] == [o.status for o in without]
    assert [o.status for o in ahead] == ["imported"] * 2 + ["refused"] * 3 + ["imported"] * 4 + ["refused"]
    assert [len(o.problems) for o in ahead] == [len(o.problems) for o in without]
    assert Release.objects.count() == 12
    assert not read_ahead_threads()


def test_a_file_unreadable_half_way_is_imported_up_to_there_when_read_ahead(team):
    without = imported(a_package_cut_short(range(20, 25)), team=team, read_ahead=0)
    ahead = imported(a_package_cut_short(range(10, 15)), team=team, read_ahead=2, batch_size=3)

    assert [o.status for o in ahead] == [o.status for o in without] == ["imported"] * 5 + ["unreadable"]
    assert ahead[-1].problems == without[-1].problems
    assert Release.objects.count() == 10
    assert not read_ahead_threads()


def test_an_import_stopped_half_way_leaves_no_thread_reading_ahead(team):
    releases = b"\n".join(as_bytes(bench_release(procurement, 0)) for procurement in range(30))
    outcomes = import_releases(io.BytesIO(releases), ImportOptions(team=team, read_ahead=2, batch_size=1))

    assert next(outcomes).status == Outcome.IMPORTED
    assert read_ahead_threads()
    outcomes.close()

    assert not read_ahead_threads()
    assert Release.objects.count() == 1
