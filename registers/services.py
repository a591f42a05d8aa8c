"""Preview and import a register: the loader around the pure parser (registers.parsing).

1. ``register_preview`` reads the file with the mapping, matches each row to an existing
   contract (by reference, then by OCID) and says what would happen to it: new, changed (and
   how) or unchanged. It writes nothing.
2. ``register_commit`` reads the file once inside one transaction, checking each batch of
   ``CHUNK`` rows as the preview does and, while no row has an error, saving it through the
   contract services (``contracts.services.contracts_create_many`` and ``contracts_update_many``),
   so milestones, duties and reminders are planned exactly as for a contract entered by hand,
   and each history entry reads "Imported from <file> by <officer>". A failure anywhere undoes
   all of it.

Importing the same file twice changes nothing the second time: an unchanged row is not saved.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    connection,
    connections,
    transaction,
)
from django.db.models import Count
from django.utils import timezone

from access import policy
from contracts import services as contract_services
from contracts import terms
from contracts.models import Contract, ExtensionOption, Organisation, Team

from . import parsing, reading
from .models import ColumnMapping, RegisterImport

Progress = Callable[[int, int], None]
logger = logging.getLogger(__name__)
CHUNK = 500


class ImportRefused(Exception):
    """Nothing was imported; ``problems`` says why, each with its row and column."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


@dataclass
class RowOutcome:
    proposed: parsing.ProposedContract
    status: str  # "new", "changed", "unchanged" or "error"
    contract_id: int | None = None
    changes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """What the preview page shows for this row, in plain words."""
        p = self.proposed
        return {
            "row": p.row,
            "status": self.status,
            "reference": p.reference,
            "title": p.title,
            "provider": _organisation_words(p.provider),
            "buyer": _organisation_words(p.buyer),
            "start_date": _iso(p.start_date),
            "term_months": p.initial_term_months,
            "initial_end_date": _iso(p.initial_end_date),
            "options": options_words(p.options),
            "max_extent_date": _iso(p.max_extent_date or _last_option_end(p)),
            "value": _value_words(p),
            "changes": self.changes,
            "contract_id": self.contract_id,
        }


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _last_option_end(p: parsing.ProposedContract) -> date | None:
    periods = p.option_periods
    return periods[-1].end if periods else None


def options_words(options) -> str:
    if not options:
        return "None"
    lengths = Counter(options)
    if len(lengths) == 1:
        months, count = next(iter(lengths.items()))
        return f"{count} × {months} months"
    return " + ".join(f"{m} months" for m in options)


def _organisation_words(choice: parsing.OrganisationChoice | None) -> str:
    if choice is None:
        return ""
    if choice.near:
        return f"{choice.name} (choose: new or an existing one)"
    if choice.is_new:
        return f"{choice.name} (new)"
    return choice.name


def _value_words(p: parsing.ProposedContract) -> str:
    parts = []
    if p.total_value is not None:
        parts.append(f"£{p.total_value:,.2f} total")
    if p.annual_value is not None:
        parts.append(f"£{p.annual_value:,.2f} a year")
    words = ", ".join(parts)
    if p.value_notes:
        words += " (" + "; ".join(p.value_notes) + ")"
    return words


@dataclass
class Preview:
    """What a file would do. ``rows`` keeps the first ``keep_rows`` rows for the page (all of them
    if None); the tallies, problems and changes cover every row, so a large file is checked in
    batches without holding every row in memory."""

    headers: list[str]
    mapping: list[str]
    rows: list[RowOutcome] = field(default_factory=list)
    problems: list[parsing.Problem] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    keep_rows: int | None = None
    total: int = 0
    tally: Counter = field(default_factory=Counter)
    near: dict[str, dict] = field(default_factory=dict)
    changed: list[dict] = field(default_factory=list)
    matched_ids: list[int] = field(default_factory=list)

    def add(self, outcome: RowOutcome) -> None:
        self.total += 1
        self.tally[outcome.status] += 1
        self.problems.extend(outcome.proposed.problems)
        if self.keep_rows is None or len(self.rows) < self.keep_rows:
            self.rows.append(outcome)
        if outcome.status == "changed":
            self.changed.append(
                {"row": outcome.proposed.row, "reference": outcome.proposed.reference, "changes": outcome.changes}
            )
        if outcome.contract_id and outcome.status in ("changed", "unchanged"):
            self.matched_ids.append(outcome.contract_id)
        for choice in (outcome.proposed.provider, outcome.proposed.buyer):
            if choice and choice.near and parsing.name_key(choice.name) not in self.near:
                self.near[parsing.name_key(choice.name)] = {
                    "key": parsing.name_key(choice.name),
                    "name": choice.name,
                    "near": [{"pk": o.pk, "name": o.name} for o in choice.near],
                }

    @property
    def counts(self) -> dict[str, int]:
        return {key: self.tally.get(key, 0) for key in ("new", "changed", "unchanged", "error")}

    @property
    def errors(self) -> list[parsing.Problem]:
        return [p for p in self.problems if p.severity == parsing.ERROR]

    @property
    def can_commit(self) -> bool:
        return not self.file_problems and not self.errors and self.total > 0

    def as_dict(self, *, row_limit: int = 1000) -> dict:
        shown = self.rows[:row_limit]
        return {
            "headers": self.headers,
            "mapping": self.mapping,
            "counts": self.counts,
            "rows": [row.as_dict() for row in shown],
            "rows_left_out": max(0, self.total - len(shown)),
            "problems": [
                {"row": p.row, "column": p.column, "message": p.message, "severity": p.severity, "text": str(p)}
                for p in self.problems
            ],
            "file_problems": self.file_problems,
            "near": list(self.near.values()),
            "can_commit": self.can_commit,
        }


# --- reading -------------------------------------------------------------------------------------


def remembered_mapping(team: Team) -> dict[str, str]:
    saved = ColumnMapping.objects.filter(team=team).first()
    return saved.fields if saved else {}


def mapping_remember(*, team: Team, headers: list[str], mapping: list[str]) -> None:
    """Keep the team's mapping for next time, merged over what it had."""
    saved, _ = ColumnMapping.objects.get_or_create(team=team)
    saved.fields = {
        **saved.fields,
        **{parsing.normalise(h): key for h, key in zip(headers, mapping) if parsing.normalise(h)},
    }
    saved.save()


def register_headers(*, data: bytes, team: Team) -> tuple[list[str], list[str]]:
    """The file's column headings and the mapping guessed for them (the team's own first)."""
    table = reading.read_table(data, parsing.header_score)
    table.rows.close()
    return table.headers, parsing.guess_mapping(table.headers, remembered_mapping(team))


def organisation_index() -> parsing.OrganisationIndex:
    return parsing.OrganisationIndex(
        parsing.KnownOrganisation(pk, name, company or "", charity or "", ppon or "", role)
        for pk, name, company, charity, ppon, role in Organisation.objects.values_list(
            "pk", "name", "company_number", "charity_number", "ppon_id", "role"
        ).iterator()
    )


def team_buyer(team: Team) -> parsing.KnownOrganisation | None:
    """The buyer of most of the team's contracts: the buyer of a row that names none."""
    top = Contract.objects.filter(team=team).values("buyer").annotate(n=Count("pk")).order_by("-n", "buyer").first()
    if not top:
        return None
    buyer = Organisation.objects.get(pk=top["buyer"])
    return parsing.KnownOrganisation(buyer.pk, buyer.name, role=buyer.role)


def _proposed_rows(
    data: bytes,
    *,
    mapping: list[str],
    headers_check: list[str] | None,
    context: parsing.Context,
    progress: Progress | None,
) -> Iterator[parsing.ProposedContract]:
    table = reading.read_table(data, parsing.header_score)
    context.headers = table.headers
    if len(mapping) < len(table.headers):
        mapping = mapping + [parsing.IGNORE] * (len(table.headers) - len(mapping))
    context.mapping = mapping[: len(table.headers)]
    total = max(0, (table.estimated_rows or 0) - table.header_row)
    for done, (number, cells) in enumerate(table.rows, start=1):
        yield parsing.parse_row(number, cells, context)
        if progress and done % 100 == 0:
            progress(done, max(total, done))


def register_preview(
    *,
    data: bytes,
    team: Team,
    mapping: list[str] | None = None,
    user: AbstractBaseUser | None = None,
    organisation_choices: dict[str, str] | None = None,
    progress: Progress | None = None,
    keep_rows: int | None = None,
    on_batch: Callable[[list[RowOutcome]], None] | None = None,
    created: set[int] | None = None,
) -> Preview:
    """Each row as it would be saved, what it would do, and every problem. Writes nothing itself.

    Rows are matched in batches of ``CHUNK``; ``on_batch`` receives each batch's outcomes (the
    commit saves them there), and ``created`` holds the contracts this import has added, which
    a later row must not be matched to.
    """
    try:
        headers, guessed = register_headers(data=data, team=team)
    except reading.UnreadableFile as error:
        return Preview(headers=[], mapping=[], file_problems=[str(error)])
    mapping = list(mapping) if mapping is not None else guessed
    preview = Preview(
        headers=headers, mapping=mapping, file_problems=parsing.mapping_problems(mapping), keep_rows=keep_rows
    )
    if preview.file_problems:
        return preview
    context = parsing.Context(
        headers=headers,
        mapping=mapping,
        organisations=organisation_index(),
        default_buyer=team_buyer(team),
        organisation_choices=organisation_choices or {},
    )
    editable = None if user is None else set(policy.contracts_editable_by(user).values_list("pk", flat=True))
    seen_references: dict[str, int] = {}
    batch: list[parsing.ProposedContract] = []

    def flush():
        outcomes = _match_batch(batch, team=team, editable=editable, created=created or set())
        for outcome in outcomes:
            preview.add(outcome)
        if on_batch and outcomes:
            on_batch(outcomes)
        batch.clear()

    try:
        for proposed in _proposed_rows(
            data, mapping=mapping, headers_check=headers, context=context, progress=progress
        ):
            key = proposed.reference.casefold()
            if key and key in seen_references:
                proposed.problems.append(
                    parsing.Problem(
                        proposed.row,
                        context.column("reference"),
                        f"{proposed.reference} is also on row {seen_references[key]}: each contract once",
                    )
                )
            elif key:
                seen_references[key] = proposed.row
            batch.append(proposed)
            if len(batch) >= CHUNK:
                flush()
    except reading.UnreadableFile as error:
        preview.file_problems.append(str(error))
    flush()
    if not preview.total and not preview.file_problems:
        preview.file_problems.append("The file has a header but no rows of contracts under it")
    return preview


def _match_batch(batch, *, team: Team, editable: set[int] | None, created: set[int]) -> list[RowOutcome]:
    """Match a batch of rows to existing contracts (by reference, then OCID) in two queries."""
    references = {p.reference for p in batch if p.reference}
    ocids = {p.ocid for p in batch if p.ocid}
    existing = Contract.objects.filter(reference__in=references).prefetch_related("options")
    by_reference = {c.reference.casefold(): c for c in existing if c.pk not in created}
    by_ocid = {}
    if ocids:
        for contract in Contract.objects.filter(ocid__in=ocids).prefetch_related("options"):
            if contract.pk not in created:
                by_ocid.setdefault(contract.ocid, contract)
    outcomes = []
    for proposed in batch:
        contract = by_reference.get(proposed.reference.casefold()) or (
            by_ocid.get(proposed.ocid) if proposed.ocid else None
        )
        outcome = RowOutcome(proposed=proposed, status="new")
        if contract is not None:
            outcome.contract_id = contract.pk
            if (editable is not None and contract.pk not in editable) or contract.team_id != team.pk:
                proposed.problems.append(
                    parsing.Problem(
                        proposed.row,
                        "Reference",
                        f"{contract.reference} is a contract of another team, or one you may not change",
                    )
                )
            else:
                outcome.changes = _changes(contract, proposed)
                outcome.status = "changed" if outcome.changes else "unchanged"
        if proposed.has_errors:
            outcome.status = "error"
        outcomes.append(outcome)
    return outcomes


def _long(day: date | None) -> str:
    return f"{day:%-d %B %Y}" if day else "none"


def _money(amount: Decimal | None) -> str:
    return f"£{amount:,.2f}" if amount is not None else "none"


# (field, the key in the row that gives it, label, how to show a value)
COMPARED = [
    ("title", "title", "Title", str),
    ("description", "description", "Description", lambda v: (v[:40] + "…") if len(v) > 40 else v),
    ("start_date", "start_date", "Start date", _long),
    ("initial_term_months", None, "Initial term", lambda v: f"{v} months"),
    ("max_extent_date", "max_extent_date", "Maximum extent date", _long),
    ("review_date", "review_date", "Review date", _long),
    ("annual_value", "annual_value", "Annual value", _money),
    ("total_value", "total_value", "Total value", _money),
    ("non_recoverable_vat", "non_recoverable_vat", "Non-recoverable VAT", _money),
    ("procurement_route", "procurement_route", "Procurement route", lambda v: v or "none"),
    ("service_category", "service_category", "Service", str),
    ("ocid", "ocid", "OCID", lambda v: v or "none"),
    ("is_light_touch", "light_touch", "Light-touch regime", lambda v: "yes" if v else "no"),
]


def _changes(contract: Contract, proposed: parsing.ProposedContract) -> list[str]:
    """What importing the row would change on the contract, in words; only for cells the file fills."""
    changes = []
    for name, key, label, show in COMPARED:
        if key is not None and key not in proposed.given:
            continue
        new = getattr(proposed, name)
        if new is None:
            continue
        old = getattr(contract, name)
        if old != new:
            changes.append(f"{label}: {show(old) if old is not None else 'none'} to {show(new)}")
    for role, choice in (("Supplier", proposed.provider), ("Buyer", proposed.buyer)):
        if choice is None or (role == "Buyer" and "buyer" not in proposed.given):
            continue
        current = contract.provider_id if role == "Supplier" else contract.buyer_id
        if choice.is_new or choice.existing_pk != current:
            old = contract.provider if role == "Supplier" else contract.buyer
            changes.append(f"{role}: {old.name if old else 'none'} to {choice.name}")
    if proposed.options_given:
        existing = [o.length_months for o in sorted(contract.options.all(), key=lambda o: o.sequence)]
        if not existing and proposed.options:
            changes.append(f"Extension options: none to {options_words(proposed.options)}")
        elif existing and tuple(existing) != tuple(proposed.options):
            proposed.problems.append(
                parsing.Problem(
                    proposed.row,
                    "Extension options",
                    f"the contract already has {options_words(existing)}; the file says "
                    f"{options_words(proposed.options)}: change options on the contract's page",
                    parsing.WARNING,
                )
            )
    return changes


# --- writing -------------------------------------------------------------------------------------


def history_reason(filename: str, officer: AbstractBaseUser | None) -> str:
    who = (officer.get_full_name() or officer.get_username()) if officer else "the import_register command"
    return f"Imported from {filename} by {who}"


def register_commit(
    *,
    data: bytes,
    filename: str,
    team: Team,
    officer: AbstractBaseUser | None,
    mapping: list[str] | None = None,
    organisation_choices: dict[str, str] | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> dict:
    """Import every row or none; return the summary the officer sees after.

    1. Read the file once, inside one transaction, checking each batch of ``CHUNK`` rows as the
       preview does and saving it if no row so far has an error.
    2. After the first error, keep checking (every problem is listed) but save nothing more.
    3. At the end, any problem rolls the whole transaction back: ``ImportRefused``, nothing written.
    """
    today = today or timezone.localdate()
    options = dict(data=data, team=team, mapping=mapping, user=officer, organisation_choices=organisation_choices)
    reason = history_reason(filename, officer)
    # The importer leads the new contracts if they are in the team (a lead is chosen from the
    # record's team, as on the contract form); an admin importing for another team leads none.
    lead_officer = officer if officer is not None and team.members.filter(pk=officer.pk).exists() else None
    made: dict[str, Organisation] = {}
    created: set[int] = set()
    saved_ids: list[int] = []
    clean = {"so far": True}

    def save(outcomes: list[RowOutcome]) -> None:
        if any(o.status == "error" or o.proposed.has_errors for o in outcomes):
            clean["so far"] = False
        if not clean["so far"]:
            return  # the import will be refused and rolled back: only check the rows left
        _organisations_add(
            [o for o in outcomes if o.status in ("new", "changed")], officer=officer, reason=reason, made=made
        )
        new = [o for o in outcomes if o.status == "new"]
        if new:
            contracts = [_new_contract(o.proposed, team=team, made=made, lead_officer=lead_officer) for o in new]
            with _rows_named(new):
                contract_services.contracts_create_many(
                    contracts=contracts,
                    option_months=[list(o.proposed.options) for o in new],
                    officer=officer,
                    reason=reason,
                    today=today,
                )
            created.update(c.pk for c in contracts)
            saved_ids.extend(c.pk for c in contracts)
        changed = [o for o in outcomes if o.status == "changed"]
        if changed:
            contracts = _changed_contracts(changed, made=made)
            with_options = set(
                ExtensionOption.objects.filter(contract__in=contracts).values_list("contract_id", flat=True)
            )
            with _rows_named(changed):
                contract_services.contracts_update_many(
                    contracts=contracts,
                    option_months=[
                        list(o.proposed.options)
                        if o.proposed.options_given and o.contract_id not in with_options
                        else []
                        for o in changed
                    ],
                    officer=officer,
                    reason=reason,
                    today=today,
                )
            saved_ids.extend(c.pk for c in contracts)

    try:
        with transaction.atomic():
            written = register_preview(**options, keep_rows=0, on_batch=save, created=created, progress=progress)
            if not written.can_commit:
                raise ImportRefused(written.file_problems + [str(p) for p in written.errors])
    except ValidationError as error:  # an organisation's own checks
        raise ImportRefused(error.messages) from error
    return _summary(written, saved_ids, made, today=today)


def _organisation(choice, *, made: dict[str, Organisation]) -> Organisation | None:
    """The organisation a row names: a known one, or one this import added (``_organisations_add``)."""
    if choice is None:
        return None
    if not choice.is_new:
        return Organisation(pk=choice.existing_pk, name=choice.name)
    return made[parsing.name_key(choice.name) or choice.name]


def _organisations_add(outcomes: list[RowOutcome], *, officer, reason: str, made: dict[str, Organisation]) -> None:
    """Add the batch's new suppliers and buyers, each once however many rows name it, in one insert."""
    adding: dict[str, Organisation] = {}
    for outcome in outcomes:
        proposed = outcome.proposed
        for choice, role in (
            (proposed.provider, Organisation.Role.PROVIDER),
            (proposed.buyer, Organisation.Role.BUYER),
        ):
            if choice is None or not choice.is_new:
                continue
            if outcome.status == "changed" and role == Organisation.Role.BUYER and "buyer" not in proposed.given:
                continue  # a changed row keeps its buyer unless the file names one
            key = parsing.name_key(choice.name) or choice.name
            if key in made or key in adding:
                continue
            adding[key] = Organisation(
                name=choice.name,
                role=role,
                company_number=choice.company_number,
                charity_number=choice.charity_number,
                ppon_id=choice.ppon_id,
                is_sme=bool(choice.is_sme),
                is_vcse=bool(choice.is_vcse),
            )
    contract_services.organisations_create_many(organisations=list(adding.values()), officer=officer, reason=reason)
    made.update(adding)


def _apply(contract: Contract, proposed: parsing.ProposedContract, *, creating: bool) -> None:
    for name, key, _, _ in COMPARED:
        if not creating and key is not None and key not in proposed.given:
            continue
        value = getattr(proposed, name)
        if value is None and not creating:
            continue
        if value is None and name in ("is_light_touch",):
            continue
        setattr(
            contract,
            name,
            value if value is not None else ("" if name in ("description", "procurement_route", "ocid") else None),
        )


@contextmanager
def _rows_named(outcomes: list[RowOutcome]):
    """A contract the services refuse stops the import with its row's number and their message."""
    try:
        yield
    except contract_services.ContractRejected as rejected:
        row = outcomes[rejected.position].proposed.row
        raise ImportRefused([f"Row {row}: {message}" for message in rejected.messages]) from rejected


def _new_contract(proposed, *, team, made, lead_officer=None) -> Contract:
    contract = Contract(reference=proposed.reference, team=team, lead_officer=lead_officer)
    _apply(contract, proposed, creating=True)
    contract.buyer = _organisation(proposed.buyer, made=made)
    contract.provider = _organisation(proposed.provider, made=made)
    return contract


def _changed_contracts(outcomes: list[RowOutcome], *, made) -> list[Contract]:
    """The matched contracts, locked until the import commits, with the file's changes applied."""
    locked = Contract.objects.select_for_update().in_bulk([o.contract_id for o in outcomes])
    contracts = []
    for outcome in outcomes:
        proposed = outcome.proposed
        contract = locked[outcome.contract_id]
        _apply(contract, proposed, creating=False)
        if proposed.provider is not None:
            contract.provider = _organisation(proposed.provider, made=made)
        if proposed.buyer is not None and "buyer" in proposed.given:
            contract.buyer = _organisation(proposed.buyer, made=made)
        contracts.append(contract)
    return contracts


ENDING_SOON_MONTHS = 18


def _summary(preview: Preview, saved_ids: list[int], made: dict, *, today: date) -> dict:
    horizon = terms.add_months(today, ENDING_SOON_MONTHS)
    imported_ids = set(preview.matched_ids) | set(saved_ids)
    ending = (
        Contract.objects.filter(pk__in=imported_ids, current_end_date__gte=today, current_end_date__lte=horizon)
        .select_related("provider")
        .order_by("current_end_date", "reference")
    )
    open_options = dict(
        ExtensionOption.objects.filter(contract__in=ending, status__in=ExtensionOption.OPEN_STATUSES)
        .values_list("contract")
        .annotate(n=Count("pk"))
        .values_list("contract", "n")
    )
    return {
        "counts": preview.counts,
        "contracts": preview.total,
        "gaps_in_cover": _gaps_in_cover(imported_ids, today=today),
        "organisations_added": sorted(o.name for o in made.values()),
        "changed": preview.changed,
        "ending_within_18_months": [
            {
                "pk": c.pk,
                "reference": c.reference,
                "title": c.title,
                "end": c.current_end_date.isoformat(),
                "provider": c.provider.name if c.provider else "",
                "options_left": open_options.get(c.pk, 0),
            }
            for c in ending
        ],
        "warnings": [str(p) for p in preview.problems if p.severity == parsing.WARNING][:500],
    }


def _gaps_in_cover(contract_ids: set[int], *, today: date) -> list[str]:
    """The gaps in cover the imported contracts leave or cause (commissioning.cover), in words.

    Only contracts that cover a service can leave a gap, so only those are read, in a fixed
    number of queries (``covers_of``) however many the file held.
    """
    from commissioning import selectors as cover_selectors

    in_services = Contract.objects.filter(pk__in=contract_ids, services_covered__isnull=False).distinct()
    words = []
    for contract_cover in cover_selectors.covers_of(in_services, today=today).values():
        for gap in contract_cover.gaps:
            if gap.gap_words not in words:
                words.append(gap.gap_words)
    return words


# --- imports run from the page (inline for small files, by a Celery worker for large ones) -----

# Files up to this many rows are checked and imported while the officer waits; larger ones go to
# a worker, and the page shows a progress bar that can be left and come back to.
INLINE_ROWS = 500
# The preview page shows this many rows (every problem and change is listed whatever the size).
PAGE_ROWS = 1000


# Uploaded files are kept here through Django's storage API (STORAGES["default"]), as the OCDS
# uploads are (notices.services.IMPORT_STORAGE_FOLDER): the web server and the workers share it.
STORAGE_FOLDER = "register-imports"
# A file is deleted once it is imported; one never imported, this long after it was last used.
FILE_RETENTION = timedelta(days=7)
GONE = (
    "The uploaded file is no longer kept (a file not imported is deleted 7 days after it was last "
    "used): upload it again"
)


class FileGone(Exception):
    """The import's uploaded file was deleted (imported, or expired)."""


def register_import_create(
    *, team: Team, officer: AbstractBaseUser, filename: str, data: bytes, headers: list[str], mapping: list[str]
) -> RegisterImport:
    """Keep an uploaded register in storage and record the import; abandoned uploads past their
    retention are deleted on the way (``register_files_expire``)."""
    register_files_expire()
    suffix = ".xlsx" if reading.is_xlsx(data) else ".csv"
    stored_name = default_storage.save(f"{STORAGE_FOLDER}/{uuid.uuid4().hex}{suffix}", ContentFile(data))
    return RegisterImport.objects.create(
        team=team,
        officer=officer,
        filename=filename[:255],
        stored_name=stored_name,
        headers=headers,
        mapping=mapping,
    )


def register_file(register_import: RegisterImport) -> bytes:
    """The uploaded file's bytes; ``FileGone`` if it is no longer kept."""
    if not register_import.stored_name:
        raise FileGone(GONE)
    try:
        with default_storage.open(register_import.stored_name, "rb") as stream:
            return stream.read()
    except FileNotFoundError as error:
        raise FileGone(GONE) from error


def register_file_delete(register_import: RegisterImport) -> None:
    """Delete the uploaded file (the import is done with it, or it expired)."""
    if register_import.stored_name:
        try:
            default_storage.delete(register_import.stored_name)
        except OSError:
            # Kept on the row, so that the next expiry (register_files_expire) tries again.
            logger.warning("register file not deleted", extra={"register_import": register_import.pk})
            return
    register_import.stored_name = ""
    RegisterImport.objects.filter(pk=register_import.pk).update(stored_name="")


def register_files_expire(*, now=None) -> int:
    """Delete the files of imports nobody has used for ``FILE_RETENTION`` (abandoned uploads,
    refused imports never tried again); returns how many. Running imports are left alone."""
    now = now or timezone.now()
    stale = RegisterImport.objects.exclude(stored_name="").exclude(status__in=RegisterImport.RUNNING)
    count = 0
    for register_import in stale.filter(updated_at__lt=now - FILE_RETENTION).only("pk", "stored_name"):
        register_file_delete(register_import)
        count += 1
    return count


def _progress_writer(register_import: RegisterImport) -> Progress:
    """Record progress where the progress page can read it, even from inside the import's transaction.

    On PostgreSQL a second connection, in autocommit, writes it, so the page moves while the
    rows are being saved. SQLite allows one writer at a time, so there it moves while rows are
    checked and jumps to the end when the import's transaction commits.
    """
    pk = register_import.pk
    extra = None
    # Not from inside someone else's transaction (a test's, say), whose row lock the second
    # connection would wait on for ever.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        extra = connections.create_connection(DEFAULT_DB_ALIAS)

    def write(done: int, total: int) -> None:
        if extra is not None:
            try:
                with extra.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
                    cursor.execute(
                        f"UPDATE {RegisterImport._meta.db_table} SET rows_done = %s, rows_total = %s WHERE id = %s",
                        [done, total, pk],
                    )
            except DatabaseError:
                logger.warning("register import progress not recorded", extra={"register_import": pk})
        elif not connection.in_atomic_block:
            RegisterImport.objects.filter(pk=pk).update(rows_done=done, rows_total=total)

    write.close = extra.close if extra is not None else (lambda: None)
    return write


def register_import_preview(*, register_import: RegisterImport) -> RegisterImport:
    """Check the uploaded file with its mapping and keep the preview for the page."""
    try:
        data = register_file(register_import)
    except FileGone as gone:
        return _failed(register_import, str(gone))
    progress = _progress_writer(register_import)
    try:
        preview = register_preview(
            data=data,
            team=register_import.team,
            mapping=register_import.mapping,
            user=register_import.officer,
            organisation_choices=register_import.organisation_choices,
            progress=progress,
            keep_rows=PAGE_ROWS,
        )
    finally:
        progress.close()
    register_import.preview = preview.as_dict()
    register_import.status = RegisterImport.Status.PREVIEWED
    register_import.rows_done = register_import.rows_total = preview.total
    register_import.save(update_fields=["preview", "status", "rows_done", "rows_total", "updated_at"])
    return register_import


def register_import_commit(*, register_import: RegisterImport, today: date | None = None) -> RegisterImport:
    """Import the previewed file, all rows or none, and keep the summary (or why it failed)."""
    try:
        data = register_file(register_import)
    except FileGone as gone:
        return _failed(register_import, str(gone))
    progress = _progress_writer(register_import)
    try:
        summary = register_commit(
            data=data,
            filename=register_import.filename,
            team=register_import.team,
            officer=register_import.officer,
            mapping=register_import.mapping,
            organisation_choices=register_import.organisation_choices,
            progress=progress,
            today=today,
        )
    except ImportRefused as refused:
        # The file is kept: the officer may correct the columns and try again.
        return _failed(register_import, "\n".join(refused.problems[:200]))
    finally:
        progress.close()
    register_import.summary = summary
    register_import.status = RegisterImport.Status.COMMITTED
    register_import.rows_done = register_import.rows_total
    register_import.save(update_fields=["summary", "status", "rows_done", "updated_at"])
    # Imported: the file is no longer needed. Deleted once the import has committed, so a
    # failure before then leaves it for another try.
    register_file_delete(register_import)
    return register_import


def _failed(register_import: RegisterImport, error: str) -> RegisterImport:
    register_import.status = RegisterImport.Status.FAILED
    register_import.error = error
    register_import.save(update_fields=["status", "error", "updated_at"])
    return register_import


def register_import_start(*, register_import: RegisterImport, action: str) -> bool:
    """Run a preview or a commit now if the file is small; else queue it. True if it was queued."""
    from . import tasks

    try:
        data = register_file(register_import)
    except FileGone as gone:
        _failed(register_import, str(gone))
        return False
    rows = max(0, data.count(b"\n")) if not reading.is_xlsx(data) else None
    if rows is None:
        rows = register_import.rows_total or _xlsx_rows(data)
    running = RegisterImport.Status.PREVIEWING if action == "preview" else RegisterImport.Status.COMMITTING
    register_import.status = running
    register_import.rows_done, register_import.rows_total = 0, rows
    register_import.error = ""
    register_import.save(update_fields=["status", "rows_done", "rows_total", "error", "updated_at"])
    task = tasks.register_import_preview if action == "preview" else tasks.register_import_commit
    if rows <= INLINE_ROWS:
        task.run(register_import.pk)
        register_import.refresh_from_db()
        return False
    transaction.on_commit(lambda: task.delay(register_import.pk))
    return True


def _xlsx_rows(data: bytes) -> int:
    """The rows a workbook says it has, or more if its size says so: the dimension it records is
    the file's own word, and a workbook claiming one row must not hold a web worker for a million."""
    try:
        table = reading.read_table(data, parsing.header_score)
    except reading.UnreadableFile:
        return 0
    table.rows.close()
    return max(0, (table.estimated_rows or 0) - table.header_row, len(data) // XLSX_BYTES_PER_ROW)


# A compressed row of a register is rarely smaller than this (about 80 bytes for 17 short cells).
XLSX_BYTES_PER_ROW = 40
