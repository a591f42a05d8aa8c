"""One sync run per platform, and the weekly market email (docs/notices.md).

``sync_platform``:
1. Take the platform's lock: a conditional update of its ``SyncState`` row, so two runs (two
   beat ticks, beat and a cron command) never read the same platform at once. A lock older than
   ``NOTICE_SYNC_LOCK_TIMEOUT`` belonged to a run that died and is taken back.
2. Resume the unfinished window at its saved cursor, or plan the next window from where the
   platform was read to, overlapping the last one (``core.next_window``).
3. For each page: import the council's own buyers' releases through the OCDS importer (the
   same rules, conflicts and officer review as an upload), keep other buyers' releases that
   match an officer's watch as ``MarketNotice`` rows, then save the cursor. A run killed
   mid-page reads that page again next time; both imports are idempotent on the release.
4. At a window's end, move ``read_to`` to it; when caught up with now, record the success.
5. Whatever happened, give the lock back; a failure is kept on the row for the health page.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from contracts.models import Contract, Organisation, Team

from . import core
from .client import PlatformClient
from .models import MarketNotice, MarketWatch, Platform, SyncState

log = logging.getLogger("notices.sync")


class SyncBusy(Exception):
    """Another run holds this platform's lock."""


@dataclass
class BuyerScope:
    """Whose records a release of one of the council's buyers may change, chosen without a person.

    The team that owns the buyer is the team with the most contracts bought by it (ties go to
    the first by name): new cycles go to it. The import may change the records of every team
    that has a contract with that buyer, and no other team's."""

    organisation_id: int
    team: Team
    allowed_team_ids: set[int]


@dataclass
class OwnBuyers:
    by_identifier: dict[tuple[str, str], BuyerScope] = field(default_factory=dict)

    def scope_for(self, release: dict) -> BuyerScope | None:
        for identifier in sorted(core.buyer_identifiers(release)):
            if identifier in self.by_identifier:
                return self.by_identifier[identifier]
        return None


def own_buyers() -> OwnBuyers:
    """The council's own buyers: organisations that buy at least one of its contracts."""
    teams: dict[int, dict[int, int]] = defaultdict(dict)
    for row in Contract.objects.values("buyer_id", "team_id").annotate(n=Count("pk")):
        teams[row["buyer_id"]][row["team_id"]] = row["n"]
    names = dict(Team.objects.values_list("pk", "name"))
    team_objects = Team.objects.in_bulk(list(names))
    found = OwnBuyers()
    for organisation in Organisation.objects.filter(pk__in=list(teams)):
        counts = teams[organisation.pk]
        owner = min(counts, key=lambda team_id: (-counts[team_id], names[team_id]))
        scope = BuyerScope(organisation.pk, team_objects[owner], set(counts))
        for identifier in core.organisation_identifiers(
            ppon_id=organisation.ppon_id,
            company_number=organisation.company_number,
            charity_number=organisation.charity_number,
        ):
            found.by_identifier.setdefault(identifier, scope)
    return found


@dataclass
class Watches:
    rows: list[tuple[list[str], list[str], list[str]]]

    def any_match(self, summary: dict) -> bool:
        return any(
            core.watch_matches(summary=summary, cpv=cpv, keywords=words, watched_regions=regions)
            for cpv, words, regions in self.rows
        )


def watches() -> Watches:
    return Watches(
        [
            (core.split_list(watch.cpv_codes), core.split_list(watch.keywords), core.split_list(watch.regions))
            for watch in MarketWatch.objects.all()
        ]
    )


def _backfill_from(now: datetime, given: datetime | None) -> datetime:
    if given is not None:
        return given
    if settings.NOTICE_SYNC_BACKFILL_FROM:
        # A date (config/settings.py checks it): London midnight of that day.
        return timezone.make_aware(datetime.combine(settings.NOTICE_SYNC_BACKFILL_FROM, time.min))
    return now - timedelta(days=settings.NOTICE_SYNC_BACKFILL_DAYS)


def _claim(state: SyncState, now: datetime) -> str:
    token = uuid.uuid4().hex
    stale = now - settings.NOTICE_SYNC_LOCK_TIMEOUT
    claimed = SyncState.objects.filter(Q(running_since__isnull=True) | Q(running_since__lt=stale), pk=state.pk).update(
        running_since=now, run_token=token
    )
    if claimed != 1:
        raise SyncBusy(f"A sync of {state.get_platform_display()} is already running")
    return token


def _release_lock(state: SyncState, token: str, **fields) -> None:
    SyncState.objects.filter(pk=state.pk, run_token=token).update(running_since=None, run_token="", **fields)


def _import_own(release: dict, scope: BuyerScope, platform: str) -> str:
    from notices.ocds.loader import ImportOptions, import_item
    from notices.ocds.reader import Item

    options = ImportOptions(team=scope.team, allowed_team_ids=set(scope.allowed_team_ids))
    outcome = import_item(Item(location=f"{Platform(platform).label}", release=release), options)
    if outcome.status not in ("imported", "unchanged"):
        log.warning(
            "synced release refused",
            extra={"release": outcome.release_id, "problems": "; ".join(outcome.problems)[:500]},
        )
    return outcome.status


def _keep_market(release: dict, summary: dict, platform: str) -> str:
    release_id, ocid = release.get("id"), release.get("ocid")
    if not isinstance(release_id, str) or not isinstance(ocid, str) or summary["released_at"] is None:
        return "skipped"
    fields = {key: value for key, value in summary.items() if key != "released_at"}
    try:
        with transaction.atomic():
            _, created = MarketNotice.objects.get_or_create(
                ocid=ocid[:100],
                release_id=release_id[:255],
                defaults={"platform": platform, "released_at": summary["released_at"], **fields},
            )
    except IntegrityError:
        created = False
    return "market" if created else "market_again"


def handle_release(release: object, *, platform: str, buyers: OwnBuyers, watched: Watches) -> str:
    """What the sync does with one release: "imported"/"unchanged"/"refused" (own buyer),
    "market"/"market_again" (watched), or "skipped"."""
    if not isinstance(release, dict):
        return "skipped"
    scope = buyers.scope_for(release)
    if scope is not None:
        return _import_own(release, scope, platform)
    summary = core.market_summary(release)
    if watched.any_match(summary):
        return _keep_market(release, summary, platform)
    return "skipped"


@dataclass
class SyncResult:
    platform: str
    counts: dict[str, int]
    read_to: datetime | None
    requests: int


def sync_platform(
    *,
    platform: str,
    now: datetime | None = None,
    client: PlatformClient | None = None,
    backfill_from: datetime | None = None,
    on_page: Callable[[int], None] | None = None,
) -> SyncResult:
    """Read one platform up to ``now`` (module docstring). ``backfill_from`` starts again from
    that moment (``sync_notices --from``); ``on_page`` is called after each page is saved."""
    platform = Platform(platform)
    now = now or timezone.now()
    client = client or PlatformClient(platform)
    state, _ = SyncState.objects.get_or_create(platform=platform)
    token = _claim(state, timezone.now())
    state.refresh_from_db()
    if backfill_from is not None:
        state.read_to, state.window_from, state.window_to, state.cursor = None, None, None, ""
    start_from = _backfill_from(now, backfill_from)
    buyers, watched = own_buyers(), watches()
    counts: dict[str, int] = defaultdict(int)
    try:
        while True:
            if state.window_from is None:
                window = core.next_window(
                    read_to=state.read_to,
                    now=now,
                    backfill_from=start_from,
                    overlap=settings.NOTICE_SYNC_OVERLAP,
                    longest=settings.NOTICE_SYNC_LONGEST_WINDOW,
                )
                if window is None:
                    break
                state.window_from, state.window_to, state.cursor = window.start, window.end, ""
                state.save(update_fields=["read_to", "window_from", "window_to", "cursor"])
            for page in client.pages(state.window_from, state.window_to, state.cursor):
                for release in page.releases:
                    counts[handle_release(release, platform=platform, buyers=buyers, watched=watched)] += 1
                counts["pages"] += 1
                counts["releases"] += len(page.releases)
                state.cursor = page.next_cursor
                state.save(update_fields=["cursor"])
                if on_page:
                    on_page(counts["pages"])
            state.read_to, state.window_from, state.window_to, state.cursor = state.window_to, None, None, ""
            state.save(update_fields=["read_to", "window_from", "window_to", "cursor"])
    except BaseException as error:  # a worker's time limit or a Ctrl-C too: give the lock back
        log.exception("notice sync of %s stopped", platform.label)
        _release_lock(
            state,
            token,
            last_error=str(error)[:1000] or type(error).__name__,
            last_error_at=timezone.now(),
            counts=dict(counts),
        )
        raise
    _release_lock(state, token, last_success_at=timezone.now(), last_error="", counts=dict(counts))
    return SyncResult(platform, dict(counts), state.read_to, client.requests)


def sync_all(
    *, now: datetime | None = None, backfill_from: datetime | None = None, platforms: list[str] | None = None
) -> list[SyncResult]:
    """Each platform in turn; one platform failing or busy does not stop the other."""
    results, failures = [], []
    for platform in platforms or list(Platform):
        try:
            results.append(sync_platform(platform=platform, now=now, backfill_from=backfill_from))
        except SyncBusy as busy:
            log.info(str(busy))
        except Exception as error:  # noqa: BLE001 - recorded on the state row and logged above
            failures.append(f"{Platform(platform).label}: {error}")
    if failures:
        raise RuntimeError("; ".join(failures))
    return results
