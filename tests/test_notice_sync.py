"""Following Find a Tender and Contracts Finder (issue 21), against a fake of each API on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from notices.models import MarketNotice, MarketWatch, Release, SyncState
from notices.sync.client import PlatformClient, PlatformUnavailable
from notices.sync.services import SyncBusy, sync_platform
from tests.factories import make_contract, make_team, make_user
from tests.notice_sync_fake import FakePlatform
from tests.ocds_helpers import MK_OCID, later, make_seed_buyers, mk_release

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BACKFILL = datetime(2026, 11, 19, 0, 0, tzinfo=UTC)


def market_release(
    number: int, when: str, *, title: str, cpv: str = "85312000", region: str = "UKF11", prefix: str = "ocds-h6vhtk-"
) -> dict:
    ocid = f"{prefix}{number:06d}"
    return {
        "ocid": ocid,
        "id": f"{ocid}-{when}",
        "date": when,
        "tag": ["tender"],
        "initiationType": "tender",
        "buyer": {"id": f"GB-PPON-TEST-{number:04d}", "name": f"Other Council {number}"},
        "parties": [
            {
                "id": f"GB-PPON-TEST-{number:04d}",
                "name": f"Other Council {number}",
                "roles": ["buyer"],
                "identifier": {"scheme": "GB-PPON", "id": f"TEST-{number:04d}"},
            }
        ],
        "tender": {
            "id": ocid,
            "title": title,
            "description": f"{title}, for the whole county.",
            "status": "active",
            "value": {"amount": 1250000, "currency": "GBP"},
            "tenderPeriod": {"endDate": "2027-01-15T12:00:00Z"},
            "contractPeriod": {"startDate": "2027-04-01T00:00:00+01:00", "endDate": "2030-03-31T23:59:59+01:00"},
            "items": [
                {
                    "id": "1",
                    "classification": {"scheme": "CPV", "id": cpv},
                    "deliveryAddresses": [{"region": region, "country": "GB"}],
                }
            ],
        },
    }


def own_release(when: str) -> dict:
    return later(mk_release(), when=when)


@pytest.fixture
def sync_settings(settings):
    settings.NOTICE_SYNC_OVERLAP = timedelta(hours=1)
    settings.NOTICE_SYNC_LONGEST_WINDOW = timedelta(hours=12)
    settings.NOTICE_SYNC_BACKFILL_FROM = ""
    settings.NOTICE_SYNC_BACKFILL_DAYS = 7
    return settings


@pytest.fixture
def council():
    mkcc, _ = make_seed_buyers()
    team = make_team(name="Domestic abuse team")
    make_contract(team=team, buyer=mkcc, reference="ASC0013")
    watcher = make_user(username="ayesha", email="ayesha@example.gov.uk")
    MarketWatch.objects.create(officer=watcher, cpv_codes="85312000", keywords="domestic abuse", regions="UK")
    return team


def a_day_of_releases() -> tuple[list[dict], list[dict], list[dict]]:
    own = [own_release(when) for when in ("2026-11-19T09:00:00Z", "2026-11-19T11:30:00Z", "2026-11-20T08:00:00Z")]
    market = [
        market_release(1, "2026-11-19T03:00:00Z", title="Refuge for women and children"),
        market_release(2, "2026-11-19T12:00:00Z", title="Domestic abuse outreach", cpv="85000000"),
        market_release(3, "2026-11-19T22:30:00Z", title="Specialist support", cpv="85312300", region="UKJ13"),
        market_release(4, "2026-11-20T11:00:00Z", title="Sanctuary scheme (domestic abuse)", cpv="50000000"),
    ]
    other = [
        market_release(5, "2026-11-19T10:00:00Z", title="Road resurfacing", cpv="45233142"),
        market_release(6, "2026-11-19T12:00:00Z", title="Grounds maintenance", cpv="77310000"),
        market_release(7, "2026-11-20T09:30:00Z", title="Refuse collection vehicles", cpv="34144512"),
    ]
    return own, market, other


def client_for(fake: FakePlatform, waits: list) -> PlatformClient:
    return PlatformClient(
        fake.platform, base_url=fake.url, timeout=0.5, max_attempts=4, sleep=waits.append, clock=lambda: NOW
    )


def test_a_day_on_find_a_tender_is_read_with_nothing_missed_or_doubled_through_a_429_a_500_and_a_timeout(
    council, sync_settings
):
    own, market, other = a_day_of_releases()
    waits: list[float] = []
    with FakePlatform("find-a-tender", own + market + other) as fake:
        fake.fail("", ("429", "7"))
        fake.fail(fake.cursor_for(2), "500", "timeout")
        result = sync_platform(
            platform="find-a-tender", now=NOW, client=client_for(fake, waits), backfill_from=BACKFILL
        )

    # The council's own releases went through the importer, each once.
    assert sorted(Release.objects.values_list("release_id", flat=True)) == sorted(release["id"] for release in own)
    assert Release.objects.filter(ocid=MK_OCID, cycle__team=council).count() == 3
    # Other authorities' watched procurements are on the market, each once; the rest are not kept.
    assert sorted(MarketNotice.objects.values_list("release_id", flat=True)) == sorted(
        release["id"] for release in market
    )
    # Five releases sit where two windows overlap (11:30, twice 12:00 and 22:30 on the 19th, 09:30 on the
    # 20th): served twice, kept once (the own one found already imported, the watched two already kept).
    assert result.counts["releases"] == len(own + market + other) + 5
    assert (result.counts["imported"], result.counts["unchanged"]) == (3, 1)
    assert (result.counts["market"], result.counts["market_again"]) == (4, 2)
    # It waited as told by Retry-After, then backed off on the 500 and the timeout.
    assert waits == [7.0, 2.0, 4.0]
    state = SyncState.objects.get(platform="find-a-tender")
    assert state.read_to == NOW and state.cursor == "" and state.window_from is None
    assert state.last_success_at is not None and state.running_since is None
    assert all("commissioning-tracker" in request["user_agent"] for request in fake.requests)
    windows = {(r["query"]["updatedFrom"], r["query"]["updatedTo"]) for r in fake.requests}
    assert ("2026-11-19T00:00:00", "2026-11-19T12:00:00") in windows
    assert ("2026-11-19T11:00:00", "2026-11-19T23:00:00") in windows


def test_contracts_finder_is_paged_by_published_dates(council, sync_settings):
    _, market, _ = a_day_of_releases()
    below = [market_release(8, "2026-11-19T15:00:00Z", title="Domestic abuse helpline", prefix="ocds-b5fd17-")]
    with FakePlatform("contracts-finder", below + market[:1]) as fake:
        sync_platform(platform="contracts-finder", now=NOW, client=client_for(fake, []), backfill_from=BACKFILL)
    assert {"publishedFrom", "publishedTo", "stages", "limit"} <= set(fake.requests[0]["query"])
    assert set(MarketNotice.objects.values_list("ocid", "platform")) == {
        ("ocds-b5fd17-000008", "contracts-finder"),
        ("ocds-h6vhtk-000001", "contracts-finder"),
    }


def test_a_sync_killed_mid_run_resumes_at_its_cursor_and_imports_nothing_twice(council, sync_settings):
    own, market, other = a_day_of_releases()
    with FakePlatform("find-a-tender", own + market + other) as fake:

        def killed(pages: int) -> None:
            if pages == 2:
                raise KeyboardInterrupt("the worker was killed")

        with pytest.raises(KeyboardInterrupt):
            sync_platform(
                platform="find-a-tender", now=NOW, client=client_for(fake, []), backfill_from=BACKFILL, on_page=killed
            )
        state = SyncState.objects.get(platform="find-a-tender")
        assert state.cursor == fake.cursor_for(4) and state.read_to is None and state.running_since is None
        asked_before = len(fake.requests)

        sync_platform(platform="find-a-tender", now=NOW, client=client_for(fake, []))

    # The second run started at the saved cursor, not at the first page.
    assert fake.requests[asked_before]["query"]["cursor"] == fake.cursor_for(4)
    assert sorted(Release.objects.values_list("release_id", flat=True)) == sorted(release["id"] for release in own)
    assert MarketNotice.objects.count() == len(market)
    assert SyncState.objects.get(platform="find-a-tender").read_to == NOW


def test_a_platform_down_for_a_day_is_caught_up_the_next_day(council, sync_settings):
    own, market, other = a_day_of_releases()
    waits: list[float] = []
    with FakePlatform("find-a-tender", own + market + other) as fake:
        sync_platform(
            platform="find-a-tender",
            now=BACKFILL + timedelta(hours=6),
            client=client_for(fake, waits),
            backfill_from=BACKFILL,
        )
        fake.always = 503
        with pytest.raises(PlatformUnavailable, match="answered 503"):
            sync_platform(platform="find-a-tender", now=NOW - timedelta(hours=1), client=client_for(fake, waits))
        state = SyncState.objects.get(platform="find-a-tender")
        assert state.read_to == BACKFILL + timedelta(hours=6)
        assert "503" in state.last_error and state.running_since is None
        assert max(waits) <= 300 and len(waits) == 3  # bounded: four attempts, three waits

        fake.always = None
        sync_platform(platform="find-a-tender", now=NOW, client=client_for(fake, waits))

    assert sorted(Release.objects.values_list("release_id", flat=True)) == sorted(release["id"] for release in own)
    assert sorted(MarketNotice.objects.values_list("release_id", flat=True)) == sorted(
        release["id"] for release in market
    )
    assert SyncState.objects.get(platform="find-a-tender").last_error == ""


def test_two_syncs_of_one_platform_never_run_at_once_but_a_dead_runs_lock_is_taken_back(council, sync_settings):
    SyncState.objects.create(platform="find-a-tender", running_since=timezone.now(), run_token="someone")
    with FakePlatform("find-a-tender", []) as fake:
        with pytest.raises(SyncBusy):
            sync_platform(platform="find-a-tender", now=NOW, client=client_for(fake, []))
        assert fake.requests == []
        # A run killed outright (no chance to give the lock back) holds it until the lock times out.
        SyncState.objects.update(running_since=timezone.now() - timedelta(hours=3))
        sync_platform(platform="find-a-tender", now=NOW, client=client_for(fake, []), backfill_from=BACKFILL)
    assert SyncState.objects.get().running_since is None


def test_sync_notices_command_back_fills_one_platform_from_a_date(council, sync_settings, monkeypatch):
    own, market, other = a_day_of_releases()
    with FakePlatform("find-a-tender", own + market + other) as fake:
        sync_settings.FIND_A_TENDER_API_URL = fake.url
        monkeypatch.setattr("notices.sync.client.time.sleep", lambda seconds: None)
        call_command("sync_notices", "--from", "2026-11-19", "--platform", "find-a-tender")
    assert fake.requests[0]["query"]["updatedFrom"] == "2026-11-19T00:00:00"
    assert Release.objects.count() == len(own)
    assert not SyncState.objects.filter(platform="contracts-finder").exists()


def test_the_health_page_says_when_each_platform_was_last_read_and_how_far_behind_it_is(client, sync_settings):
    from ops.health import SWEEP
    from ops.models import Heartbeat

    Heartbeat.objects.update_or_create(name=SWEEP, defaults={"finished_at": timezone.now()})
    now = timezone.now()
    SyncState.objects.create(
        platform="find-a-tender", read_to=now - timedelta(minutes=30), last_success_at=now - timedelta(minutes=30)
    )
    SyncState.objects.create(
        platform="contracts-finder",
        read_to=now - timedelta(days=1),
        last_error="Contracts Finder answered 503 (after 6 attempts)",
    )

    body = client.get(reverse("ops:health")).json()

    fts, cf = body["checks"]["notice_sync_find_a_tender"], body["checks"]["notice_sync_contracts_finder"]
    assert fts["ok"] is True and 1790 <= fts["behind_seconds"] <= 1900
    assert cf["ok"] is False and cf["last_succeeded"] is None and "503" in cf["error"]
    assert body["healthy"] is False


def test_the_beat_job_follows_both_platforms_every_interval(council, sync_settings, monkeypatch):
    from django.conf import settings as live

    from notices.tasks import sync_notices

    assert live.CELERY_BEAT_SCHEDULE["sync-notices"]["task"] == "notices.tasks.sync_notices"
    sync_settings.NOTICE_SYNC_BACKFILL_DAYS = 1
    now = timezone.now()
    stamp = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fresh_own = own_release(stamp)
    fresh_market = market_release(9, stamp, title="Refuge support", prefix="ocds-b5fd17-")
    with FakePlatform("find-a-tender", [fresh_own]) as fts, FakePlatform("contracts-finder", [fresh_market]) as cf:
        sync_settings.FIND_A_TENDER_API_URL, sync_settings.CONTRACTS_FINDER_API_URL = fts.url, cf.url
        monkeypatch.setattr("notices.sync.client.time.sleep", lambda seconds: None)
        sync_notices.apply()
    assert list(Release.objects.values_list("release_id", flat=True)) == [fresh_own["id"]]
    assert list(MarketNotice.objects.values_list("release_id", flat=True)) == [fresh_market["id"]]
    assert set(SyncState.objects.values_list("platform", flat=True)) == {"find-a-tender", "contracts-finder"}


def test_sync_notices_refuses_a_date_it_cannot_read_and_reads_nothing(sync_settings):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("sync_notices", "--from", "19/11/2026")
    assert not SyncState.objects.exists()


def test_the_first_run_starts_at_the_configured_back_fill_date_in_london(council, sync_settings):
    from datetime import date

    sync_settings.NOTICE_SYNC_BACKFILL_FROM = date(2026, 6, 1)
    sync_settings.NOTICE_SYNC_LONGEST_WINDOW = timedelta(days=365)
    with FakePlatform("find-a-tender", []) as fake:
        sync_platform(platform="find-a-tender", now=NOW, client=client_for(fake, []))
    # London midnight in summer time is 23:00 the day before in UTC.
    assert fake.requests[0]["query"]["updatedFrom"] == "2026-05-31T23:00:00"
