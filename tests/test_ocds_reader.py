"""Reading OCDS files one release at a time, and reading dates and times at the edge. No database."""

import io
import json
from datetime import UTC, date, datetime, time

import pytest

from notices.ocds.parser import read_when, times_in_text
from notices.ocds.reader import UnreadableFile, read_releases

RELEASE = {
    "ocid": "ocds-x-1",
    "id": "r1",
    "date": "2026-01-01T00:00:00Z",
    "tag": ["planning"],
    "initiationType": "tender",
}


def release(number: int) -> dict:
    return {**RELEASE, "id": f"r{number}"}


def read(data: bytes) -> list:
    return [
        (item.location, item.release["id"] if isinstance(item.release, dict) else None, item.error)
        for item in read_releases(io.BytesIO(data))
    ]


def test_a_single_release_pretty_printed_is_one_release():
    assert read(json.dumps(release(1), indent=2).encode()) == [("$", "r1", None)]


def test_a_release_package_streams_its_releases_wherever_the_key_comes():
    first = {"uri": "x", "releases": [release(1), release(2)], "publisher": {"name": "p"}}
    last = {"uri": "x", "publisher": {"name": "p"}, "releases": [release(1), release(2)]}
    for package in (first, last):
        for text in (json.dumps(package), json.dumps(package, indent=2)):
            assert read(text.encode()) == [("$.releases[0]", "r1", None), ("$.releases[1]", "r2", None)]


def test_a_record_package_gives_the_compiled_release_when_its_releases_are_only_links():
    record = {
        "ocid": "ocds-x-1",
        "releases": [{"url": "https://x/1", "date": "2026-01-01T00:00:00Z", "tag": ["planning"]}],
        "compiledRelease": release(9),
    }
    package = {"uri": "x", "records": [record]}

    assert read(json.dumps(package).encode()) == [("$.records[0].compiledRelease", "r9", None)]


def test_a_record_with_embedded_releases_gives_them_oldest_first():
    newer = {**release(2), "date": "2026-03-01T00:00:00Z"}
    older = {**release(1), "date": "2026-01-01T00:00:00Z"}
    package = {"records": [{"ocid": "ocds-x-1", "releases": [newer, older], "compiledRelease": release(9)}]}

    assert [r for _, r, _ in read(json.dumps(package).encode())] == ["r1", "r2"]


def test_a_record_with_neither_releases_nor_a_compiled_release_is_an_error():
    package = {"records": [{"ocid": "ocds-x-1", "releases": [{"url": "https://x/1"}]}]}

    [(location, _, error)] = read(json.dumps(package).encode())

    assert error == "$.records[0]: the record has no compiledRelease and its releases are only links"


def test_json_lines_gives_one_release_a_line_with_line_numbers_and_skips_blank_lines():
    data = (json.dumps(release(1)) + "\n\n" + json.dumps(release(2)) + "\n").encode()

    assert read(data) == [("line 1", "r1", None), ("line 3", "r2", None)]


def test_a_json_array_of_releases_and_a_byte_order_mark_are_read():
    data = b"\xef\xbb\xbf" + json.dumps([release(1), release(2)]).encode()

    assert read(data) == [("$[0]", "r1", None), ("$[1]", "r2", None)]


def test_numbers_are_read_exactly_never_as_floats_or_infinity():
    [item] = read_releases(io.BytesIO(b'{"ocid": "x", "id": "1", "value": 1e9999, "amount": 0.1, "count": 3}'))

    assert str(item.release["value"]) == "1E+9999"
    assert str(item.release["amount"]) == "0.1"
    assert item.release["count"] == 3


def test_a_file_cut_short_is_unreadable_after_the_last_good_release():
    data = json.dumps({"releases": [release(1), release(2)]}).encode()[:-30]

    items = read_releases(io.BytesIO(data))

    assert next(items).release["id"] == "r1"
    with pytest.raises(UnreadableFile, match=r"not valid JSON after \$\.releases\[0\]"):
        list(items)


def test_a_file_larger_than_the_first_megabyte_on_one_line_is_streamed():
    releases = [{**release(n), "description": "x" * 2000} for n in range(800)]
    data = json.dumps({"releases": releases}).encode()
    assert len(data) > 1024 * 1024

    assert len(list(read_releases(io.BytesIO(data)))) == 800


# --- dates at the edge --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "day", "all_day"),
    [
        # A London midnight in summer time is still the day before in UTC: the London date is kept.
        ("2027-04-01T00:00:00+01:00", date(2027, 4, 1), True),
        ("2027-03-31T23:00:00Z", date(2027, 4, 1), True),
        # OCDS end dates at 23:59:59 are whole days, in winter and in summer.
        ("2032-02-29T23:59:59+00:00", date(2032, 2, 29), True),
        ("2029-03-31T23:59:59+01:00", date(2029, 3, 31), True),
        # The publisher wrote UTC for a summer date: the date as written is the day meant.
        ("2029-03-31T23:59:59Z", date(2029, 3, 31), True),
        # A time of day is kept as a time.
        ("2026-06-08T10:00:00+01:00", date(2026, 6, 8), False),
        ("2026-06-08T23:30:00Z", date(2026, 6, 9), False),
    ],
)
def test_ocds_date_times_name_london_days(written, day, all_day):
    when = read_when(written)
    assert (when.day, when.all_day) == (day, all_day)


def test_a_time_of_day_is_kept_as_the_moment_written():
    assert read_when("2026-06-08T10:00:00+01:00").at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("Please respond to the questions latest by 12 noon on Thursday 12th March 2026", [time(12, 0)]),
        (
            "hosted via MS Teams on the 8th June 2026 commencing at 10:00. The event will conclude at approximately 11:30.",
            [time(10, 0), time(11, 30)],
        ),
        ("Submit by 5pm on Friday", [time(17, 0)]),
        ("Opens at 9.30am", [time(9, 30)]),
        ("Meeting ID: 326 044 510 448 19 Passcode: Z9aA7Wb6; the Domestic Abuse Act came into force in April 2021", []),
        ("A budget of £4.40m over 2 years", []),
    ],
)
def test_clock_times_are_found_in_a_notices_text(text, times):
    assert [found.at for found in times_in_text(text)] == times
