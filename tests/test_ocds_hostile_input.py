"""Hostile OCDS files: deep nesting, huge numbers, wrong types, bytes that are not UTF-8,
repeated keys and floods of tiny releases. Each is refused with a message saying why (and
where), nothing of it is written, no page answers 500, and the reader's memory stays bounded."""

import io
import json
import subprocess
import sys
import textwrap
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning.models import CommissioningCycle, Milestone
from contracts.models import Organisation
from notices.models import Conflict, Duty, Lot, Notice, Release
from notices.ocds.loader import ImportLimits, ImportOptions, Outcome, import_releases
from notices.ocds.reader import MAX_DEPTH
from tests.factories import make_team, make_user
from tests.ocds_helpers import (
    MK_OCID,
    MK_RELEASE_ID,
    as_bytes,
    import_bytes,
    make_seed_buyers,
    mk_release,
)

pytestmark = pytest.mark.django_db

MK = f"release {MK_RELEASE_ID} ({MK_OCID})"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def in_may_2026():
    with time_machine.travel("2026-05-20 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def team():
    make_seed_buyers()
    return make_team()


def nothing_written() -> bool:
    models = (Release, Notice, Lot, Conflict, Duty, Milestone, CommissioningCycle)
    return not any(model.objects.exists() for model in models) and Organisation.objects.count() == 2


def deep(depth: int) -> bytes:
    return b'{"releases": [' + b"[" * depth + b"]" * depth + b"]}"


def tiny_releases(count: int) -> bytes:
    return b'{"releases": [' + b",".join(b'{"ocid": "o", "id": "%d"}' % n for n in range(count)) + b"]}"


def upload_limits(**limits) -> ImportLimits:
    return ImportLimits(**limits)


# --- nesting --------------------------------------------------------------------------------


def test_a_file_nested_100000_deep_is_refused_by_the_reader_in_bounded_memory():
    """The reader runs in a child process allowed 256 MB of address space: before the depth
    limit, 200 KB nested 100,000 deep took a server past 22 GB."""
    script = textwrap.dedent(
        """
        import io, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (256 * 1024 * 1024, 256 * 1024 * 1024))
        from notices.ocds.reader import UnreadableFile, read_releases
        depth = 100_000
        files = [
            b'{"releases": [' + b'[' * depth + b']' * depth + b']}',
            b'{"a":' * depth + b'1' + b'}' * depth,
            b'[' * depth,
            b'{"ocid": "a", "id": "1"}\\n' + b'[' * depth + b']' * depth + b'\\n',
        ]
        for data in files:
            try:
                list(read_releases(io.BytesIO(data)))
            except UnreadableFile as error:
                print(str(error).split(" (")[0])
            else:
                print("read")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [f"The file is nested more than {MAX_DEPTH} levels deep"] * 4


def test_nesting_deeper_than_the_limit_refuses_the_whole_upload_with_nothing_written(team):
    data = b'{"releases": [' + as_bytes(mk_release()) + b"," + b'{"x":' * 40 + b"1" + b"}" * 40 + b"]}"

    outcomes = list(import_releases(io.BytesIO(data), ImportOptions(team=team, limits=upload_limits())))

    assert [o.status for o in outcomes] == [Outcome.UNREADABLE]
    [message] = outcomes[0].problems
    assert message.startswith(f"The file is nested more than {MAX_DEPTH} levels deep (near byte ")
    assert message.endswith(
        "OCDS never needs more than about 20 levels, so the file was not read: check that it is an OCDS file."
    )
    assert nothing_written()


def test_a_json_lines_line_nested_past_pythons_recursion_limit_is_refused_not_a_500(team):
    data = as_bytes(mk_release()) + b"\n" + b"[" * 5000 + b"]" * 5000 + b"\n"

    outcomes = import_bytes(data, team=team, limits=upload_limits())

    assert [o.status for o in outcomes] == [Outcome.UNREADABLE]
    assert outcomes[0].problems[0].startswith(f"The file is nested more than {MAX_DEPTH} levels deep (line 2)")
    assert nothing_written()


def test_releases_nested_within_the_limit_still_import(team):
    release = mk_release()
    release["x-note"] = json.loads('{"a":' * 10 + "1" + "}" * 10)

    [outcome] = import_bytes(release, team=team, limits=upload_limits())

    assert outcome.status == Outcome.IMPORTED


# --- numbers --------------------------------------------------------------------------------


def test_an_amount_of_1e999999999_is_refused_with_its_path_not_a_decimal_overflow(team):
    data = as_bytes(mk_release()).replace(b'"amount":4400000', b'"amount":1E+999999999')

    [outcome] = import_bytes(data, team=team)

    assert outcome.status == Outcome.REFUSED
    assert outcome.problems[0].startswith(f"{MK}: $.tender.value.amount: 1E+999999999 is too large to be a number")
    assert nothing_written()


@pytest.mark.parametrize("amount", [b"-1E+999999999", b"1E-999999999999", b"1.5E+99999999999999999"])
def test_other_extreme_amounts_are_refused_or_read_never_a_crash(team, amount):
    data = as_bytes(mk_release()).replace(b'"amount":4400000', b'"amount":' + amount)

    [outcome] = import_bytes(data, team=team)

    assert outcome.status in (Outcome.REFUSED, Outcome.IMPORTED)
    if outcome.status == Outcome.REFUSED:
        assert "$.tender.value.amount" in outcome.problems[0]


def test_1e999999999_as_the_maximum_renewals_means_no_maximum(team):
    release = mk_release()
    release["tender"]["lots"][0]["renewal"] = {"description": "Annual", "maximumRenewals": Decimal("1E+999999999")}

    [outcome] = import_bytes(release, team=team)

    assert outcome.status == Outcome.IMPORTED
    assert Lot.objects.get().renewals_unlimited


def test_an_integer_with_ten_thousand_digits_stops_the_file_with_a_message(team):
    data = b'{"releases": [{"ocid": "o", "id": "1", "n": 1' + b"0" * 10_000 + b"}]}"

    [outcome] = import_bytes(data, team=team)

    assert outcome.status == Outcome.UNREADABLE
    assert "a number is too long to read" in outcome.problems[0]
    assert nothing_written()


# --- wrong types, text, repeated keys ----------------------------------------------------


def _with(**changes) -> dict:
    release = mk_release()
    for dotted, value in changes.items():
        target = release
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[part]
        target[last] = value
    return release


WRONG_TYPES = {
    "tender is a list": _with(tender=[1, 2]),
    "planning documents are an object": _with(planning__documents={"id": "x"}),
    "awards is a number": _with(awards=5),
    "milestones is a string": _with(planning__milestones="soon"),
    "buyer is a string": _with(buyer="MKCC"),
    "parties is a number": _with(parties=3),
    "amount is true": _with(tender__value__amount=True),
    "date is a number": _with(date=20260226),
    "id is a number": _with(id=7),
    "tag is an object": _with(tag={"a": 1}),
    "lots hold strings": _with(tender__lots=["one", "two"]),
    "a document's url is a list": _with(planning__documents=[{"id": "1", "url": ["x"]}]),
}


@pytest.mark.parametrize("release", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_fields_of_the_wrong_type_are_refused_with_their_path(team, release):
    [outcome] = import_bytes(release, team=team)

    assert outcome.status == Outcome.REFUSED
    assert all(": $" in problem for problem in outcome.problems)
    assert nothing_written()


@pytest.mark.parametrize("value", [[1, 2], 42, "text", None, True])
def test_a_release_that_is_not_an_object_is_refused(team, value):
    outcomes = import_bytes(json.dumps({"releases": [value]}).encode(), team=team)

    assert [o.status for o in outcomes] == [Outcome.REFUSED]
    assert nothing_written()


def test_bytes_that_are_not_utf8_stop_a_streamed_file(team):
    data = as_bytes(mk_release()).replace(b"Milton Keynes", b"Milton \xff\xfe Keynes")

    [outcome] = import_bytes(data, team=team)

    assert outcome.status == Outcome.UNREADABLE
    assert nothing_written()


def test_bytes_that_are_not_utf8_refuse_their_json_lines_line(team):
    data = b'{"ocid": "o", "id": "1"}\n{"ocid": "\xff\xfe", "id": "2"}\n'

    outcomes = import_bytes(data, team=team)

    assert outcomes[1].status == Outcome.REFUSED
    assert outcomes[1].problems == ["line 2 is not UTF-8 text: invalid start byte"]
    assert nothing_written()


def test_a_utf16_file_is_refused_as_not_json(team):
    [outcome] = import_bytes(json.dumps(mk_release(), default=str).encode("utf-16"), team=team)

    assert outcome.status == Outcome.UNREADABLE
    assert outcome.problems[0].startswith("The file is not JSON")


def test_a_lone_surrogate_escape_is_refused_with_its_path(team):
    line = as_bytes(mk_release()).replace(b'"title":"Domestic Abuse', b'"title":"\\ud800 Domestic Abuse', 1)

    outcomes = import_bytes(b'{"ocid": "o", "id": "1"}\n' + line + b"\n", team=team)

    assert outcomes[1].status == Outcome.REFUSED
    assert (
        f"{MK}: $.tender.title: is not valid text (it holds a NUL or a lone \\u surrogate escape)"
        in outcomes[1].problems
    )
    assert nothing_written()


@pytest.mark.parametrize("where", [b'"id":"', b'"title":"'])
def test_a_nul_character_is_refused_with_its_path_not_a_database_error(team, where):
    data = as_bytes(mk_release()).replace(where, where + b"\\u0000", 1)

    [outcome] = import_bytes(data, team=team)

    assert outcome.status == Outcome.REFUSED
    assert any("is not valid text (it holds a NUL or a lone \\u surrogate escape)" in p for p in outcome.problems)
    assert nothing_written()


def test_a_key_repeated_in_one_object_refuses_the_upload(team):
    data = b'{"releases": [{"ocid": "a", "id": "1", "id": "2"}]}'

    [outcome] = import_bytes(data, team=team, limits=upload_limits())

    assert outcome.status == Outcome.UNREADABLE
    assert outcome.problems == [
        (
            "The file repeats the key 'id' in one object (near byte 51), so it is not clear which value to use: "
            "fix the file and import it again."
        )
    ]
    assert nothing_written()


def test_a_key_repeated_in_a_json_lines_line_refuses_that_line(team):
    outcomes = import_bytes(b'{"ocid": "a", "id": "1"}\n{"ocid": "a", "id": "1", "id": "2"}\n', team=team)

    assert outcomes[1].problems == ["line 2 is not valid JSON: the key 'id' appears twice in one object"]
    assert nothing_written()


# --- floods ---------------------------------------------------------------------------------


def test_ten_thousand_tiny_releases_are_refused_whole_in_little_memory(team):
    data = tiny_releases(10_001)
    tracemalloc.start()
    try:
        outcomes = import_bytes(data, team=team, limits=upload_limits(releases=10_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [o.status for o in outcomes] == [Outcome.UNREADABLE]
    assert outcomes[0].problems == [
        (
            "The file holds more than 10,000 releases, more than one upload may hold, so none of it was imported. "
            "Split it into smaller files, or ask an administrator to import it with the import_ocds command."
        )
    ]
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes"
    assert nothing_written()


def test_a_flood_of_things_that_are_not_releases_counts_against_the_limit(team):
    outcomes = import_bytes(b"[" + b",".join([b"1"] * 20_001) + b"]", team=team, limits=upload_limits())

    assert [o.status for o in outcomes] == [Outcome.UNREADABLE]
    assert outcomes[0].problems[0].startswith("The file holds more than 5,000 releases")


def test_too_many_documents_or_milestones_refuse_the_upload(team):
    release = mk_release()
    documents = len(release["planning"]["documents"])
    milestones = len(release["planning"]["milestones"])

    [by_documents] = import_bytes(release, team=team, limits=upload_limits(documents=documents - 1))
    [by_milestones] = import_bytes(release, team=team, limits=upload_limits(milestones=milestones - 1))

    assert by_documents.problems[0].startswith(f"The file holds more than {documents - 1:,} documents")
    assert by_milestones.problems[0].startswith(f"The file holds more than {milestones - 1:,} planning milestones")
    assert nothing_written()


def test_too_many_lots_refuse_the_upload(team):
    release = mk_release()
    release["tender"]["lots"] = [dict(release["tender"]["lots"][0], id=str(n)) for n in range(101)]

    [outcome] = import_bytes(release, team=team, limits=upload_limits(lots=100))

    assert outcome.problems[0].startswith("The file holds more than 100 lots, more than one upload may hold")
    assert nothing_written()


def test_the_upload_limits_come_from_settings(settings):
    settings.OCDS_UPLOAD_MAX_RELEASES = 7
    settings.OCDS_UPLOAD_MAX_DOCUMENTS = 8
    settings.OCDS_UPLOAD_MAX_MILESTONES = 9
    settings.OCDS_UPLOAD_MAX_LOTS = 10

    assert ImportLimits.from_settings() == ImportLimits(releases=7, documents=8, milestones=9, lots=10)


# --- through the page -----------------------------------------------------------------------

HOSTILE_UPLOADS = {
    "nested 100,000 deep": deep(100_000),
    "an amount of 1E+999999999": as_bytes(mk_release()).replace(b'"amount":4400000', b'"amount":1E+999999999'),
    "a ten-thousand-digit number": b'{"releases": [{"n": 1' + b"0" * 10_000 + b"}]}",
    "not UTF-8": b'{"releases": [{"ocid": "\xff"}]}',
    "a lone surrogate": b'{"ocid": "o", "id": "1"}\n{"ocid": "\\ud800", "id": "\\udfff"}\n',
    "a NUL in the release id": b'{"releases": [{"ocid": "o\\u0000", "id": "1\\u0000"}]}',
    "a repeated key": b'{"releases": [{"id": "1", "id": "2"}]}',
    "a deep JSON Lines line": b'{"ocid": "o", "id": "1"}\n' + b"[" * 5000 + b"\n",
    "too many releases": tiny_releases(12),
}


@pytest.mark.parametrize("data", HOSTILE_UPLOADS.values(), ids=HOSTILE_UPLOADS.keys())
def test_no_hostile_upload_gives_a_500_or_writes_anything(client, team, settings, data):
    settings.OCDS_UPLOAD_MAX_RELEASES = 10
    client.force_login(make_user(teams=[team]))

    response = client.post(
        reverse("notices:import"), {"file": SimpleUploadedFile("hostile.json", data), "team": team.pk}
    )

    assert response.status_code == 200
    assert nothing_written()
