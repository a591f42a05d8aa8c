"""Loading OCDS releases into the tracker: the writing half of the import (``parser.py`` reads).

``import_releases(stream, options)`` reads a file with ``reader.read_releases`` and yields one
``Outcome`` per release as it goes, so a caller can print or count them without holding a
large file's results in memory. Releases are written ``options.batch_size`` (500) at a time in
one transaction (``_import_batch``): the cycles, lots, releases, notices and milestones a batch
adds are inserted together, and what follows a change (duties, reminders) is worked out once per
contract and cycle per batch. Each release is still refused or imported on its own: a release
refused while being written sends its batch back to be written one release per transaction, so
it leaves nothing behind. For each release:

1. A release whose OCID and id are already in the tracker changes nothing ("already imported");
   OCDS makes a release id unique only within its OCID.
2. ``parser.read_release`` checks it (schema, dates with time zones, numbers) and reads it;
   any problem refuses the whole release, with its JSON path.
3. The buyer must be an organisation the tracker knows by any identifier the release gives
   it (GB-PPON, GB-COH, GB-CHC, GB-SC, GB-NIC, Contracts Finder's GB-CFS or any other
   scheme), unless the import may add buyers (``create_buyers``): an unknown buyer is
   otherwise refused, because a typing slip in an identifier would quietly create a second council.
4. The commissioning cycle is the one with the release's OCID. With none, the import adds one
   for the team given (or the team of the contracts that have the OCID); without a team the
   release is refused, naming the OCID.
5. A release older than one already imported for the same OCID is kept (raw JSON and
   notices) but changes nothing, so importing files out of order cannot move dates back.
6. Otherwise the release updates the cycle's estimated value, light-touch regime and target
   start, its lots, and the milestones from planning.milestones, the future notice date and
   the lots' contract periods (``parser.milestone_specs``). Each value is changed only while
   it still holds what the notices last said (``ImportedValue``); a value an officer entered
   or changed is kept, and a ``Conflict`` shows both for the officer to choose.
7. The notices in the release's documents are added (once each, by Find a Tender notice id)
   and linked to the cycle and to the contracts with the OCID; the Act's duties are brought
   in step, and any duty a new notice answers is marked met.

Every save says, in its history, the release it came from ("From the notice data published 1 April
2026 at 9am").

What an import may change (``_Scope``): an officer's import (``options.officer``) changes only
what ``access.policy`` lets that person change: the cycles, contracts and notices of their
teams. A release that would touch anything else (a cycle, a contract or a notice of another
team, or a cycle for a team they are not in) is refused whole, saying why. An import without
a person (the ``import_ocds`` command, the demo) changes the teams in
``options.allowed_team_ids``, or every team when that is None; the command makes the operator
say which (``--team`` or ``--all-teams``).

Hostile files (``ImportLimits``): an upload is first read once without writing anything
(``survey``), and refused whole if it is nested too deeply or holds more releases, documents
or milestones than the limits allow.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from dataclasses import astuple, dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from access import policy
from commissioning import services as commissioning_services
from commissioning.changes import contract_changed, cycle_changed, cycles_changed
from commissioning.models import STAGE_ORDER, CommissioningCycle, Milestone, Stage
from common import history
from common.dates import long_date
from common.history import REASON_LENGTH
from contracts import services as contract_services
from contracts.models import Contract, Organisation, ServiceCategory, Team
from contracts.terms import term_end, whole_months_between

from .. import services
from ..models import (
    Conflict,
    Duty,
    ImportedValue,
    Lot,
    Notice,
    OrganisationIdentifier,
    Release,
)
from ..notice_types import NoticeType
from . import jsontext
from .parser import (
    MilestoneSpec,
    ParsedLot,
    ParsedRelease,
    Problem,
    ReleaseRefused,
    documents_in,
    milestone_specs,
    read_release,
)
from .reader import HostileFile, Item, UnreadableFile, read_releases

log = logging.getLogger("notices.import")

# The stage a new cycle starts at, from the latest notice it has.
STAGE_FOR_NOTICE = {
    "UK1": Stage.STRATEGY,
    "UK2": Stage.MARKET_ENGAGEMENT,
    "UK3": Stage.MARKET_ENGAGEMENT,
    "UK4": Stage.PROCUREMENT,
    "UK5": Stage.AWARD,
    "UK6": Stage.AWARD,
    "UK7": Stage.LIVE,
    "UK12": Stage.PROCUREMENT,
    "UK13": Stage.PROCUREMENT,
    "UK14": Stage.PROCUREMENT,
}


class Refused(Exception):
    def __init__(self, *problems: Problem):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportLimits:
    """How much one upload may hold (settings OCDS_UPLOAD_MAX_RELEASES, _DOCUMENTS, _MILESTONES, _LOTS).

    Each document may add a notice, each planning milestone a milestone with its reminders, and
    each lot a lot and up to three milestones: the limits bound the work one upload can cause.
    """

    releases: int = 5_000
    documents: int = 20_000
    milestones: int = 20_000
    lots: int = 5_000

    @classmethod
    def from_settings(cls) -> ImportLimits:
        return cls(
            releases=int(getattr(settings, "OCDS_UPLOAD_MAX_RELEASES", cls.releases)),
            documents=int(getattr(settings, "OCDS_UPLOAD_MAX_DOCUMENTS", cls.documents)),
            milestones=int(getattr(settings, "OCDS_UPLOAD_MAX_MILESTONES", cls.milestones)),
            lots=int(getattr(settings, "OCDS_UPLOAD_MAX_LOTS", cls.lots)),
        )


@dataclass
class ImportOptions:
    officer: AbstractBaseUser | None = None  # whose import: it changes only what they may change
    team: Team | None = None  # for cycles the import adds
    create_buyers: bool = False
    # An import without an officer: the teams whose records it may change (None: every team).
    allowed_team_ids: set[int] | None = None
    today: date | None = None
    limits: ImportLimits | None = None  # None: no limits (the command, run by an operator)
    # Releases written in one transaction (``_import_batch``): fewer commits, and what follows
    # a change (duties, reminders) worked out once per contract and cycle per batch.
    batch_size: int = 500


class TooMuch(HostileFile):
    """The file holds more releases, documents, milestones or lots than one upload may."""


@dataclass(frozen=True)
class Survey:
    """What a file holds, counted without writing anything."""

    releases: int = 0
    documents: int = 0
    milestones: int = 0
    lots: int = 0

    def __add__(self, other: Survey) -> Survey:
        return Survey(*(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True)))

    @property
    def work(self) -> int:
        """Roughly how many records importing it may write, beyond one per release."""
        return self.documents + self.milestones + 3 * self.lots


def _list_length(value: object) -> int:
    return len(value) if isinstance(value, list) else 0


def _counts(release: object) -> Survey:
    """One release's documents, planning milestones and lots (parts of the wrong type count 0: the parser refuses them)."""
    if not isinstance(release, dict):
        return Survey(releases=1)
    try:
        documents = sum(1 for _ in documents_in(release))
    except TypeError:
        documents = 0
    planning, tender = release.get("planning"), release.get("tender")
    return Survey(
        releases=1,
        documents=documents,
        milestones=_list_length(planning.get("milestones")) if isinstance(planning, dict) else 0,
        lots=_list_length(tender.get("lots")) if isinstance(tender, dict) else 0,
    )


def survey(stream, limits: ImportLimits | None = None) -> Survey:
    """Read a whole file once, writing nothing: how many releases, documents, milestones and
    lots it holds. Raises ``HostileFile`` (nested too deeply, a repeated key, or more than
    ``limits`` allow), so that such a file is refused before any of it is imported. Invalid
    JSON ends the count: the import itself imports the releases before it and says where it
    stopped."""
    counted = Survey()
    try:
        for item in read_releases(stream):
            # Something that is not a release counts as one: a million bare numbers are a flood too.
            counted += _counts(item.release) if not item.error else Survey(releases=1)
            if limits is None:
                continue
            for what in ("releases", "documents", "milestones", "lots"):
                limit = getattr(limits, what)
                if getattr(counted, what) > limit:
                    words = "planning milestones" if what == "milestones" else what
                    raise TooMuch(
                        f"The file holds more than {limit:,} {words}, more than one upload may hold, so none of it "
                        "was imported. Split it into smaller files, or ask an administrator to import it with the "
                        "import_ocds command."
                    )
    except HostileFile:
        raise
    except UnreadableFile:
        pass  # invalid JSON: see the docstring
    return counted


@dataclass
class Outcome:
    """What happened to one release (or to the thing where a release should have been)."""

    IMPORTED, UNCHANGED, REFUSED, UNREADABLE = "imported", "unchanged", "refused", "unreadable"

    status: str
    location: str
    release_id: str = ""
    ocid: str = ""
    cycle_id: int | None = None
    cycle_name: str = ""
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    applied: bool = True
    # The disagreements this release raised, as {"id": ..., "subject": ...}: the result page links to each.
    disagreements: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.release_id:
            return f"release {self.release_id}"
        return self.location

    @property
    def ok(self) -> bool:
        return self.status in (self.IMPORTED, self.UNCHANGED)


def _text(value: str) -> str:
    """Text that can be shown and stored: a NUL or a lone surrogate ("\\ud800" in the JSON) written as its escape."""
    return value.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _release_label(item: Item) -> tuple[str, str]:
    release = item.release if isinstance(item.release, dict) else {}
    release_id = _text(release["id"][:200]) if isinstance(release.get("id"), str) else ""
    ocid = _text(release["ocid"][:200]) if isinstance(release.get("ocid"), str) else ""
    return release_id, ocid


def _refused(item: Item, problems: list) -> Outcome:
    release_id, ocid = _release_label(item)
    where = f"release {release_id}" if release_id else f"{item.location} (no release id)"
    if ocid and release_id:
        where += f" ({ocid})"
    elif item.location != "$" and release_id:
        where += f" at {item.location}"
    return Outcome(
        Outcome.REFUSED,
        item.location,
        release_id=release_id,
        ocid=ocid,
        problems=[_text(f"{where}: {problem}") for problem in problems],
    )


def import_releases(stream, options: ImportOptions) -> Iterator[Outcome]:
    """Import every release in a binary stream, yielding what happened to each (module docstring).

    With ``options.limits`` the stream (which must be seekable) is surveyed first, and refused
    whole, with nothing written, if it is over the limits or nested too deeply. Releases are
    imported ``options.batch_size`` at a time (``_import_batch``); their outcomes come once their
    batch is committed."""
    batch: list[Item] = []
    try:
        if options.limits is not None:
            survey(stream, options.limits)
            stream.seek(0)
        for item in read_releases(stream):
            batch.append(item)
            if len(batch) >= max(1, options.batch_size):
                yield from _import_batch(batch, options)
                batch = []
    except UnreadableFile as error:
        # The releases read before the file went wrong are imported; then where it stopped.
        yield from _import_batch(batch, options)
        outcome = Outcome(Outcome.UNREADABLE, "file", problems=[str(error)])
        _log(outcome)
        yield outcome
        return
    yield from _import_batch(batch, options)


def _import_batch(items: list[Item], options: ImportOptions) -> Iterator[Outcome]:
    """Import a batch of releases in one transaction, each still refused or imported on its own.

    1. Find, in one query, the releases already imported (step 1 of the module docstring).
    2. Read and check the others (``parser.read_release``): a release that fails is refused here,
       before anything is written, naming its path.
    3. Write the rest in one transaction, then run what follows (``contract_changed``,
       ``cycle_changed``) once for each contract and cycle the batch touched (``_Batch``).
    4. If a release is refused while being written (a buyer the tracker does not know, another
       team's cycle...) or the database refuses a row, the batch's transaction is rolled back
       and its releases are written again one transaction each (``_write_alone``), so that the
       refused one leaves nothing behind and the others go in: savepoints cost only the batch
       that needs them.
    """
    if not items:
        return
    outcomes: list[Outcome | None] = [None] * len(items)
    labels = [_release_label(item) for item in items]
    wanted = {(ocid, release_id) for release_id, ocid in labels if release_id}
    already = set()
    if wanted:
        already = {
            pair
            for pair in Release.objects.filter(
                release_id__in={release_id for _, release_id in wanted}, ocid__in={ocid for ocid, _ in wanted}
            ).values_list("ocid", "release_id")
            if pair in wanted
        }
    to_write: list[tuple[int, Item, ParsedRelease]] = []
    for index, item in enumerate(items):
        release_id, ocid = labels[index]
        if item.error:
            outcomes[index] = Outcome(Outcome.REFUSED, item.location, problems=[item.error])
        elif release_id and (ocid, release_id) in already:
            outcomes[index] = Outcome(Outcome.UNCHANGED, item.location, release_id=release_id, ocid=ocid)
        else:
            parsed = _read(item)
            if isinstance(parsed, Outcome):
                outcomes[index] = parsed
            else:
                to_write.append((index, item, parsed))
    if to_write:
        try:
            with transaction.atomic():
                batch = _Batch()
                batch.milestones.officer = options.officer
                batch.notices_known(
                    {document.fts_notice_id for _, _, parsed in to_write for document in parsed.notices}
                )
                batch.preload({parsed.ocid for _, _, parsed in to_write}, _Scope(options))
                runs: dict[int, _Run] = {}
                written: set[tuple[str, str]] = set()
                for index, _, parsed in to_write:
                    pair = (parsed.ocid, parsed.release_id)
                    if pair not in written:  # the same release twice in one file: in once
                        runs[index] = _Run(parsed, options, batch)
                        written.add(pair)
                batch.add_cycles(list(runs.values()))
                for index, item, parsed in to_write:
                    if index not in runs:
                        release_id, ocid = labels[index]
                        outcomes[index] = Outcome(Outcome.UNCHANGED, item.location, release_id=release_id, ocid=ocid)
                        continue
                    outcomes[index] = _import(parsed, item, options, batch=batch, run=runs[index])
                batch.follow_up(options)
        except (Refused, ValidationError, DatabaseError):
            for index, item, parsed in to_write:
                outcomes[index] = _write_alone(item, parsed, options)
    for outcome in outcomes:
        _log(outcome)
        yield outcome


def _log(outcome: Outcome) -> None:
    """One log line per release: the operations log's record of every import (JSON in production)."""
    level = logging.WARNING if outcome.status in (Outcome.REFUSED, Outcome.UNREADABLE) else logging.INFO
    log.log(
        level,
        f"release {outcome.status}",
        extra={
            "release": outcome.release_id,
            "ocid": outcome.ocid,
            "location": outcome.location,
            "changes": len(outcome.changes),
            "problems": "; ".join(outcome.problems)[:500],
        },
    )


def import_item(item: Item, options: ImportOptions) -> Outcome:
    """One release on its own, in its own transaction (``import_releases`` imports them in batches)."""
    if item.error:
        return Outcome(Outcome.REFUSED, item.location, problems=[item.error])
    release_id, ocid = _release_label(item)
    # Step 1: importing the same release twice changes nothing (and costs one query). A release
    # id is unique only within its OCID: another procurement's release with the same id is new.
    if release_id and Release.objects.filter(ocid=ocid, release_id=release_id).exists():
        return Outcome(Outcome.UNCHANGED, item.location, release_id=release_id, ocid=ocid)
    parsed = _read(item)
    return parsed if isinstance(parsed, Outcome) else _write_alone(item, parsed, options)


def _read(item: Item) -> ParsedRelease | Outcome:
    """Step 2: the release read and checked, or the outcome that refuses it (nothing written yet)."""
    try:
        return read_release(item.release)
    except ReleaseRefused as error:
        return _refused(item, error.problems)
    except (RecursionError, ArithmeticError):
        # Not expected after the reader's depth limit and the parser's number checks: refused, never a 500.
        return _refused(
            item, [Problem("$", "could not be read (it is nested too deeply or holds a number out of range)")]
        )


def _write_alone(item: Item, parsed: ParsedRelease, options: ImportOptions) -> Outcome:
    """Write one checked release in its own transaction: a refused one leaves nothing behind."""
    release_id, ocid = _release_label(item)
    if release_id and Release.objects.filter(ocid=ocid, release_id=release_id).exists():
        return Outcome(Outcome.UNCHANGED, item.location, release_id=release_id, ocid=ocid)
    try:
        with transaction.atomic():
            return _import(parsed, item, options)
    except Refused as error:
        return _refused(item, error.problems)
    except ValidationError as error:
        return _refused(item, [Problem("$", message) for message in error.messages])
    except IntegrityError:
        if Release.objects.filter(ocid=parsed.ocid, release_id=parsed.release_id).exists():
            # Imported at the same moment by someone else: the same release, already in.
            return Outcome(Outcome.UNCHANGED, item.location, release_id=release_id, ocid=ocid)
        return _refused(item, [Problem("$", "could not be saved: it clashes with a record already in the tracker")])
    except DatabaseError as error:
        return _refused(item, [Problem("$", f"could not be saved ({error.__class__.__name__})")])


class _Batch:
    """What a batch's releases share inside its one transaction: what they looked up, and what follows.

    Each cache holds rows this transaction has read or written, so a later release of the batch
    sees an earlier one's changes; a batch rolled back is thrown away with its caches.
    """

    def __init__(self):
        self.organisations: dict[tuple, Organisation] = {}  # by the identifiers a release gives
        self.cycles: dict[str, CommissioningCycle] = {}  # by OCID, locked (select_for_update)
        self.latest: dict[tuple[str, int], Release | None] = {}  # the latest applied release, by (OCID, cycle)
        self.imported: dict[int, dict[str, ImportedValue]] = {}  # each cycle's imported values, by key
        # Lots not matched to a contract, by (cycle, lot id): a matched lot is read afresh, as its
        # contract's dates may have changed within the batch.
        self.lots: dict[tuple[int, str], Lot] = {}
        # Whether each cycle had duties when the batch began: duties change only in follow_up.
        self.has_duties: dict[int, bool] = {}
        # What follows, once each at the end: the last release to touch each contract or cycle
        # gets the changes it brought (its duties, reminders and cover).
        self.contracts_changed: dict[int, _Run] = {}
        self.cycles_changed: dict[int, _Run] = {}
        self.finishing: list[tuple[_Run, list[Notice]]] = []
        # Milestones the batch moved, written together, and their reminders planned once each.
        self.milestones = commissioning_services.MilestoneUpdates(officer=None)
        # Notices by their Find a Tender id: those already in (read in one query), and those the
        # batch adds, written together (``save_notices``) with their history and contracts.
        self.notices: dict[str, Notice] = {}
        self.new_notices: list[Notice] = []
        self.notice_runs: dict[int, _Run] = {}  # the release adding each of new_notices, by id()
        self.new_links: list[tuple[Notice, list[Contract]]] = []
        # Read once for the batch's OCIDs (``preload``): the cycles with each OCID (locked), the
        # contracts with it (all, and the pks of those this import may change), and lots by cycle.
        self.cycles_found: dict[str, list[CommissioningCycle]] = {}
        self.contracts: dict[str, list[Contract]] = {}
        self.contracts_allowed: set[int] = set()
        self.lots_preloaded: set[int] = set()  # cycles whose lots were all read
        self.lots_matched: set[tuple[int, str]] = set()  # their lots matched to a contract: read afresh
        self.cycles_added: set[int] = set()  # cycles this batch added: no milestone of theirs to adopt
        self.cycle_added_by: dict[str, _Run] = {}  # by OCID: the release whose cycle the batch added (``add_cycles``)
        # Lots the batch adds, written together (``save_lots``) with their history.
        self.new_lots: list[Lot] = []
        # Milestones the batch adds, written together (``save_milestones``) with their history.
        self.new_milestones: list[Milestone] = []
        # Written together: the releases (``save_releases``), and the imported values added and changed.
        self.new_releases: list[_Run] = []
        self.new_imported: list[ImportedValue] = []
        self.changed_imported: dict[int, ImportedValue] = {}

    def preload(self, ocids: set[str], scope: _Scope) -> None:
        """What the releases of the batch look up by OCID, read in a few queries rather than a few per release."""
        for cycle in CommissioningCycle.objects.select_for_update().filter(ocid__in=ocids).order_by("pk"):
            self.cycles_found.setdefault(cycle.ocid, []).append(cycle)
        every = Contract.objects.filter(ocid__in=ocids).order_by("reference")
        for contract in every:
            self.contracts.setdefault(contract.ocid, []).append(contract)
        if scope.officer is None:
            self.contracts_allowed = {
                pk
                for contracts in self.contracts.values()
                for pk in (c.pk for c in contracts if scope.team_ids is None or c.team_id in scope.team_ids)
            }
        elif self.contracts:
            self.contracts_allowed = set(scope.contracts(every).values_list("pk", flat=True))
        cycle_ids = [cycles[0].pk for cycles in self.cycles_found.values() if len(cycles) == 1]
        if not cycle_ids:
            return
        for cycle_id in cycle_ids:
            self.imported[cycle_id] = {}
            self.has_duties[cycle_id] = False
        for imported in ImportedValue.objects.select_related("milestone").filter(cycle_id__in=cycle_ids):
            self.imported[imported.cycle_id][imported.key] = imported
        for cycle_id in (
            Duty.objects.filter(cycle_id__in=cycle_ids).order_by().values_list("cycle_id", flat=True).distinct()
        ):
            self.has_duties[cycle_id] = True
        if connection.features.can_distinct_on_fields:  # PostgreSQL; elsewhere read per cycle (_latest_release)
            latest = (
                Release.objects.filter(cycle_id__in=cycle_ids, applied=True, ocid__in=ocids)
                .order_by("ocid", "cycle_id", "-date")
                .distinct("ocid", "cycle_id")
            )
            for release in latest:
                self.latest[(release.ocid, release.cycle_id)] = release
            for cycle in (cycles[0] for cycles in self.cycles_found.values() if len(cycles) == 1):
                self.latest.setdefault((cycle.ocid, cycle.pk), None)
        for lot in Lot.objects.filter(cycle_id__in=cycle_ids):
            if lot.contract_id is None:
                self.lots[(lot.cycle_id, lot.lot_id)] = lot
            else:
                self.lots_matched.add((lot.cycle_id, lot.lot_id))
        self.lots_preloaded.update(cycle_ids)

    def add_cycles(self, runs: list[_Run]) -> None:
        """Add, together, the cycle of each procurement the batch is the first to bring
        (``commissioning.services.cycles_create``: one insert, one history insert), before its
        releases are written, so that each has its id from the start. Each cycle is the one its
        procurement's first release in the batch would add on its own (``_cycle_new``); that
        release says so in its changes (``_cycle``). A release refused here (no team, another
        team's contracts) sends the batch back to be written one release at a time, as anywhere."""
        added: dict[str, CommissioningCycle] = {}
        for run in runs:
            ocid = run.parsed.ocid
            if ocid in self.cycles_found or ocid in added:
                continue
            added[ocid] = _cycle_new(run, _contracts(run))
            self.cycle_added_by[ocid] = run
        if not added:
            return
        commissioning_services.cycles_create(cycles=list(added.values()), officer=self.milestones.officer)
        for ocid, cycle in added.items():
            self.cycles[ocid] = cycle
            # A new cycle has nothing yet: no values imported, lots, duties or releases to read.
            self.cycles_added.add(cycle.pk)
            self.imported[cycle.pk] = {}
            self.has_duties[cycle.pk] = False
            self.lots_preloaded.add(cycle.pk)
            self.latest[(ocid, cycle.pk)] = None

    def save_lots(self) -> None:
        """Write the lots the batch added so far: one insert, one history insert, each entry with
        its release's reason. Called before one of them is changed again, and at the end."""
        if self.new_lots:
            self.save_releases()  # a lot refers to the release that last described it
            added, self.new_lots = self.new_lots, []
            bulk_create_with_history(added, Lot, batch_size=500)

    def save_releases(self) -> None:
        """Write the releases read so far: one insert. Called before anything that refers to them is written."""
        if self.new_releases:
            # With the changes each has made so far: only those that change more are updated at the end.
            for run in self.new_releases:
                run.release.changes = list(run.changes)
            Release.objects.bulk_create([run.release for run in self.new_releases], batch_size=500)
            self.new_releases = []

    def save_milestones(self) -> None:
        """Write the milestones the batch added so far (``milestones_create``: one insert, one
        history insert, each entry with its release's reason); their reminders are planned at the
        end of the batch (``follow_up``). Called before anything that refers to them is written."""
        if self.new_milestones:
            added, self.new_milestones = self.new_milestones, []
            commissioning_services.milestones_create(milestones=added, officer=self.milestones.officer, follow_up=False)
            for milestone in added:
                self.milestones.replan(milestone)

    def save_imported(self) -> None:
        """Write the imported values the batch added (one insert) and changed (one update)."""
        self.save_releases()
        self.save_milestones()
        if self.new_imported:
            ImportedValue.objects.bulk_create(self.new_imported, batch_size=500)
            self.new_imported = []
        if self.changed_imported:
            ImportedValue.objects.bulk_update(
                list(self.changed_imported.values()), ["value", "release", "milestone"], batch_size=500
            )
            self.changed_imported = {}

    def notices_known(self, fts_notice_ids: set[str]) -> None:
        found = (
            Notice.objects.select_related("cycle")
            .filter(fts_notice_id__in=fts_notice_ids)
            .order_by("-published_at", "-fts_notice_id", "-pk")
        )
        self.notices.update(
            {notice.fts_notice_id: notice for notice in found}
        )  # the last kept: the first in Notice.Meta.ordering, as .first() gives

    def save_notices(self) -> None:
        """Write the notices the batch added: one insert, one history insert, then their contracts.

        Each release's own notice (``_own_notice``) is written with the release's changes so far,
        so that only those whose list grows after (what follows, at the end of the batch) are
        updated again. The history keeps each notice as it was added, without the list, as
        ``_attach_changes`` adds none."""
        self.save_releases()
        if self.new_notices:
            runs = {id(run): run for run in self.notice_runs.values()}
            for run in runs.values():
                own = _own_notice(run, run.new_notices)
                if own is not None and own.pk is None and run.changes:
                    own.changes = list(run.changes)
            Notice.objects.bulk_create(self.new_notices, batch_size=500)
            entries = []
            for notice in self.new_notices:
                entry = copy.copy(notice)
                entry.changes = []
                entries.append(entry)
            Notice.history.bulk_history_create(entries, batch_size=500)
            self.notice_runs = {}
        for notice, contracts in self.new_links:
            notice.contracts.add(*contracts)
        self.new_notices, self.new_links = [], []

    def follow_up(self, options: ImportOptions) -> None:
        today = options.today or timezone.localdate()
        self.save_imported()
        self.save_lots()
        self.save_notices()
        self.milestones.save()
        contracts = Contract.objects.in_bulk(list(self.contracts_changed))
        for pk, run in self.contracts_changed.items():
            run.changes += contract_changed(contract=contracts[pk], officer=options.officer, today=today)
        cycles = CommissioningCycle.objects.in_bulk(list(self.cycles_changed))
        changed = cycles_changed(
            cycles=[cycles[pk] for pk in self.cycles_changed], officer=options.officer, today=today
        )
        for pk, run in self.cycles_changed.items():
            run.changes += changed[pk]
        releases = []
        pending: list[Notice] = []
        for run, new_notices in self.finishing:
            _attach_changes(run, new_notices, pending=pending)
            if run.release.changes != run.changes:  # written with fewer (``save_releases``)
                run.release.changes = run.changes
                releases.append(run.release)
        Notice.objects.bulk_update(pending, ["changes"], batch_size=500)
        Release.objects.bulk_update(releases, ["changes"], batch_size=500)


# --- the steps ----------------------------------------------------------------------------


class _Run:
    """One release being imported: what it needs to know and the changes it has made."""

    def __init__(self, parsed: ParsedRelease, options: ImportOptions, batch: _Batch | None = None):
        self.parsed = parsed
        self.batch = batch
        self.options = options
        self.officer = options.officer
        self.today = options.today or timezone.localdate()
        # In words on the officer's pages (issue 25): the release's id, with its ISO timestamp, is on the
        # release's own page, behind its technical detail.
        self.reason = f"From the notice data published {long_date(parsed.date.at)}"[:REASON_LENGTH]
        self.changes: list[str] = []
        self.new_notices: list[Notice] = []  # the notices this release added
        self.disagreements: list[dict] = []
        self.release: Release | None = None
        self.imported: dict[str, ImportedValue] | None = None  # the cycle's, by key, loaded once
        self.cycle_changed = False
        self.scope = _Scope(options)

    def record(self, instance) -> None:
        history.record(instance, officer=self.officer, reason=self.reason)


class _Scope:
    """What this import may change (see the module docstring): the one place the loader asks."""

    def __init__(self, options: ImportOptions):
        self.officer = options.officer
        self.team_ids = options.allowed_team_ids

    def contracts(self, queryset):
        if self.team_ids is not None:
            queryset = queryset.filter(team_id__in=self.team_ids)
        if self.officer is not None:
            queryset = policy.contracts_editable_by(self.officer, queryset)
        return queryset

    def may_change_cycle(self, cycle: CommissioningCycle) -> bool:
        if self.team_ids is not None and cycle.team_id not in self.team_ids:
            return False
        return self.officer is None or policy.cycles_editable_by(self.officer).filter(pk=cycle.pk).exists()

    def may_add_cycle_for(self, team: Team) -> bool:
        if self.team_ids is not None and team.pk not in self.team_ids:
            return False
        return self.officer is None or policy.teams_for_new_cycles(self.officer).filter(pk=team.pk).exists()

    def may_change_notice(self, notice: Notice) -> bool:
        if self.team_ids is not None:
            if notice.cycle_id is not None and notice.cycle.team_id not in self.team_ids:
                return False
            if notice.cycle_id is None and notice.contracts.exclude(team_id__in=self.team_ids).exists():
                return False
        return self.officer is None or policy.notices_editable_by(self.officer).filter(pk=notice.pk).exists()

    def may_add_buyers(self) -> bool:
        return self.officer is None or self.officer.has_perm("contracts.add_organisation")


def _money(amount: Decimal) -> str:
    return f"£{amount:,.2f}".replace(".00", "")


def _import(
    parsed: ParsedRelease, item: Item, options: ImportOptions, batch: _Batch | None = None, run: _Run | None = None
) -> Outcome:
    """Write one checked release (module docstring, steps 3 to 7). In a batch, what follows
    (duties, reminders) and the list of changes kept with the release and its notice wait for
    the end of the batch (``_Batch.follow_up``)."""
    run = run or _Run(parsed, options, batch)
    buyer = _buyer(run)
    contracts = _contracts(run)
    cycle, created = _cycle(run, buyer, contracts)
    latest = _latest_release(run, cycle)
    applied = latest is None or latest.date <= parsed.date.at
    run.release = Release(
        release_id=parsed.release_id,
        ocid=parsed.ocid,
        date=parsed.date.at,
        tags=",".join(parsed.tags)[:200],
        raw_json=jsontext.dumps(item.release),
        cycle=cycle,
        buyer=buyer,
        applied=applied,
        imported_by=run.officer,
    )
    if batch is None:
        run.release.save()
    else:
        batch.new_releases.append(run)  # written with the batch's others (``save_releases``)
    if batch is not None and applied:
        batch.latest[(parsed.ocid, cycle.pk)] = run.release
    if applied:
        lots = _lots(run, cycle, contracts)
        _cycle_values(run, cycle, created)
        if not created:
            _stage(run, cycle)
        _tender_id(run, cycle)
        lots_with_contracts = frozenset(lot.lot_id for lot in lots if lot.contract_id)
        for spec in milestone_specs(parsed, lots_with_contracts=lots_with_contracts):
            _milestone(run, cycle, spec)
        contracts = _awarded(run, cycle, buyer, contracts)
        if len(lots) == 1 and len(contracts) == 1 and lots[0].contract_id is None:
            # The contract this release added is its one lot's (as _lots matches them on the next release).
            _lot_saved(run, lots[0])
            lots[0].contract = contracts[0]
            run.record(lots[0])
            lots[0].save(update_fields=["contract"])
        allowed_ids = {contract.pk for contract in contracts}
        for lot in lots:
            # A lot matched earlier (by an administrator's import) to a contract this import may not change is left alone.
            if lot.contract_id in allowed_ids:
                _compare_with_contract(run, cycle, lot, parsed_lot=_parsed_lot(parsed, lot.lot_id))
        signed = services.contract_date_signed_from_notice(
            contracts=contracts, signed=[when.day for when in parsed.signed], officer=run.officer
        )
        run.changes += signed
    else:
        run.changes.append(
            f"Older than release {latest.release_id}, already imported: kept for the record, changed nothing"
        )
    new_notices, newly_linked = _notices(run, cycle, contracts)
    # The duties follow the notices, the contracts' dates and the cycle's start and regime:
    # worked out again only when a release brought something they depend on.
    new_types = {notice.notice_type for notice in new_notices}
    for contract in contracts:
        if new_types & services.CONTRACT_DUTY_TYPES or contract.pk in newly_linked or (applied and signed):
            if batch is None:
                run.changes += contract_changed(contract=contract, officer=run.officer, today=run.today)
            else:
                batch.contracts_changed.pop(contract.pk, None)  # the last release to touch it reports it
                batch.contracts_changed[contract.pk] = run
    if batch is not None and cycle.pk in batch.cycles_changed:
        batch.cycles_changed.pop(cycle.pk)
        batch.cycles_changed[cycle.pk] = run
    elif (
        created
        or run.cycle_changed
        or new_types & services.CYCLE_DUTY_TYPES
        or (new_notices and not _has_duties(run, cycle))
    ):
        if batch is None:
            run.changes += cycle_changed(cycle=cycle, officer=run.officer, today=run.today)
        else:
            batch.cycles_changed[cycle.pk] = run
    if batch is None:
        _attach_changes(run, new_notices)
        run.release.changes = run.changes
        run.release.save(update_fields=["changes"])
    else:
        batch.finishing.append((run, new_notices))
    return Outcome(
        Outcome.IMPORTED,
        item.location,
        release_id=parsed.release_id,
        ocid=parsed.ocid,
        cycle_id=cycle.pk,
        cycle_name=cycle.name,
        changes=run.changes,
        applied=applied,
        disagreements=_still_open(run.disagreements),
    )


def _still_open(disagreements: list[dict]) -> list[dict]:
    """The disagreements a release raised that its own changes did not settle."""
    if not disagreements:
        return []
    open_ids = set(
        Conflict.objects.filter(pk__in=[d["id"] for d in disagreements], status=Conflict.Status.OPEN).values_list(
            "pk", flat=True
        )
    )
    return [d for d in disagreements if d["id"] in open_ids]


def _has_duties(run: _Run, cycle: CommissioningCycle) -> bool:
    if run.batch is None:
        return cycle.duties.exists()
    if cycle.pk not in run.batch.has_duties:
        run.batch.has_duties[cycle.pk] = cycle.duties.exists()
    return run.batch.has_duties[cycle.pk]


def _latest_release(run: _Run, cycle: CommissioningCycle) -> Release | None:
    """The latest release of the same procurement applied to this cycle: another team's cycle is never consulted."""
    key = (run.parsed.ocid, cycle.pk)
    if run.batch is not None and key in run.batch.latest:
        return run.batch.latest[key]
    latest = Release.objects.filter(ocid=run.parsed.ocid, cycle=cycle, applied=True).order_by("-date").first()
    if run.batch is not None:
        run.batch.latest[key] = latest
    return latest


# Schemes held in the organisation's own fields; any other scheme is an OrganisationIdentifier.
OWN_FIELDS = {
    "GB-PPON": "ppon_id",
    "GB-COH": "company_number",
    "GB-CHC": "charity_number",
    "GB-SC": "charity_number",
    "GB-NIC": "charity_number",
}


def organisation_by_identifiers(identifiers) -> Organisation | None:
    """The organisation that has any of ``identifiers`` ((scheme, id) pairs), trying them in order."""
    for scheme, identifier in identifiers:
        name = OWN_FIELDS.get(scheme)
        if name is not None:
            found = Organisation.objects.filter(**{name: identifier[:40]}).order_by("pk").first()
        else:
            found = Organisation.objects.filter(
                identifiers__scheme=scheme[:40], identifiers__identifier=identifier[:255]
            ).first()
        if found is not None:
            return found
    return None


def organisation_add(*, name: str, role: str, identifiers, run: _Run) -> Organisation:
    """A new organisation holding every identifier an imported party gives (first of each scheme)."""
    own = {}
    for scheme, identifier in identifiers:
        field_name = OWN_FIELDS.get(scheme)
        if field_name is not None and field_name not in own:
            own[field_name] = identifier[:40] if field_name == "ppon_id" else identifier[:20]
    organisation = contract_services.organisation_save(
        organisation=Organisation(name=name[:255], role=role, **own), officer=run.officer, reason=run.reason
    )
    for scheme, identifier in identifiers:
        if scheme not in OWN_FIELDS:
            OrganisationIdentifier.objects.get_or_create(
                scheme=scheme[:40], identifier=identifier[:255], defaults={"organisation": organisation}
            )
    return organisation


def _buyer(run: _Run) -> Organisation | None:
    """The buyer, matched by any identifier it has in any scheme (PPON, Companies House, a charity
    register, Contracts Finder's GB-CFS...); added if the import may add buyers."""
    buyer = run.parsed.buyer
    if buyer is None:
        return None
    known = run.batch.organisations if run.batch is not None else {}
    key = tuple(buyer.identifiers)
    organisation = known.get(key) or organisation_by_identifiers(buyer.identifiers)
    if organisation is not None:
        known[key] = organisation
        return organisation
    if not buyer.identifiers:
        raise Refused(
            Problem(
                "$.buyer.id",
                f"'{buyer.party_id}' has no identifier in $.parties (identifier or additionalIdentifiers), "
                "so the tracker cannot tell which organisation it is",
            )
        )
    if not run.options.create_buyers or not run.scope.may_add_buyers():
        raise Refused(
            Problem(
                "$.buyer",
                f"no organisation in the tracker has {'the identifier' if len(buyer.identifiers) == 1 else 'any of the identifiers'} "
                f"{buyer.shown} ({buyer.name or 'no name given'}): "
                "add it on the Organisations page, or import again allowing new buyers to be added",
            )
        )
    organisation = organisation_add(
        name=buyer.name or buyer.party_id or buyer.shown,
        role=Organisation.Role.BUYER,
        identifiers=buyer.identifiers,
        run=run,
    )
    known[key] = organisation
    run.changes.append(f"Added the buyer {organisation.name} ({buyer.shown})")
    return organisation


def _contracts(run: _Run) -> list[Contract]:
    """The contracts with the release's OCID, all of which the import must be allowed to change."""
    ocid = run.parsed.ocid
    if run.batch is not None:
        # Read for the whole batch (``_Batch.preload``), with those the batch added.
        found = run.batch.contracts.get(ocid, [])
        allowed = [c for c in found if c.pk in run.batch.contracts_allowed]
        refused = len(allowed) != len(found)
    elif run.officer is None:
        # Without an officer the scope is the teams alone: one query, filtered here.
        found = list(Contract.objects.filter(ocid=ocid).order_by("reference"))
        allowed = [c for c in found if run.scope.team_ids is None or c.team_id in run.scope.team_ids]
        refused = len(allowed) != len(found)
    else:
        every = Contract.objects.filter(ocid=ocid)
        allowed = list(run.scope.contracts(every).order_by("reference"))
        refused = len(allowed) != every.count()
    if refused:
        raise Refused(
            Problem(
                "$.ocid",
                f"the OCID {ocid} is on a contract you cannot change (another team's): nothing was imported. "
                "Someone who can change that contract, or an administrator, can import it",
            )
        )
    return allowed


def _cycle(run: _Run, buyer: Organisation | None, contracts: list[Contract]) -> tuple[CommissioningCycle, bool]:
    parsed = run.parsed
    if run.batch is not None and parsed.ocid in run.batch.cycles:
        # Locked, and its team checked, by an earlier release of the batch; or added for this
        # release with the batch's others (``_Batch.add_cycles``).
        cycle = run.batch.cycles[parsed.ocid]
        created = run.batch.cycle_added_by.get(parsed.ocid) is run
        if created:
            run.changes.append(_cycle_added_words(cycle))
        return cycle, created
    if run.batch is not None:
        cycles = run.batch.cycles_found.get(parsed.ocid, [])  # read and locked for the batch (``preload``)
    else:
        cycles = list(CommissioningCycle.objects.select_for_update().filter(ocid=parsed.ocid))
    if len(cycles) > 1:
        # Only the names of cycles this import may change: another team's cycle is not named.
        names = [f"'{cycle.name}'" for cycle in cycles if run.scope.may_change_cycle(cycle)]
        if len(names) < len(cycles):
            names.append(f"{len(cycles) - len(names)} of another team")
        raise Refused(
            Problem(
                "$.ocid",
                f"{len(cycles)} commissioning cycles have the OCID {parsed.ocid} ({', '.join(names)}): give it to one only",
            )
        )
    if cycles:
        cycle = cycles[0]
        if not run.scope.may_change_cycle(cycle):
            raise Refused(Problem("$.ocid", f"the cycle with the OCID {parsed.ocid} belongs to a team you are not in"))
        if run.batch is not None:
            run.batch.cycles[parsed.ocid] = cycle
        return cycle, False
    cycle = _cycle_new(run, contracts)
    # Followed up (duties, reminders) once, when the release has been read (_import).
    commissioning_services.cycle_save(cycle=cycle, officer=run.officer, reason=cycle._change_reason, follow_up=False)
    run.changes.append(_cycle_added_words(cycle))
    return cycle, True


def _cycle_added_words(cycle: CommissioningCycle) -> str:
    """What a release that added ``cycle`` says it changed, whether it was added alone or with its batch's."""
    return f"Added the commissioning cycle '{cycle.name}' for the team {cycle.team.name}"


def _cycle_new(run: _Run, contracts: list[Contract]) -> CommissioningCycle:
    """The cycle a procurement's release adds when no cycle has its OCID (not saved yet), for the
    team given or that of the contracts with the OCID; refused without one, or outside the scope."""
    parsed = run.parsed
    team = run.options.team
    if team is None:
        teams = {contract.team_id for contract in contracts}
        if len(teams) == 1:
            team = Team.objects.get(pk=teams.pop())
    if team is None:
        raise Refused(
            Problem(
                "$.ocid",
                f"no commissioning cycle has the OCID {parsed.ocid}: set the OCID on its cycle, or choose a team "
                "so that the import can add the cycle",
            )
        )
    if not run.scope.may_add_cycle_for(team):
        raise Refused(Problem("$.ocid", f"you cannot add a cycle for the team {team.name}"))
    latest_notice = max(parsed.notices, key=lambda notice: notice.published.at, default=None)
    contract = contracts[0] if contracts else None
    lot_starts = [lot.start.day for lot in parsed.lots if lot.start]
    cycle = CommissioningCycle(
        name=(parsed.title or parsed.ocid)[:255],
        description=parsed.description,
        service_category=contract.service_category if contract else ServiceCategory.OTHER,
        team=team,
        lead_officer=run.officer,
        ocid=parsed.ocid,
        stage=_first_stage(parsed, latest_notice),
        stage_changed_on=latest_notice.published.london.date() if latest_notice else parsed.date.london.date(),
        is_light_touch=bool(parsed.light_touch),
        target_start_date=min(lot_starts, default=None),
        estimated_value=parsed.value if parsed.currency in ("", "GBP") else None,
        estimated_value_includes_vat=parsed.value_includes_vat if parsed.currency in ("", "GBP") else None,
    )
    history.record(cycle, officer=run.officer, reason=f"Created from release {parsed.release_id}")
    return cycle


def _first_stage(parsed: ParsedRelease, latest_notice) -> str:
    """A new cycle's stage: the latest notice's, unless the release's tag and tender.status say
    otherwise (a tracker's own export says its stage that way); then the earliest stage they allow."""
    from .exporter import (  # the export's mapping, read backwards
        RELEASE_TAG,
        TENDER_STATUS,
    )

    stage = (
        STAGE_FOR_NOTICE.get(latest_notice.notice_type, Stage.NEEDS_ASSESSMENT)
        if latest_notice
        else Stage.NEEDS_ASSESSMENT
    )
    consistent = [
        s
        for s in Stage
        if (not parsed.tags or RELEASE_TAG[s] in parsed.tags)
        and (not parsed.tender_status or TENDER_STATUS[s] == parsed.tender_status)
    ]
    if not consistent or stage in consistent or (not parsed.tags and not parsed.tender_status):
        return stage
    return consistent[0]


# --- values the notices set ---------------------------------------------------------------


def _imported(run: _Run, cycle: CommissioningCycle, key: str) -> ImportedValue | None:
    if run.imported is None and run.batch is not None:
        run.imported = run.batch.imported.get(cycle.pk)
    if run.imported is None:
        run.imported = {iv.key: iv for iv in ImportedValue.objects.select_related("milestone").filter(cycle=cycle)}
        if run.batch is not None:
            run.batch.imported[cycle.pk] = run.imported
    return run.imported.get(key)


def _remember(
    run: _Run, cycle, key: str, value, *, imported: ImportedValue | None, milestone: Milestone | None = None
) -> ImportedValue:
    if imported is None:
        imported = ImportedValue(cycle=cycle, key=key, value=value, release=run.release, milestone=milestone)
        if run.batch is None:
            imported.save()
        else:
            run.batch.new_imported.append(imported)  # written at the end of the batch (``save_imported``)
        if run.imported is not None:
            run.imported[key] = imported
        return imported
    imported.value, imported.release = value, run.release
    fields = ["value", "release"]
    if milestone is not None and imported.milestone_id != milestone.pk:
        imported.milestone = milestone
        fields.append("milestone")
    if run.batch is None:
        imported.save(update_fields=fields)
    elif imported.pk is not None:
        run.batch.changed_imported[imported.pk] = imported
    return imported


def _conflict(run: _Run, cycle, *, subject: str, path: str, ours: str, theirs: str, theirs_value, **about) -> Conflict:
    if run.batch is not None:
        run.batch.save_imported()  # the disagreement refers to its release and imported value
    # A new disagreement about the same value replaces the one still waiting for an answer.
    if about.get("imported_value") is not None:
        Conflict.objects.filter(imported_value=about["imported_value"], status=Conflict.Status.OPEN).update(
            status=Conflict.Status.SUPERSEDED
        )
    conflict = Conflict(
        cycle=cycle,
        release=run.release,
        subject=subject[:300],
        path=path[:300],
        ours=ours[:300],
        theirs=theirs[:500],
        theirs_value=theirs_value,
        **about,
    )
    run.record(conflict)
    conflict.save()
    run.disagreements.append({"id": conflict.pk, "subject": conflict.subject})
    return conflict


CYCLE_FIELDS = {
    "estimated_value": "Estimated value",
    "is_light_touch": "Light-touch regime",
    "target_start_date": "Target start of the new contracts",
}


def _words(field_name: str, value) -> str:
    if value is None:
        return "not set"
    if field_name == "estimated_value":
        return _money(Decimal(value))
    if field_name == "is_light_touch":
        return "yes" if value else "no"
    if field_name == "target_start_date":
        return long_date(date.fromisoformat(value) if isinstance(value, str) else value)
    return str(value)


def _json_value(value):
    """A value as ImportedValue keeps it: amounts as plain decimal strings, dates as ISO dates."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, Decimal)):
        return format(Decimal(value).normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cycle_vat(run: _Run, cycle: CommissioningCycle) -> None:
    """The estimated value follows the notice: so does whether it includes VAT, where the notice
    says (``parser.money_value``); a notice that does not say leaves the officer's answer."""
    said = run.parsed.value_includes_vat
    if said is None or cycle.estimated_value_includes_vat == said:
        return
    cycle.estimated_value_includes_vat = said
    run.cycle_changed = True
    run.changes.append("Estimated value: " + ("including VAT" if said else "excluding VAT") + ", as the notice says")


def _cycle_values(run: _Run, cycle: CommissioningCycle, created: bool) -> None:
    parsed = run.parsed
    said = {}
    if parsed.value is not None and parsed.currency in ("", "GBP"):
        said["estimated_value"] = (parsed.value, parsed.value_path)
    if parsed.light_touch is not None:
        said["is_light_touch"] = (parsed.light_touch, "$.tender.specialRegime")
    starts = [(lot.start.day, f"{lot.path}.contractPeriod.startDate") for lot in parsed.lots if lot.start]
    if starts:
        said["target_start_date"] = min(starts)
    for field_name, (new, path) in said.items():
        key = f"cycle:{field_name}"
        label = CYCLE_FIELDS[field_name]
        new_value = _json_value(new)
        current_value = _json_value(getattr(cycle, field_name))
        imported = _imported(run, cycle, key)
        if imported is not None and imported.value == new_value:
            continue  # the notices say what they said before
        if current_value == new_value or created:
            _remember(run, cycle, key, new_value, imported=imported)
            if field_name == "estimated_value" and not created:
                _cycle_vat(run, cycle)
            continue
        officer_changed = (imported is None and current_value is not None) or (
            imported is not None and imported.value != current_value
        )
        if officer_changed:
            imported = _remember(run, cycle, key, new_value, imported=imported)
            _conflict(
                run,
                cycle,
                subject=f"{cycle.name}: {label.lower()}",
                path=path,
                ours=_words(field_name, current_value),
                theirs=_words(field_name, new_value),
                theirs_value={"target": "cycle", "field": field_name, "value": new_value}
                | ({"includes_vat": parsed.value_includes_vat} if field_name == "estimated_value" else {}),
                imported_value=imported,
            )
            run.changes.append(
                f"{label}: kept {_words(field_name, current_value)}, entered in the tracker; the notice says "
                f"{_words(field_name, new_value)} (the officer chooses)"
            )
            continue
        setattr(cycle, field_name, new)
        run.cycle_changed = True
        _remember(run, cycle, key, new_value, imported=imported)
        run.changes.append(f"{label}: {_words(field_name, current_value)} → {_words(field_name, new_value)}")
        if field_name == "estimated_value":
            _cycle_vat(run, cycle)
    if run.cycle_changed:
        # One save (one history row) for every value the release changed; followed up in _import.
        commissioning_services.cycle_save(cycle=cycle, officer=run.officer, reason=run.reason, follow_up=False)


# --- awards and contracts (UK6, UK7, UK10, UK11) ------------------------------------------


def _provider(run: _Run, award) -> Organisation | None:
    for supplier in award.suppliers:
        organisation = organisation_by_identifiers(supplier.identifiers)
        if organisation is not None:
            return organisation
    supplier = next((s for s in award.suppliers if s.identifiers), None)
    if supplier is None:
        return None
    if not run.options.create_buyers or not run.scope.may_add_buyers():
        run.changes.append(
            f"The supplier {supplier.name or supplier.party_id} ({', '.join(f'{a} {b}' for a, b in supplier.identifiers)}) is "
            "not in the tracker: add it on the Organisations page, or import again allowing new organisations"
        )
        return None
    organisation = organisation_add(
        name=supplier.name or supplier.party_id,
        role=Organisation.Role.PROVIDER,
        identifiers=supplier.identifiers,
        run=run,
    )
    run.changes.append(f"Added the supplier {organisation.name}")
    return organisation


def _free_reference(wanted: str) -> str:
    reference = wanted[:50] or "OCDS"
    number = 1
    while Contract.objects.filter(reference=reference).exists():
        number += 1
        reference = f"{wanted[:44]}-{number}"
    return reference


def _awarded(
    run: _Run, cycle: CommissioningCycle, buyer: Organisation | None, contracts: list[Contract]
) -> list[Contract]:
    """What awards and contracts (UK6, UK7) say, in the tracker's contracts; returns every contract with the OCID.

    1. Each award is one contract, found by the award id it was imported from (``ImportedValue``
       "award:<id>"), or, for a procurement with one award and one contract of the OCID, that contract.
    2. None found: a contract is added with the supplier, value, period and signature date.
    3. Found: a value the import set and no officer changed since follows the notice; a value an
       officer entered stays, and a ``Conflict`` offers the notice's (a UK10 change is always
       offered, never applied: the officer decides whether the change is made).
    4. A contract whose status is terminated (a UK11 notice) is marked ended on its end date.
    """
    contracts = list(contracts)
    for award in run.parsed.awards:
        if award.status in ("cancelled", "unsuccessful", "pending") and not award.contract_id:
            continue
        key = f"award:{award.award_id}"
        imported = _imported(run, cycle, key)
        contract = None
        if imported is not None:
            contract = next((c for c in contracts if c.pk == (imported.value or {}).get("contract")), None)
            if contract is None:
                continue  # deleted in the tracker, or no longer this procurement's: not added again
        elif len(contracts) == 1 and len(run.parsed.awards) == 1:
            contract = contracts[0]
        said = _said(award)
        if contract is None:
            contract = _contract_add(run, cycle, buyer, award, said)
            if contract is None:
                continue
            contracts.append(contract)
            if run.batch is not None:  # the batch's later releases of this OCID find it, as a query would
                known = run.batch.contracts.setdefault(run.parsed.ocid, [])
                known.append(contract)
                known.sort(key=lambda c: c.reference)
                run.batch.contracts_allowed.add(contract.pk)
        else:
            _contract_update(run, cycle, contract, award, said, imported)
        _remember(
            run,
            cycle,
            key,
            {"contract": contract.pk, "contract_id": award.contract_id, **said},
            imported=_imported(run, cycle, key),
        )
        if award.status == "terminated" and contract.terminated_on is None:
            ended = award.end.day if award.end else run.parsed.date.london.date()
            contract.terminated_on = max(ended, contract.start_date)
            contract_services.contract_save(contract=contract, officer=run.officer, reason=run.reason)
            run.changes.append(
                f"{contract.reference} marked ended on {long_date(contract.terminated_on)}, as the notice reports"
            )
    return contracts


def _said(award) -> dict:
    """What an award says about its contract, as ImportedValue keeps it (JSON)."""
    return {
        "total_value": _json_value(award.value) if award.currency in ("", "GBP") else None,
        "start_date": award.start.day.isoformat() if award.start else None,
        "end_date": award.end.day.isoformat() if award.end else None,
        "max_extent_date": award.max_extent.day.isoformat() if award.max_extent else None,
        "date_signed": award.date_signed.day.isoformat() if award.date_signed else None,
    }


def _contract_add(run: _Run, cycle, buyer, award, said: dict) -> Contract | None:
    if buyer is None or award.start is None or award.end is None:
        run.changes.append(
            f"Award {award.award_id}: no contract added, as the release gives no "
            + ("buyer" if buyer is None else "contract period (start and end)")
        )
        return None
    start, end = award.start.day, award.end.day
    months = max(1, whole_months_between(start, end + timedelta(days=1)))
    contract = Contract(
        reference=_free_reference(award.contract_id or award.award_id),
        title=(award.title or cycle.name)[:255],
        service_category=cycle.service_category,
        buyer=buyer,
        provider=_provider(run, award),
        team=cycle.team,
        lead_officer=cycle.lead_officer,
        start_date=start,
        initial_term_months=months,
        max_extent_date=award.max_extent.day if award.max_extent and award.max_extent.day >= end else None,
        total_value=award.value if award.currency in ("", "GBP") else None,
        value_includes_vat=award.value_includes_vat if award.currency in ("", "GBP") else None,
        is_light_touch=cycle.is_light_touch,
        ocid=run.parsed.ocid,
    )
    if award.date_signed and award.date_signed.day <= term_end(start, months):
        contract.date_signed = award.date_signed.day  # the model refuses a signature after the initial term
    contract.refresh_end_dates()
    contract_services.contract_save(contract=contract, officer=run.officer, reason=run.reason)
    run.changes.append(
        f"Added the contract {contract.reference}"
        + (f" with {contract.provider.name}" if contract.provider_id else "")
        + f", {long_date(start)} to {long_date(contract.initial_end_date)}"
        + (f", {_money(contract.total_value)}" if contract.total_value is not None else "")
    )
    if term_end(start, months) != end:
        run.changes.append(
            f"{contract.reference}: the notice's contract period ends {long_date(end)}, which is not a whole number of months "
            f"from {long_date(start)}; the tracker counts {months} months, to {long_date(contract.initial_end_date)}"
        )
    return contract


# The contract field a notice's contractPeriod date sets when the officer chooses it ("end_date"
# is the end of the initial term: the term in months is worked out from it, contracts/terms.py).
CONTRACT_DATE_FIELDS = {"startDate": "start_date", "endDate": "end_date", "maxExtentDate": "max_extent_date"}

CONTRACT_LABELS = {
    "total_value": "total value",
    "max_extent_date": "maximum extent date",
    "end_date": "end of the initial term",
}


def _contract_value(contract: Contract, name: str):
    value = contract.initial_end_date if name == "end_date" else getattr(contract, name)
    return _json_value(value)


def _contract_update(run: _Run, cycle, contract: Contract, award, said: dict, imported: ImportedValue | None) -> None:
    """A value the import gave and nobody changed follows the notice; otherwise the officer chooses."""
    before = (imported.value or {}) if imported is not None else {}
    changed, fields = [], []
    is_change = bool(award.amendments) or any(n.notice_type == "UK10" for n in run.parsed.notices)
    for name in ("total_value", "max_extent_date", "end_date"):
        new = said.get(name)
        ours = _contract_value(contract, name)
        if new is None or new == ours:
            continue
        label = CONTRACT_LABELS[name]
        if before.get(name) == ours and name != "end_date" and not is_change:
            setattr(contract, name, Decimal(new) if name == "total_value" else date.fromisoformat(new))
            if name == "total_value" and award.value_includes_vat is not None:
                contract.value_includes_vat = award.value_includes_vat
            fields.append(name)
            changed.append(f"{label} {_words_for(name, ours)} → {_words_for(name, new)}")
            continue
        subject = f"{contract.reference}: {label}"
        theirs = _words_for(name, new)
        if Conflict.objects.filter(
            contract=contract, subject=subject, theirs=theirs, status=Conflict.Status.OPEN
        ).exists():
            continue
        _conflict(
            run,
            cycle,
            subject=subject,
            path=award.path,
            ours=_words_for(name, ours),
            theirs=theirs,
            theirs_value={"target": "contract", "field": name, "value": new}
            | ({"includes_vat": award.value_includes_vat} if name == "total_value" else {}),
            contract=contract,
        )
        run.changes.append(
            f"{contract.reference}'s {label} is {_words_for(name, ours)}; the notice says {_words_for(name, new)}"
            + (" (a contract change: the officer decides)" if is_change else " (the officer chooses)")
        )
    if contract.provider_id is None and award.suppliers:
        provider = _provider(run, award)
        if provider is not None:
            contract.provider = provider
            fields.append("provider")
            changed.append(f"supplier {provider.name}")
    if fields:
        contract_services.contract_save(contract=contract, officer=run.officer, reason=run.reason)
        run.changes.append(f"{contract.reference}: " + "; ".join(changed))


def _words_for(name: str, value) -> str:
    if value is None:
        return "not set"
    if name == "total_value":
        return _money(Decimal(value))
    return long_date(date.fromisoformat(value) if isinstance(value, str) else value)


# tender.status (OCDS tenderStatus codelist) as the stage the procurement has at least reached.
# "planning" and "planned" cover every stage before the tender, so they propose no move.
STAGE_FOR_TENDER_STATUS = {
    "active": Stage.PROCUREMENT,
    "complete": Stage.AWARD,
}


def _tender_id(run: _Run, cycle: CommissioningCycle) -> None:
    """The tender id the notices publish, kept so that the export writes it back (not a placeholder)."""
    tender_id = run.parsed.tender_id
    if tender_id:
        imported = _imported(run, cycle, "tender:id")
        if imported is None or imported.value != tender_id:
            _remember(run, cycle, "tender:id", tender_id, imported=imported)


def _stage(run: _Run, cycle: CommissioningCycle) -> None:
    """A notice whose tender.status says the procurement is further on than the cycle's stage
    proposes the move; the stage changes when an officer agrees (a Conflict, as for any value).
    Asked once per status: the same status in the next release asks nothing again."""
    status = run.parsed.tender_status
    stage = STAGE_FOR_TENDER_STATUS.get(status)
    if stage is None or STAGE_ORDER[stage] <= STAGE_ORDER[Stage(cycle.stage)]:
        return
    key = "cycle:stage"
    imported = _imported(run, cycle, key)
    if imported is not None and imported.value == stage:
        return
    imported = _remember(run, cycle, key, stage, imported=imported)
    _conflict(
        run,
        cycle,
        subject=f"{cycle.name}: stage",
        path="$.tender.status",
        ours=Stage(cycle.stage).label,
        theirs=f"{Stage(stage).label}: the notice says the tender is {status}",
        theirs_value={"target": "cycle", "field": "stage", "value": stage},
        imported_value=imported,
    )
    run.changes.append(
        f"The notice says the tender is {status}: the stage could move from {Stage(cycle.stage).label.lower()} to "
        f"{Stage(stage).label.lower()} (the officer chooses)"
    )


# --- lots ---------------------------------------------------------------------------------


def _parsed_lot(parsed: ParsedRelease, lot_id: str) -> ParsedLot | None:
    return next((lot for lot in parsed.lots if lot.lot_id == lot_id), None)


LOT_FIELDS = {
    "title": "title",
    "status": "status",
    "start_date": "start date",
    "end_date": "end date",
    "max_extent_date": "maximum extent date",
    "has_renewal": "renewal",
    "renewal_description": "renewal description",
    "minimum_renewals": "minimum renewals",
    "maximum_renewals": "maximum renewals",
    "renewals_unlimited": "no maximum on renewals",
    "value": "value",
    "suitable_for_sme": "suitable for SMEs",
    "suitable_for_vcse": "suitable for VCSEs",
}


def _lot_values(lot: ParsedLot) -> dict:
    """The lot's fields that this release states (a field a release leaves out is not cleared)."""
    values = {
        "title": lot.title,
        "status": lot.status,
        "start_date": lot.start.day if lot.start else None,
        "end_date": lot.end.day if lot.end else None,
        "max_extent_date": lot.max_extent.day if lot.max_extent else None,
        "has_renewal": lot.has_renewal,
        "value": lot.value,
        "suitable_for_sme": lot.sme,
        "suitable_for_vcse": lot.vcse,
    }
    if lot.renewal is not None:
        values.update(
            renewal_description=lot.renewal.description,
            minimum_renewals=lot.renewal.minimum,
            maximum_renewals=lot.renewal.maximum,
            renewals_unlimited=lot.renewal.unlimited,
        )
    return {name: value for name, value in values.items() if value is not None}


def _shown(value) -> str:
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return _money(value)
    return str(value) if value not in ("", None) else "(empty)"


def _lots(run: _Run, cycle: CommissioningCycle, contracts: list[Contract]) -> list[Lot]:
    lots = []
    for parsed_lot in run.parsed.lots:
        cached = run.batch.lots if run.batch is not None else {}
        key = (cycle.pk, parsed_lot.lot_id)
        lot = cached.get(key)
        known_absent = (
            lot is None
            and run.batch is not None
            and cycle.pk in run.batch.lots_preloaded
            and key not in run.batch.lots_matched
        )
        if (lot is None or lot.contract_id is not None) and not known_absent:
            lot = Lot.objects.filter(cycle=cycle, lot_id=parsed_lot.lot_id).first()
        new = lot is None
        if new:
            lot = Lot(cycle=cycle, lot_id=parsed_lot.lot_id[:100])
        changed, values = [], {}
        # A matched lot is written out with its contract's dates: the same dates coming back (the
        # tracker's own export) are the contract's, not something a notice said about the lot.
        contract_dates = (
            {
                "start_date": lot.contract.start_date,
                "end_date": lot.contract.initial_end_date,
                "max_extent_date": lot.contract.max_extent_date,
            }
            if lot.contract_id
            else {}
        )
        for name, value in _lot_values(parsed_lot).items():
            if name in contract_dates and contract_dates[name] == value:
                continue
            if name == "title":
                value = value[:500]
            if getattr(lot, name) != value:
                if not new:
                    changed.append(f"{LOT_FIELDS[name]} {_shown(getattr(lot, name))} → {_shown(value)}")
                values[name] = value
        # One lot and one contract with the OCID: they are the same thing.
        match = len(run.parsed.lots) == 1 and len(contracts) == 1 and lot.contract_id != contracts[0].pk
        if match:
            changed.append(f"matched to contract {contracts[0].reference}")
        if changed and not new:
            _lot_saved(run, lot)  # a lot the batch added is written as it was added, then changed
        for name, value in values.items():
            setattr(lot, name, value)
        if match:
            lot.contract = contracts[0]
        if new or changed:
            lot.last_release = run.release
            run.record(lot)
            if new and run.batch is not None:
                run.batch.new_lots.append(lot)  # written with the batch's others (``_Batch.save_lots``)
            else:
                if run.batch is not None:
                    run.batch.save_releases()  # the lot refers to its release
                lot.save()
            if new:
                run.changes.append(
                    f"Added lot {lot.lot_id}" + (f", contract {lot.contract.reference}" if lot.contract_id else "")
                )
            else:
                run.changes.append(f"Lot {lot.lot_id}: " + "; ".join(changed))
        if lot.contract_id is None:
            cached[key] = lot
        else:
            cached.pop(key, None)
            if run.batch is not None:
                run.batch.lots_matched.add(key)
        lots.append(lot)
    return lots


def _lot_saved(run: _Run, lot: Lot) -> Lot:
    """``lot``, written first if the batch added it and has not written it yet (``_Batch.save_lots``)."""
    if lot.pk is None and run.batch is not None:
        run.batch.save_lots()
    return lot


def _compare_with_contract(run: _Run, cycle, lot: Lot, *, parsed_lot: ParsedLot | None) -> None:
    """Contracts are the officers' records: a lot that disagrees is shown, never copied in."""
    if parsed_lot is None:
        return
    contract = lot.contract
    pairs = [
        ("start date", contract.start_date, parsed_lot.start, "startDate"),
        ("end of the initial term", contract.initial_end_date, parsed_lot.end, "endDate"),
        ("maximum extent date", contract.max_extent_date, parsed_lot.max_extent, "maxExtentDate"),
    ]
    for label, ours, theirs, field_name in pairs:
        subject = f"{contract.reference}: {label}"
        if theirs is not None and ours == theirs.day:
            # The notices now agree with the tracker: an earlier disagreement is over.
            if run.batch is not None:
                run.batch.save_releases()  # the release is named in the query
            services.conflicts_close_superseded(
                contract=contract, subject=subject, officer=run.officer, unless_from=run.release
            )
        if theirs is None or ours == theirs.day:
            continue
        theirs_words = long_date(theirs.day)
        if Conflict.objects.filter(
            contract=contract, subject=subject, theirs=theirs_words, status=Conflict.Status.OPEN
        ).exists():
            continue
        _conflict(
            run,
            cycle,
            subject=subject,
            path=f"{parsed_lot.path}.contractPeriod.{field_name} is {theirs.written}",
            ours=long_date(ours) if ours else "not set",
            theirs=theirs_words,
            theirs_value={
                "target": "contract",
                "field": CONTRACT_DATE_FIELDS[field_name],
                "value": theirs.day.isoformat(),
            },
            contract=contract,
        )
        run.changes.append(
            f"{contract.reference}'s {label} is {long_date(ours) if ours else 'not set'}; the notice says "
            f"{long_date(theirs.day)} (the officer chooses)"
        )


# --- milestones ---------------------------------------------------------------------------


def _value_of(milestone: Milestone) -> dict:
    return {
        "due_on": milestone.due_on.isoformat(),
        "due_at": milestone.due_at.isoformat() if milestone.due_at else None,
    }


def _spec_value(spec: MilestoneSpec) -> dict:
    return {"due_on": spec.due_on.isoformat(), "due_at": spec.due_at.isoformat() if spec.due_at else None}


def _same(a: dict, b: dict) -> bool:
    """Two milestone values name the same moment (offsets may be written differently)."""
    if a["due_on"] != b["due_on"]:
        return False
    if bool(a.get("due_at")) != bool(b.get("due_at")):
        return False
    if a.get("due_at"):
        return datetime.fromisoformat(a["due_at"]) == datetime.fromisoformat(b["due_at"])
    return True


def _when(value: dict, spec: MilestoneSpec | None = None) -> str:
    words = services._when_words(value)
    if spec is not None and not value.get("due_at") and "T23:59:59" in spec.due.written:
        words += "; the notice gives 11:59pm that day"
    return words


def _saved(run: _Run, milestone: Milestone) -> Milestone:
    """``milestone``, written first if the batch added it and has not written it yet
    (``_Batch.save_milestones``): for a change to it, or a record that refers to it."""
    if milestone.pk is None and run.batch is not None:
        run.batch.save_milestones()
    return milestone


def _adoptable(run: _Run, cycle: CommissioningCycle, spec: MilestoneSpec) -> Milestone | None:
    """A milestone already on the cycle for the same day and kind, entered another way (the demo's, an officer's)."""
    if run.batch is not None:
        if cycle.pk in run.batch.cycles_added:
            return None  # a cycle this batch added has only the milestones the import gave it
        run.batch.save_imported()  # so that the import's own milestones are not taken for others
    return (
        Milestone.objects.filter(
            cycle=cycle,
            kind__in=spec.same_as_kinds,
            due_on=spec.due_on,
            imported_value__isnull=True,
            duty__isnull=True,
        )
        .order_by("pk")
        .first()
    )


def _text_conflict(run: _Run, cycle, milestone: Milestone, spec: MilestoneSpec, imported: ImportedValue) -> None:
    alternative = spec.text_alternative
    if alternative is None:
        return
    text_value = {
        "due_on": alternative.due_at.date().isoformat(),
        "due_at": alternative.due_at.isoformat(),
        "ends_at": alternative.ends_at.isoformat() if alternative.ends_at else None,
    }
    if _same(_value_of(milestone), text_value) and ((milestone.ends_at is None) == (alternative.ends_at is None)):
        return
    _saved(run, milestone)
    text_words = services._when_words(text_value)
    current_words = services._when_words(
        {**_value_of(milestone), "ends_at": milestone.ends_at.isoformat() if milestone.ends_at else None}
    )
    _conflict(
        run,
        cycle,
        subject=f"{milestone.title}: when it is due",
        path=f"{spec.path} is {spec.due.written}, and its description",
        ours=f"{current_words}, from the notice's date",
        theirs=f"{text_words}: the notice's own text says '{alternative.quote}'",
        theirs_value={"target": "milestone", **text_value},
        milestone=milestone,
        imported_value=imported,
    )
    services._append_conflict_note(
        milestone,
        f"The notice's text says '{alternative.quote}' ({text_words}), but its date field says "
        f"{current_words}{' (11:59pm that day)' if 'T23:59:59' in spec.due.written else ''}. "
        "The milestone follows the date field until an officer chooses.",
        officer=run.officer,
        reason=run.reason,
    )
    run.changes.append(
        f"'{milestone.title}': the notice's text says '{alternative.quote}' but its date says {current_words} (the officer chooses)"
    )


MILESTONE_KINDS = frozenset(Milestone.Kind.values)  # built once: ``Kind.values`` makes a new list each time


def _milestone(run: _Run, cycle: CommissioningCycle, spec: MilestoneSpec) -> None:
    if spec.code in MILESTONE_KINDS and spec.code != spec.kind:
        # A release this tracker exported names the milestone's kind in its code.
        spec = replace(spec, kind=spec.code, same_as_kinds=(*spec.same_as_kinds, spec.code))
    key = f"milestone:{spec.key}"
    new = _spec_value(spec)
    imported = _imported(run, cycle, key)
    if imported is None:
        milestone = _adoptable(run, cycle, spec)
        if milestone is None:
            details = dict(
                cycle=cycle,
                kind=spec.kind,
                title=spec.title[:255],
                due_on=spec.due_on,
                due_at=spec.due_at,
                description=spec.description.strip(),
                # Where it came from goes in the milestone's Sources, not its description (issue 25).
                sources=f"From release {run.parsed.release_id} ({spec.path}).",
                owner=cycle.lead_officer,
                source=Milestone.Source.IMPORTED,
            )
            if run.batch is None:
                milestone = commissioning_services.milestone_create(officer=run.officer, reason=run.reason, **details)
            else:
                # Written with the batch's others (``_Batch.save_milestones``), as milestone_create writes it.
                milestone = commissioning_services.milestone_new(**details)
                history.record(milestone, officer=run.officer, reason=run.reason)
                run.batch.new_milestones.append(milestone)
            imported = _remember(run, cycle, key, new, imported=None, milestone=milestone)
            run.changes.append(f"Added the milestone '{milestone.title}': {_when(new, spec)}")
            _text_conflict(run, cycle, milestone, spec, imported)
            _status(run, milestone, spec)
            return
        imported = _remember(run, cycle, key, new, imported=None, milestone=milestone)
        current = _value_of(milestone)
        if _same(current, new):
            run.changes.append(f"Matched the milestone '{milestone.title}' ({_when(new)}): the notice agrees")
        else:
            _disagree(run, cycle, milestone, spec, imported, current, new)
        _status(run, milestone, spec)
        return
    if _same(imported.value, new):
        if imported.milestone is not None:
            _status(run, imported.milestone, spec)
        return  # the notices say what they said before
    milestone = imported.milestone
    if milestone is None:
        _remember(run, cycle, key, new, imported=imported)
        run.changes.append(
            f"The notice now gives {_when(new)} for '{spec.title}', but that milestone was deleted in the tracker: not added again"
        )
        return
    current = _value_of(milestone)
    if _same(current, new):
        _remember(run, cycle, key, new, imported=imported)
        return
    ours_untouched = (
        _same(current, imported.value) and not milestone.edited_by_hand and milestone.source != Milestone.Source.MANUAL
    )
    if milestone.status != Milestone.Status.SCHEDULED:
        _remember(run, cycle, key, new, imported=imported)
        run.changes.append(
            f"The notice moves '{milestone.title}' to {_when(new)}; it is {milestone.get_status_display().lower()} in the "
            "tracker, so it is left as it is"
        )
        return
    if ours_untouched:
        _saved(run, milestone)
        moved = {"due_on": spec.due_on, "due_at": spec.due_at, "ends_at": None}
        if run.batch is None:
            commissioning_services.milestone_update(
                milestone=milestone, officer=run.officer, reason=run.reason, **moved
            )
        else:
            run.batch.milestones.update(milestone=milestone, reason=run.reason, **moved)
        _remember(run, cycle, key, new, imported=imported)
        run.changes.append(f"Moved the milestone '{milestone.title}' from {_when(current)} to {_when(new, spec)}")
        _text_conflict(run, cycle, milestone, spec, imported)
        _status(run, milestone, spec)
        return
    imported = _remember(run, cycle, key, new, imported=imported)
    _disagree(run, cycle, milestone, spec, imported, current, new)


def _disagree(
    run: _Run, cycle, milestone: Milestone, spec: MilestoneSpec, imported: ImportedValue, current: dict, new: dict
) -> None:
    """The tracker's date came from an officer: keep it, note the notice's, let the officer choose."""
    _saved(run, milestone)
    ours = services._when_words({**current, "ends_at": milestone.ends_at.isoformat() if milestone.ends_at else None})
    theirs = services._when_words(new)
    _conflict(
        run,
        cycle,
        subject=f"{milestone.title}: when it is due",
        path=f"{spec.path} is {spec.due.written}",
        ours=f"{ours}, entered in the tracker",
        theirs=theirs,
        theirs_value={"target": "milestone", **new, "ends_at": None},
        milestone=milestone,
        imported_value=imported,
    )
    services._append_conflict_note(
        milestone,
        f"A notice of {long_date(run.parsed.date.day)} says {theirs}; the tracker keeps {ours} until an officer chooses.",
        officer=run.officer,
        reason=run.reason,
    )
    run.changes.append(
        f"'{milestone.title}': kept {ours}, entered in the tracker; the notice says {theirs}: the officer chooses"
    )


OCDS_STATUS = {"met": Milestone.Status.MET, "notMet": Milestone.Status.MISSED}


def _status(run: _Run, milestone: Milestone, spec: MilestoneSpec) -> None:
    """A notice that reports a milestone met (or not met) marks the tracker's, while still scheduled."""
    status = OCDS_STATUS.get(spec.status or "")
    if status is None or milestone.status != Milestone.Status.SCHEDULED or milestone.source == Milestone.Source.MANUAL:
        return
    _saved(run, milestone)
    met_on = run.parsed.date.london.date() if status == Milestone.Status.MET else None
    commissioning_services.milestone_set_status(
        milestone=milestone,
        status=status,
        met_on=met_on,
        officer=run.officer,
        reason=run.reason,
        today=max(run.today, met_on or run.today),
        follow_up=run.batch is None,
    )
    if run.batch is not None:
        run.batch.milestones.replan(milestone)
    run.changes.append(f"'{milestone.title}' marked {milestone.get_status_display().lower()}, as the notice reports")


# --- notices ------------------------------------------------------------------------------


def _notices(run: _Run, cycle: CommissioningCycle, contracts: list[Contract]) -> tuple[list[Notice], set[int]]:
    """The release's notices, added once each; returns the new ones and the contracts newly linked."""
    new, newly_linked = run.new_notices, set()
    batch = run.batch
    for document in run.parsed.notices:
        if batch is None:
            notice = Notice.objects.select_related("cycle").filter(fts_notice_id=document.fts_notice_id).first()
        else:
            notice = batch.notices.get(document.fts_notice_id)
            if notice is not None and notice.pk is None:
                batch.save_notices()  # added earlier in the batch: written now, to be checked like any other
        if notice is not None and not run.scope.may_change_notice(notice):
            raise Refused(
                Problem(
                    f"{document.path}.id",
                    f"the notice {document.fts_notice_id} is already in the tracker for another team's cycle or "
                    "contracts: nothing was imported",
                )
            )
        if notice is None:
            notice = Notice(
                notice_type=document.notice_type,
                fts_notice_id=document.fts_notice_id[:50],
                ocid=run.parsed.ocid,
                published_at=document.published.at,
                url=document.url[:500],
                description=document.description,
                amendment=run.parsed.amendments.get(document.fts_notice_id, ""),
                source=Notice.Source.IMPORTED,
                source_release=run.release,
                cycle=cycle,
            )
            run.record(notice)
            if batch is None:
                notice.save()
            else:
                batch.new_notices.append(notice)
                batch.notice_runs[id(notice)] = run
                batch.notices[document.fts_notice_id] = notice
            new.append(notice)
            run.changes.append(
                f"Added the {NoticeType(notice.notice_type).label} {notice.fts_notice_id}, published "
                f"{long_date(timezone.localtime(notice.published_at).date())}"
            )
        else:
            fields = []
            if notice.cycle_id is None:
                notice.cycle = cycle
                fields.append("cycle")
            if not notice.amendment and run.parsed.amendments.get(notice.fts_notice_id):
                notice.amendment = run.parsed.amendments[notice.fts_notice_id]
                fields.append("amendment")
            if fields:
                run.record(notice)
                notice.save(update_fields=fields)
        if contracts and notice.pk is None:  # written at the end of the batch, with its contracts
            batch.new_links.append((notice, list(contracts)))
            newly_linked.update(c.pk for c in contracts)
        elif contracts:
            linked = set(notice.contracts.values_list("pk", flat=True))
            missing = [c for c in contracts if c.pk not in linked]
            if missing:
                notice.contracts.add(*missing)
                newly_linked.update(c.pk for c in missing)
    return new, newly_linked


def _own_notice(run: _Run, new_notices: list[Notice]) -> Notice | None:
    """The notice that shows what a release changed: the one published at the release's date, else its newest."""
    own = next((n for n in new_notices if n.published_at == run.parsed.date.at), None)
    if own is None and new_notices:
        own = max(new_notices, key=lambda n: n.published_at)
    return own


def _attach_changes(run: _Run, new_notices: list[Notice], pending: list[Notice] | None = None) -> None:
    """What the release changed, shown with its own notice: the one published at the release's date, else its newest.

    With ``pending`` (a batch), a release's own notice, if its list grew since it was written
    (``_Batch.save_notices``), is added to it for one ``bulk_update`` at the end, rather than
    updated here."""
    if not run.changes:
        return
    own = _own_notice(run, new_notices)
    # The list describes the import; it is not a change to the notice, so it adds no history row.
    if own is not None:
        if pending is not None:
            if own.changes != run.changes:  # a batch's notice is written with the changes then made
                own.changes = list(run.changes)
                pending.append(own)
            return
        own.changes = list(run.changes)
        Notice.objects.filter(pk=own.pk).update(changes=own.changes)
        return
    if pending:
        # The newest notice below may be one waiting for its list: written first, so it is read whole.
        Notice.objects.bulk_update(pending, ["changes"], batch_size=500)
        pending.clear()
    latest = Notice.objects.filter(ocid=run.parsed.ocid, cycle=run.release.cycle).order_by("-published_at").first()
    if latest is not None:
        changes = [*latest.changes, *(f"Release {run.parsed.release_id}: {change}" for change in run.changes)]
        Notice.objects.filter(pk=latest.pk).update(changes=changes)
