"""The sync's pure rules (notices/sync/core.py): windows, cursors, back-off and filters."""

from datetime import UTC, datetime, timedelta

from notices.sync import core

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_the_first_window_starts_at_the_back_fill_and_is_at_most_the_longest_window():
    window = core.next_window(read_to=None, now=NOW, backfill_from=NOW - 3 * 24 * HOUR, overlap=HOUR, longest=24 * HOUR)
    assert window == core.Window(NOW - 3 * 24 * HOUR, NOW - 2 * 24 * HOUR)


def test_each_later_window_overlaps_the_one_before_so_a_late_dated_release_is_not_missed():
    window = core.next_window(
        read_to=NOW - 2 * HOUR, now=NOW, backfill_from=NOW - 30 * 24 * HOUR, overlap=HOUR, longest=24 * HOUR
    )
    assert window == core.Window(NOW - 3 * HOUR, NOW)


def test_nothing_is_read_when_the_platform_has_been_read_up_to_now():
    assert core.next_window(read_to=NOW, now=NOW, backfill_from=NOW - HOUR, overlap=HOUR, longest=HOUR) is None


def test_times_are_sent_in_utc_without_an_offset():
    assert core.api_time(datetime(2026, 6, 1, 9, 30, tzinfo=UTC) + timedelta(seconds=0.5)) == "2026-06-01T09:30:00"


def test_the_cursor_comes_from_the_next_link_and_the_last_page_has_none():
    assert core.cursor_from({"links": {"next": "https://x.example/api?limit=100&cursor=abc%3D%3D"}}) == "abc=="
    assert core.cursor_from({"releases": []}) == ""


def test_retry_after_in_seconds_or_as_a_date_is_honoured_up_to_the_cap():
    assert core.retry_wait(status=429, retry_after="7", attempt=1, now=NOW) == 7
    assert core.retry_wait(status=503, retry_after="Fri, 20 Nov 2026 12:00:30 GMT", attempt=1, now=NOW) == 30
    assert core.retry_wait(status=429, retry_after="86400", attempt=1, now=NOW, cap=300) == 300


def test_5xx_and_timeouts_back_off_exponentially_and_other_errors_are_not_retried():
    assert [core.retry_wait(status=500, retry_after=None, attempt=n, now=NOW) for n in (1, 2, 3)] == [2, 4, 8]
    assert core.retry_wait(status=None, retry_after=None, attempt=9, now=NOW, cap=60) == 60
    assert core.retry_wait(status=404, retry_after=None, attempt=1, now=NOW) is None


def test_a_buyer_is_recognised_by_any_of_its_identifier_schemes():
    release = {
        "buyer": {"id": "buyer-1", "name": "A Council"},
        "parties": [
            {
                "id": "buyer-1",
                "roles": ["buyer"],
                "identifier": {"scheme": "GB-PPON", "id": "PLDZ-6131-PWZH"},
                "additionalIdentifiers": [{"scheme": "GB-COH", "id": "0123 4567"}],
            }
        ],
    }
    found = core.buyer_identifiers(release)
    assert core.organisation_identifiers(company_number="01234567") <= found
    assert core.organisation_identifiers(ppon_id="pldz-6131-pwzh") <= found
    assert not core.organisation_identifiers(charity_number="1234567") & found


def summary(title="Refuge services", cpv=("85312000",), regions=("UKF11",)):
    return {"title": title, "description": "", "cpv_codes": list(cpv), "regions": list(regions)}


def test_a_watched_cpv_code_covers_its_family_and_a_keyword_matches_the_title():
    assert core.watch_matches(summary=summary(cpv=["85312300"]), cpv=["85312000"], keywords=[], watched_regions=[])
    assert core.watch_matches(
        summary=summary(title="Domestic Abuse outreach", cpv=["85000000"]),
        cpv=[],
        keywords=["domestic abuse"],
        watched_regions=[],
    )
    assert not core.watch_matches(
        summary=summary(cpv=["45233142"], title="Roads"), cpv=["85312000"], keywords=["refuge"], watched_regions=[]
    )


def test_a_watched_region_limits_matches_to_places_within_it():
    assert core.watch_matches(summary=summary(), cpv=["85312000"], keywords=[], watched_regions=["UK"])
    assert core.watch_matches(summary=summary(), cpv=["85312000"], keywords=[], watched_regions=["UKF"])
    assert not core.watch_matches(summary=summary(), cpv=["85312000"], keywords=[], watched_regions=["UKJ"])


def test_the_market_summary_reads_value_dates_and_stage_and_ignores_an_infinite_amount():
    release = {
        "ocid": "ocds-x-1",
        "id": "1",
        "date": "2026-11-19T10:00:00Z",
        "tag": ["planning"],
        "tender": {
            "title": "Refuge",
            "value": {"amount": float("inf"), "currency": "GBP"},
            "contractPeriod": {"startDate": "2027-03-31T23:00:00Z", "endDate": "2030-03-31T23:59:59+01:00"},
        },
    }
    found = core.market_summary(release)
    assert (found["stage"], found["value"]) == ("planning", None)
    # A London midnight written in UTC is still 1 April in London.
    assert (found["contract_starts"].isoformat(), found["contract_ends"].isoformat()) == ("2027-04-01", "2030-03-31")
