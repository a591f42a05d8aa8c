"""Checking one OCDS release and reading what the tracker needs from it. Pure: no ORM, no clock.

``check_release`` lists everything wrong with a release, each problem with its JSON path, so
the importer can refuse it whole with a message an officer can act on. ``parse_release``
turns a good release into plain dataclasses, with every date converted once, here, at the
edge:

1. An OCDS date-time must carry a time zone (the schema's ``date-time`` format is RFC 3339).
2. It is read as an aware datetime and converted to Europe/London.
3. A London time of 00:00:00 or 23:59:59 names a whole day: the London date (never the UTC
   date: 2027-04-01T00:00:00+01:00 is 1 April, though in UTC it is still 31 March).
4. If London's clock says otherwise but the time as written is 00:00:00 or 23:59:59 (the
   publisher used an offset that was not London's on that day), the date as written is the day.
5. Any other time is a time of day, kept as an aware datetime.

``milestone_specs`` says which milestones a release implies; the loader decides what to do
with each against what the tracker already holds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import jsonschema.exceptions
import referencing.exceptions

from ..validators import is_web_address
from .schema import datetime_problem, release_validator

log = logging.getLogger("notices.import")

LONDON = ZoneInfo("Europe/London")
NOTICE_TYPES = {f"UK{number}" for number in range(1, 18)}
# Larger than any float: Python would read it as infinity.
FLOAT_MAX = Decimal("1.7976931348623157e308")
# Where OCDS itself uses 1e9999: "If there is no maximum, set to 1e9999" (renewal extension).
UNLIMITED_ALLOWED = re.compile(r"\.renewal\.maximumRenewals$")
# The biggest amount the tracker's money columns hold (14 digits, 2 after the point).
MAX_AMOUNT = Decimal("999999999999.99")
# An enum error lists the allowed codes up to this many; beyond it, it names the codelist.
ENUM_SHOWN = 12


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ReleaseRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# --- checking -----------------------------------------------------------------------------


def json_path(parts) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    if isinstance(value, str):
        text = f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"
    return text


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def _schema_problem(error) -> Problem:
    path = json_path(error.absolute_path)
    if error.validator == "required":
        name = error.message.split("'")[1] if "'" in error.message else "a field"
        return Problem(json_path([*error.absolute_path, name]), "is missing")
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted if w != "null")
        return Problem(path, f"{_shown(error.instance)} should be {words}, not {_type_name(error.instance)}")
    if error.validator == "format" and error.cause is not None:
        return Problem(path, str(error.cause))
    if error.validator == "minLength":
        return Problem(path, "must not be empty")
    if error.validator == "enum":
        allowed = [str(v) for v in error.validator_value if v is not None]
        if len(allowed) > ENUM_SHOWN:
            # A closed codelist of hundreds (currencies): naming the list helps, listing it does not.
            field = next((part for part in reversed(error.absolute_path) if isinstance(part, str)), "value")
            return Problem(
                path, f"{_shown(error.instance)} is not one of the {len(allowed)} codes OCDS allows for {field}"
            )
        return Problem(path, f"{_shown(error.instance)} is not one of {', '.join(allowed)}")
    return Problem(path, _short(error.message))


def _short(message: str) -> str:
    return message if len(message) <= 300 else f"{message[:297]}..."


def _numbers(value: object, parts: tuple = ()) -> Iterator[tuple[tuple, int | Decimal]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, (*parts, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, (*parts, index))
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        yield parts, value


def _magnitude(number: int | Decimal) -> int | Decimal:
    """abs() without Decimal arithmetic: ``abs(Decimal("1E+999999999"))`` raises Overflow."""
    return number.copy_abs() if isinstance(number, Decimal) else abs(number)


def _number_problems(release: dict) -> list[Problem]:
    problems = []
    for parts, number in _numbers(release):
        if _magnitude(number) <= FLOAT_MAX:
            continue
        path = json_path(parts)
        if UNLIMITED_ALLOWED.search(path):
            continue  # read as "no maximum" by parse_release
        problems.append(
            Problem(
                path,
                f"{number} is too large to be a number (it would be read as infinity); only "
                "renewal.maximumRenewals may use 1e9999, meaning no maximum",
            )
        )
    return problems


def _not_text(value: str) -> bool:
    """A lone surrogate cannot be written as UTF-8; PostgreSQL refuses a NUL character in text."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text_problems(value: object, parts: tuple = ()) -> Iterator[Problem]:
    """Strings that cannot be stored: a lone UTF-16 surrogate ("\\ud800") is valid JSON but not text."""
    if isinstance(value, dict):
        for key, item in value.items():
            if _not_text(key):
                yield Problem(
                    json_path(parts), "has a key that is not valid text (a NUL or a lone \\u surrogate escape)"
                )
            else:
                yield from _text_problems(item, (*parts, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _text_problems(item, (*parts, index))
    elif isinstance(value, str) and _not_text(value):
        yield Problem(json_path(parts), "is not valid text (it holds a NUL or a lone \\u surrogate escape)")


_FLOAT_MAX_INT = int(FLOAT_MAX)  # FLOAT_MAX is a whole number: the same bound, compared without Decimal


def _numbers_and_text_fit(release: dict) -> bool:
    """Whether every number is within a float's range and every key and string is text: one
    quick walk, so that the walks that say where (``_number_problems``, ``_text_problems``)
    run only when something is amiss or the value holds anything the reader does not build.
    Each answer "True" is one for which both of those walks find nothing."""
    stack: list = [release]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item or (not item.isascii() and _not_text(item)):
                return False
        elif kind is dict:
            for key in item:
                if type(key) is not str or "\x00" in key or (not key.isascii() and _not_text(key)):
                    return False
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is int:
            if item > _FLOAT_MAX_INT or item < -_FLOAT_MAX_INT:
                return False
        elif kind is Decimal:
            if not item.is_finite() or item.copy_abs() > FLOAT_MAX:
                return False
        elif item is not None and kind is not bool:
            return False
    return True


VERSIONED = (
    "is a versioned release (each field a list of values with releaseID and releaseDate), which is how a "
    "record keeps a procurement's history, not a release: import the record's releases or its compiledRelease"
)
OCDS_1_0 = (
    "is OCDS 1.0 data (organisations written in full where 1.1 refers to parties by id): upgrade it to OCDS 1.1 "
    "(for example with OCDS Kit's 'ocdskit upgrade 1.0:1.1') and import it again"
)


def _is_versioned(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(entry, dict) and "releaseID" in entry and "value" in entry for entry in value)
    )


def _release_kind(release: dict) -> str | None:
    """Why ``release`` is not a release this importer reads, in one message, or None.

    A compiled release (tag "compiled", as a record's compiledRelease) is read like any release.
    """
    if any(_is_versioned(value) for value in release.values()):
        return VERSIONED
    buyer = release.get("buyer")
    one_zero = "parties" not in release and (
        (isinstance(buyer, dict) and "id" not in buyer and ("identifier" in buyer or "address" in buyer))
        or any(
            isinstance(supplier, dict) and "id" not in supplier and "identifier" in supplier
            for award in (release.get("awards") or [])
            if isinstance(award, dict)
            for supplier in (award.get("suppliers") or [])
        )
    )
    if one_zero:
        return OCDS_1_0
    return None


def check_release(release: object) -> list[Problem]:
    """Everything wrong with one release, each with its JSON path (empty: it can be imported)."""
    if not isinstance(release, dict):
        return [Problem("$", "is not a JSON object")]
    kind = _release_kind(release)
    if kind is not None:
        return [Problem("$", kind)]
    problems = [] if _numbers_and_text_fit(release) else _number_problems(release) + list(_text_problems(release))
    try:
        problems += [_schema_problem(e) for e in release_validator().iter_errors(release)]
    except (referencing.exceptions.Unresolvable, jsonschema.exceptions.SchemaError, RecursionError) as error:
        # Not expected (schema.py stubs missing definitions), but a schema fault is a message, never a 500.
        log.exception("The OCDS schema could not check a release")
        problems.append(
            Problem("$", f"could not be checked against the OCDS schema ({error.__class__.__name__}): report this")
        )
    if not problems:
        problems += _tracker_problems(release)
    return sorted(set(problems), key=lambda p: (p.path, p.message))


def _tracker_problems(release: dict) -> list[Problem]:
    """What the schema allows but the tracker cannot hold."""
    problems = []
    for path, document in _documents(release):
        url = document.get("url")
        if isinstance(url, str) and url and not is_web_address(url):
            problems.append(
                Problem(f"{path}.url", f"{_shown(url)} is not a web address starting with https:// or http://")
            )
        notice_type = document.get("noticeType")
        if notice_type is not None and notice_type not in NOTICE_TYPES:
            problems.append(
                Problem(
                    f"{path}.noticeType", f"{_shown(notice_type)} is not a Procurement Act notice type (UK1 to UK17)"
                )
            )
        if notice_type in NOTICE_TYPES and not document.get("datePublished"):
            problems.append(Problem(f"{path}.datePublished", "is missing: a notice needs its publication date"))
    tender = release.get("tender") or {}
    # Every amount the tracker may keep (money_value): the tender's, its lots', the awards' and
    # the contracts', net or gross.
    values = [("$.tender.value", tender.get("value"))]
    values += [
        (f"$.tender.lots[{index}].value", (lot or {}).get("value"))
        for index, lot in enumerate(tender.get("lots") or [])
    ]
    for key in ("awards", "contracts"):
        items = release.get(key)
        values += [
            (f"$.{key}[{i}].value", item.get("value"))
            for i, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, dict)
        ]
    amounts = [
        (f"{path}.{field}", value.get(field))
        for path, value in values
        if isinstance(value, dict)
        for field in ("amount", "amountGross")
    ]
    for path, amount in amounts:
        if isinstance(amount, (int, Decimal)) and not isinstance(amount, bool) and _magnitude(amount) > MAX_AMOUNT:
            problems.append(Problem(path, f"{amount} is more than the tracker can hold (up to 999,999,999,999.99)"))
        elif isinstance(amount, (int, Decimal)) and not isinstance(amount, bool) and amount < 0:
            problems.append(Problem(path, f"{amount} is below zero"))
    return problems


# --- dates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """An OCDS date-time read at the edge: the aware time, and the day it names in London."""

    written: str
    at: datetime
    day: date
    all_day: bool

    @property
    def london(self) -> datetime:
        return self.at.astimezone(LONDON)


_WHOLE_DAY = {(0, 0, 0), (23, 59, 59)}


def read_when(text: str) -> When:
    """Read an OCDS date-time (already checked); see the module docstring for the rules."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    london = at.astimezone(LONDON)
    if (london.hour, london.minute, london.second) in _WHOLE_DAY:
        return When(text, at, london.date(), True)
    if (at.hour, at.minute, at.second) in _WHOLE_DAY:
        return When(text, at, at.date(), True)
    return When(text, at, london.date(), False)


def end_of_day(day: date) -> str:
    """A date as OCDS writes an end date: 23:59:59 London time with London's offset that day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON).isoformat()


def start_of_day(day: date) -> str:
    return datetime.combine(day, time(0, 0, 0), tzinfo=LONDON).isoformat()


# --- times in text ------------------------------------------------------------------------

_NOON = re.compile(r"\b(?:12\s*noon|noon|midday)\b", re.IGNORECASE)
_CLOCK = re.compile(r"(?<![\d.:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])\s*(am|pm|a\.m\.|p\.m\.)?", re.IGNORECASE)
_DOTTED = re.compile(r"(?<![\d.:£$])(1[0-2]|0?[1-9])\.([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_HOUR = re.compile(r"(?<![\d.:£$])(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])", re.IGNORECASE)


def _twelve_hour(hour: int, suffix: str | None) -> int:
    if not suffix:
        return hour
    pm = suffix.lower().startswith("p")
    if pm and hour < 12:
        return hour + 12
    if not pm and hour == 12:
        return 0
    return hour


@dataclass(frozen=True)
class TextTime:
    at: time
    quote: str


def times_in_text(text: str) -> list[TextTime]:
    """Clock times a notice's text gives ("12 noon", "10:00", "5pm"), in the order written."""
    found: list[tuple[int, TextTime]] = []
    for match in _NOON.finditer(text):
        found.append((match.start(), TextTime(time(12, 0), match.group(0))))
    for pattern in (_CLOCK, _DOTTED):
        for match in pattern.finditer(text):
            hour = _twelve_hour(int(match.group(1)), match.group(3))
            found.append((match.start(), TextTime(time(hour, int(match.group(2))), match.group(0).strip())))
    for match in _HOUR.finditer(text):
        found.append(
            (match.start(), TextTime(time(_twelve_hour(int(match.group(1)), match.group(2)), 0), match.group(0)))
        )
    seen, ordered = set(), []
    for _, item in sorted(found, key=lambda pair: pair[0]):
        if item.at not in seen:
            seen.add(item.at)
            ordered.append(item)
    return ordered


# --- reading a release --------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    party_id: str
    name: str
    ppon_id: str  # "" when the buyer has no GB-PPON identifier
    # Every (scheme, id) the party gives: identifier, additionalIdentifiers, and a party id
    # written as scheme-id ("GB-COH-01234567"), in that order.
    identifiers: tuple[tuple[str, str], ...] = ()

    @property
    def shown(self) -> str:
        """The buyer's identifiers in words: "PPON PLDZ-6131-PWZH", "GB-CFS 12345, GB-COH 01234567"."""
        words = [f"{'PPON' if scheme == 'GB-PPON' else scheme} {identifier}" for scheme, identifier in self.identifiers]
        return ", ".join(words) or "no identifier"


@dataclass(frozen=True)
class NoticeDocument:
    path: str
    fts_notice_id: str
    notice_type: str
    document_type: str
    url: str
    published: When
    description: str


@dataclass(frozen=True)
class Renewal:
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    unlimited: bool = False


@dataclass(frozen=True)
class ParsedLot:
    path: str
    lot_id: str
    title: str | None
    status: str | None
    start: When | None
    end: When | None
    max_extent: When | None
    has_renewal: bool | None
    renewal: Renewal | None
    value: Decimal | None
    sme: bool | None
    vcse: bool | None


@dataclass(frozen=True)
class Supplier:
    party_id: str
    name: str
    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ParsedAward:
    """An award, with the contract signed for it when the release has one (UK6 award, UK7 details).

    ``path`` is the contract's when there is one (its values win), else the award's."""

    path: str
    award_id: str
    contract_id: str
    title: str
    status: str  # the contract's status when there is a contract, else the award's
    value: Decimal | None
    currency: str
    suppliers: tuple[Supplier, ...]
    start: When | None
    end: When | None
    max_extent: When | None
    date_signed: When | None
    amendments: tuple[str, ...] = ()  # the contract's amendment descriptions (a UK10 change)
    value_includes_vat: bool | None = None  # see money_value


@dataclass(frozen=True)
class ParsedMilestone:
    path: str
    milestone_id: str
    type: str
    title: str
    description: str
    due: When | None
    status: str | None
    code: str = ""


@dataclass(frozen=True)
class ParsedRelease:
    release_id: str
    ocid: str
    date: When
    tags: tuple[str, ...]
    buyer: Buyer | None
    title: str
    description: str
    value: Decimal | None
    currency: str
    light_touch: bool | None  # None: the release does not say
    legal_basis: str
    tender_status: str
    lots: tuple[ParsedLot, ...]
    milestones: tuple[ParsedMilestone, ...]
    future_notice: When | None
    notices: tuple[NoticeDocument, ...]
    amendments: dict[str, str] = field(default_factory=dict)
    awards: tuple[ParsedAward, ...] = ()
    tender_id: str = ""
    # The tender's deadlines: (key, path, when), e.g. ("tenderPeriod.endDate", "$.tender.tenderPeriod.endDate", ...).
    deadlines: tuple[tuple[str, str, When], ...] = ()
    signed: tuple[When, ...] = ()  # contracts[].dateSigned: the day each contract was entered into
    value_includes_vat: bool | None = None  # see money_value
    value_path: str = "$.tender.value.amount"

    @property
    def under_the_act(self) -> bool:
        return self.legal_basis == "2023/54" or bool(self.notices)


def _documents(release: dict) -> Iterator[tuple[str, dict]]:
    sections = [("$.planning", release.get("planning")), ("$.tender", release.get("tender"))]
    for index, award in enumerate(release.get("awards") or []):
        sections.append((f"$.awards[{index}]", award))
    for index, contract in enumerate(release.get("contracts") or []):
        sections.append((f"$.contracts[{index}]", contract))
        if isinstance(contract, dict):
            sections.append((f"$.contracts[{index}].implementation", contract.get("implementation")))
    for path, section in sections:
        if not isinstance(section, dict):
            continue
        for index, document in enumerate(section.get("documents") or []):
            if isinstance(document, dict):
                yield f"{path}.documents[{index}]", document


def documents_in(release: dict) -> Iterator[tuple[str, dict]]:
    """Every document of a release with its JSON path (planning, tender, awards, contracts)."""
    return _documents(release)


def _when(value: object) -> When | None:
    return read_when(value) if isinstance(value, str) and not datetime_problem(value) else None


def _pounds(value: object) -> Decimal | None:
    """An amount as the tracker keeps money: to the penny."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value).quantize(Decimal("0.01"))
    return None


def money_value(value: object) -> tuple[Decimal | None, bool | None, str]:
    """An OCDS Value as the tracker keeps money: (amount, whether it includes VAT, its field).

    The UK extension's ``amountGross`` is "the amount including all taxes"; Find a Tender gives
    it beside ``amount`` (the value without VAT). The Procurement Act tests thresholds against
    the estimated value including VAT (Schedule 3), so the gross amount is taken when there is
    one, as including VAT. ``amount`` alone says nothing about VAT in core OCDS (Contracts
    Finder, Scotland, Wales and 1.0 data use it either way), so it is kept with VAT unknown
    (None), which the thresholds treat as the contract not saying.
    """
    if not isinstance(value, dict):
        return None, None, "amount"
    gross = _pounds(value.get("amountGross"))
    if gross is not None:
        return gross, True, "amountGross"
    return _pounds(value.get("amount")), None, "amount"


def _int_or_none(value: object) -> int | None:
    """A count (of renewals): a whole number of 0 or more, else nothing."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and 0 <= value <= 2**31 - 1:
        return int(value)
    return None


# org-id.guide schemes whose prefix a party id may carry ("GB-COH-01234567"): the UK's, and XI-/IE- ones.
_SCHEMED_ID = re.compile(r"^((?:GB|XI|IE)-[A-Z]{2,6})-(.+)$")


def party_identifiers(party: dict | None, party_id: str = "") -> tuple[tuple[str, str], ...]:
    """Every (scheme, id) a party gives, without repeats: its identifier, its additional
    identifiers, then its party id when that is written as scheme-id."""
    found: list[tuple[str, str]] = []
    if isinstance(party, dict):
        for identifier in [party.get("identifier"), *(party.get("additionalIdentifiers") or [])]:
            if isinstance(identifier, dict) and identifier.get("scheme") and identifier.get("id") not in (None, ""):
                found.append((str(identifier["scheme"]).strip(), str(identifier["id"]).strip()))
    match = _SCHEMED_ID.match(party_id)
    if match:
        found.append((match.group(1), match.group(2)))
    return tuple(dict.fromkeys(pair for pair in found if pair[0] and pair[1]))


def _buyer(release: dict) -> Buyer | None:
    reference = release.get("buyer")
    if not isinstance(reference, dict):
        return None
    party_id = str(reference.get("id") or "")
    party = next((p for p in release.get("parties") or [] if isinstance(p, dict) and p.get("id") == party_id), None)
    identifiers = party_identifiers(party, party_id)
    ppon = next((identifier for scheme, identifier in identifiers if scheme == "GB-PPON"), "")
    name = str(reference.get("name") or (party or {}).get("name") or "")
    return Buyer(party_id, name, ppon, identifiers)


def _lot(path: str, lot: dict) -> ParsedLot:
    period = lot.get("contractPeriod") or {}
    renewal = lot.get("renewal")
    parsed_renewal = None
    if isinstance(renewal, dict):
        maximum = renewal.get("maximumRenewals")
        unlimited = (
            isinstance(maximum, (int, Decimal)) and not isinstance(maximum, bool) and _magnitude(maximum) > FLOAT_MAX
        )
        parsed_renewal = Renewal(
            description=str(renewal.get("description") or ""),
            minimum=_int_or_none(renewal.get("minimumRenewals")),
            maximum=None if unlimited else _int_or_none(maximum),
            unlimited=unlimited,
        )
    value = (lot.get("value") or {}).get("amount")
    suitability = lot.get("suitability") or {}
    return ParsedLot(
        path=path,
        lot_id=str(lot.get("id")),
        title=lot.get("title"),
        status=lot.get("status"),
        start=_when(period.get("startDate")),
        end=_when(period.get("endDate")),
        max_extent=_when(period.get("maxExtentDate")),
        has_renewal=lot.get("hasRenewal"),
        renewal=parsed_renewal,
        value=_pounds(value),
        sme=suitability.get("sme") if isinstance(suitability, dict) else None,
        vcse=suitability.get("vcse") if isinstance(suitability, dict) else None,
    )


def read_release(release: object) -> ParsedRelease:
    """Check a release and read it, or raise ``ReleaseRefused`` with every problem found."""
    problems = check_release(release)
    if problems:
        raise ReleaseRefused(problems)
    return parse_release(release)


def parse_release(release: dict) -> ParsedRelease:
    """What the tracker reads from a release that ``check_release`` passed (it is not checked again)."""
    planning = release.get("planning") or {}
    tender = release.get("tender") or {}
    amendments: dict[str, str] = {}
    for section in [tender, *(release.get("awards") or []), *(release.get("contracts") or [])]:
        for amendment in (section or {}).get("amendments") or []:
            if isinstance(amendment, dict) and amendment.get("id"):
                amendments[str(amendment["id"])] = str(amendment.get("description") or amendment.get("rationale") or "")
    notices = tuple(
        NoticeDocument(
            path=path,
            fts_notice_id=str(document.get("id")),
            notice_type=document["noticeType"],
            document_type=str(document.get("documentType") or ""),
            url=str(document.get("url") or ""),
            published=read_when(document["datePublished"]),
            description=str(document.get("description") or ""),
        )
        for path, document in _documents(release)
        if document.get("noticeType")
    )
    milestones = tuple(
        ParsedMilestone(
            path=f"$.planning.milestones[{index}]",
            milestone_id=str(milestone.get("id")),
            type=str(milestone.get("type") or ""),
            title=str(milestone.get("title") or ""),
            description=str(milestone.get("description") or ""),
            due=_when(milestone.get("dueDate")),
            status=milestone.get("status"),
            code=str(milestone.get("code") or ""),
        )
        for index, milestone in enumerate(planning.get("milestones") or [])
    )
    value, includes_vat, value_field = money_value(tender.get("value"))
    special = tender.get("specialRegime")
    return ParsedRelease(
        release_id=str(release["id"]),
        ocid=str(release["ocid"]),
        date=read_when(release["date"]),
        tags=tuple(str(tag) for tag in release.get("tag") or ()),
        buyer=_buyer(release),
        title=str(tender.get("title") or ""),
        description=str(tender.get("description") or ""),
        value=value,
        value_includes_vat=includes_vat,
        value_path=f"$.tender.value.{value_field}",
        currency=str((tender.get("value") or {}).get("currency") or ""),
        light_touch=("lightTouch" in special) if isinstance(special, list) else None,
        legal_basis=str((tender.get("legalBasis") or {}).get("id") or ""),
        tender_status=str(tender.get("status") or ""),
        lots=tuple(_lot(f"$.tender.lots[{i}]", lot) for i, lot in enumerate(tender.get("lots") or [])),
        milestones=milestones,
        future_notice=_when((tender.get("communication") or {}).get("futureNoticeDate")),
        notices=notices,
        amendments=amendments,
        deadlines=_deadlines(tender),
        awards=_awards(release),
        tender_id=str(tender.get("id") or ""),
        signed=tuple(
            when
            for contract in release.get("contracts") or []
            if isinstance(contract, dict) and (when := _when(contract.get("dateSigned"))) is not None
        ),
    )


def _supplier(release: dict, reference: object) -> Supplier | None:
    if not isinstance(reference, dict):
        return None
    party_id = str(reference.get("id") or "")
    party = next((p for p in release.get("parties") or [] if isinstance(p, dict) and p.get("id") == party_id), None)
    return Supplier(
        party_id, str(reference.get("name") or (party or {}).get("name") or ""), party_identifiers(party, party_id)
    )


def _awards(release: dict) -> tuple[ParsedAward, ...]:
    """Each award with its contract (by awardID); a contract whose award is not in the release stands alone."""
    awards = {str(a.get("id")): (i, a) for i, a in enumerate(release.get("awards") or []) if isinstance(a, dict)}
    contracts = [(i, c) for i, c in enumerate(release.get("contracts") or []) if isinstance(c, dict)]
    found, used = [], set()
    for index, contract in contracts:
        award_id = str(contract.get("awardID") or "")
        award_index, award = awards.get(award_id, (None, {}))
        used.add(award_id)
        found.append(_award(release, award, contract, f"$.contracts[{index}]", award_id))
    for award_id, (index, award) in awards.items():
        if award_id not in used:
            found.append(_award(release, award, {}, f"$.awards[{index}]", award_id))
    return tuple(found)


def _award(release: dict, award: dict, contract: dict, path: str, award_id: str) -> ParsedAward:
    value = contract.get("value") or award.get("value") or {}
    period = contract.get("period") or award.get("contractPeriod") or {}
    suppliers = tuple(s for s in (_supplier(release, r) for r in award.get("suppliers") or []) if s is not None)
    return ParsedAward(
        path=path,
        award_id=award_id,
        contract_id=str(contract.get("id") or ""),
        title=str(contract.get("title") or award.get("title") or ""),
        status=str(contract.get("status") or award.get("status") or ""),
        value=money_value(value)[0],
        value_includes_vat=money_value(value)[1],
        currency=str(value.get("currency") or "") if isinstance(value, dict) else "",
        suppliers=suppliers,
        start=_when(period.get("startDate")) if isinstance(period, dict) else None,
        end=_when(period.get("endDate")) if isinstance(period, dict) else None,
        max_extent=_when(period.get("maxExtentDate")) if isinstance(period, dict) else None,
        date_signed=_when(contract.get("dateSigned")),
        amendments=tuple(
            str(a.get("description") or a.get("rationale") or "")
            for a in contract.get("amendments") or []
            if isinstance(a, dict)
        ),
    )


# The tender's deadlines that become milestones: where OCDS keeps them, the tracker's kind, the title.
DEADLINES = (
    ("tenderPeriod.endDate", "tender_deadline", "Tenders due"),
    ("enquiryPeriod.endDate", "other", "Clarification questions close"),
    ("expressionOfInterestDeadline", "tender_deadline", "Expressions of interest due"),
)


def _deadlines(tender: dict) -> tuple[tuple[str, str, When], ...]:
    found = []
    for key, _kind, _title in DEADLINES:
        value = tender
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        when = _when(value)
        if when is not None:
            found.append((key, f"$.tender.{key}", when))
    return tuple(found)


# --- the milestones a release implies -----------------------------------------------------

# OCDS milestone type (with the UK extension's futureSignatureDate): the tracker's kind, and
# the kinds an existing milestone may have to be the same date entered another way.
TYPE_KINDS = {
    "engagement": ("market_engagement", ("market_engagement", "provider_event")),
    "approval": ("decision_meeting", ("decision_meeting",)),
    "assessment": ("evaluation", ("evaluation",)),
    "futureSignatureDate": ("award", ("award",)),
}
TYPE_TITLES = {
    "engagement": "Market engagement",
    "preProcurement": "Pre-procurement milestone",
    "approval": "Approval",
    "assessment": "Assessment",
    "delivery": "Delivery milestone",
    "reporting": "Reporting milestone",
    "financing": "Financing milestone",
    "futureSignatureDate": "Contract signature expected",
}


@dataclass(frozen=True)
class TextAlternative:
    """A time the notice's own text gives for a milestone, when its structured field says otherwise."""

    due_at: datetime
    ends_at: datetime | None
    quote: str


@dataclass(frozen=True)
class MilestoneSpec:
    key: str
    kind: str
    same_as_kinds: tuple[str, ...]
    title: str
    path: str
    due: When
    description: str = ""
    status: str | None = None
    text_alternative: TextAlternative | None = None
    code: str = ""  # the milestone's own code: the tracker writes its kind there when it exports

    @property
    def due_on(self) -> date:
        return self.due.day

    @property
    def due_at(self) -> datetime | None:
        return None if self.due.all_day else self.due.at


def _text_alternative(due: When, text: str) -> TextAlternative | None:
    times = times_in_text(text)
    if not times:
        return None
    start = datetime.combine(due.day, times[0].at, tzinfo=LONDON)
    end = None
    if len(times) > 1 and times[1].at > times[0].at:
        end = datetime.combine(due.day, times[1].at, tzinfo=LONDON)
    if not due.all_day and due.london == start:
        return None
    quote = " to ".join(t.quote for t in times[:2]) if end else times[0].quote
    return TextAlternative(start, end, quote)


def milestone_specs(parsed: ParsedRelease, *, lots_with_contracts: frozenset[str] = frozenset()) -> list[MilestoneSpec]:
    """The milestones a release gives: planning milestones, the next notice, the tender's deadlines
    (tenderPeriod.endDate, enquiryPeriod.endDate, expressionOfInterestDeadline), the lots' periods.

    The end and maximum extent of a lot that the tracker already has as a contract are left to
    the contract's own derived milestones (``lots_with_contracts``).
    """
    specs = []
    for milestone in parsed.milestones:
        if milestone.due is None:
            continue
        kind, same_as = TYPE_KINDS.get(milestone.type, ("other", ("other",)))
        specs.append(
            MilestoneSpec(
                key=f"planning:{milestone.milestone_id}",
                kind=kind,
                same_as_kinds=same_as,
                title=milestone.title or TYPE_TITLES.get(milestone.type, "Milestone from the notice"),
                path=f"{milestone.path}.dueDate",
                due=milestone.due,
                description=milestone.description,
                status=milestone.status,
                text_alternative=_text_alternative(milestone.due, milestone.description),
                code=milestone.code,
            )
        )
    if parsed.future_notice is not None:
        specs.append(
            MilestoneSpec(
                key="futureNoticeDate",
                kind="notice",
                same_as_kinds=("notice",),
                title="Next procurement notice expected",
                path="$.tender.communication.futureNoticeDate",
                due=parsed.future_notice,
                description="The date the buyer expects to publish its next notice (tender.communication.futureNoticeDate).",
            )
        )
    kinds = {key: (kind, title) for key, kind, title in DEADLINES}
    for key, path, when in parsed.deadlines:
        kind, title = kinds[key]
        specs.append(
            MilestoneSpec(
                key=f"tender:{key}",
                kind=kind,
                same_as_kinds=(kind,),
                title=title,
                path=path,
                due=when,
                description=f"From the notice ({path}).",
            )
        )
    several = len(parsed.lots) > 1
    for lot in parsed.lots:
        label = f"Lot {lot.lot_id}: " if several else ""
        periods = [("start", "contract_start", "New contract starts", lot.start, "startDate")]
        if lot.lot_id not in lots_with_contracts:
            periods += [
                ("end", "term_end", "Initial term of the new contract ends", lot.end, "endDate"),
                ("max_extent", "max_extent", "Maximum extent of the new contract", lot.max_extent, "maxExtentDate"),
            ]
        for suffix, kind, title, when, field_name in periods:
            if when is None:
                continue
            specs.append(
                MilestoneSpec(
                    key=f"lot:{lot.lot_id}:{suffix}",
                    kind=kind,
                    same_as_kinds=(kind,),
                    title=f"{label}{title}",
                    path=f"{lot.path}.contractPeriod.{field_name}",
                    due=replace(when, all_day=True),  # a contract period is made of whole days
                    description=f"From the notice's contract period ({lot.path}.contractPeriod.{field_name}).",
                )
            )
    return specs
