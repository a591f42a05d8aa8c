"""Turn a register's rows into proposed contracts, with every problem located by row and column.

Pure: no ORM, no clock. The organisations the tracker already knows come in as plain
``KnownOrganisation`` values, so every rule here is tested from a table of inputs.

1. Headers are matched to fields by name and common synonyms (the tracker's own register
   export, the Local Government Transparency Code contracts fields, the template, and what
   councils actually write); the officer may correct the mapping.
2. Each cell is read by its field's reader: dates (01/03/2027, 1 Mar 2027, an Excel serial
   number, a real date cell), money (£, commas, "k", "m", a VAT note), yes/no, extension text.
3. The term is the one given, else derived from the end date through ``contracts.terms``; an end
   date that is not the day before an anniversary of the start is flagged, never silently moved.
4. Suppliers and buyers are matched to known organisations by registration number, then by
   name; a near name is offered to the officer, not silently created or merged.

A problem is an ``error`` (the row cannot be saved as written: nothing is imported until it is
fixed) or a ``warning`` (saved as the preview shows, but the officer should look).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from common.dates import long_date
from contracts import terms
from contracts.models import Contract, ServiceCategory

# --- fields and their names ------------------------------------------------------------------

# field key -> (label shown to the officer, names it goes by; compared after ``normalise``)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reference": (
        "Reference",
        (
            "reference",
            "reference number",
            "contract reference",
            "contract ref",
            "ref",
            "contract number",
            "contract id",
            "contract ref no",
            "ref no",
            "reference no",
            "our ref",
            "our reference",
            "internal reference",
            "contract reference number",
        ),
    ),
    "title": (
        "Title",
        (
            "title",
            "title of agreement",
            "contract title",
            "contract name",
            "name of contract",
            "agreement title",
            "service name",
            "name",
        ),
    ),
    "description": (
        "Description",
        (
            "description",
            "description of goods and services",
            "description of service",
            "description of goods services",
            "contract description",
            "summary",
        ),
    ),
    "buyer": (
        "Buyer",
        (
            "buyer",
            "organisation",
            "organisation name",
            "council",
            "authority",
            "buying organisation",
            "contracting authority",
            "local authority",
        ),
    ),
    "department": ("Department", ("department responsible", "department", "team", "service area", "directorate")),
    "provider": (
        "Supplier",
        (
            "supplier name",
            "supplier",
            "provider",
            "provider name",
            "contractor",
            "vendor",
            "vendor name",
            "contractor name",
            "supplier details name",
        ),
    ),
    "company_number": (
        "Companies House number",
        (
            "supplier companies house number",
            "companies house number",
            "company number",
            "company registration number",
            "supplier company number",
            "registered company number",
            "supplier companies house",
            "company reg no",
            "supplier registration number",
            "registration number",
            "company no",
            "company reg number",
            "co number",
        ),
    ),
    "charity_number": (
        "Charity number",
        (
            "supplier charity number",
            "charity number",
            "charity registration number",
            "registered charity number",
            "charity no",
        ),
    ),
    "ppon_id": ("PPON identifier", ("ppon", "ppon identifier", "ppon id", "supplier ppon")),
    "total_value": (
        "Total value",
        (
            "total value",
            "contract value",
            "value",
            "total contract value",
            "whole life value",
            "total value gbp",
            "value of contract",
            "estimated total value",
            "contract value gbp",
        ),
    ),
    "annual_value": (
        "Annual value",
        (
            "annual value",
            "estimated annual value",
            "annual spend",
            "estimated annual spend",
            "value per annum",
            "annual contract value",
            "yearly value",
        ),
    ),
    "non_recoverable_vat": (
        "Non-recoverable VAT",
        (
            "non recoverable vat",
            "irrecoverable vat",
            "vat that cannot be recovered",
            "non recoverable vat amount",
            "vat not recoverable",
        ),
    ),
    "start_date": (
        "Start date",
        ("start date", "contract start date", "start", "commencement date", "date from", "contract start"),
    ),
    "end_date": (
        "End date",
        (
            "end date",
            "contract end date",
            "end",
            "expiry date",
            "current end date",
            "date to",
            "contract end",
            "end date excluding extensions",
        ),
    ),
    "initial_end_date": ("End of initial term", ("end of initial term", "initial end date", "initial term end date")),
    "term_months": (
        "Initial term (months)",
        (
            "initial term months",
            "term months",
            "initial term",
            "contract term",
            "duration months",
            "term",
            "contract length months",
            "length months",
        ),
    ),
    "max_extent_date": (
        "Maximum extent date",
        (
            "maximum extent date",
            "max extent date",
            "maximum end date",
            "end date including extensions",
            "latest end date",
            "max end date",
            "final end date",
            "end date with extensions",
        ),
    ),
    "review_date": ("Review date", ("review date", "contract review date", "date of review")),
    "extensions": (
        "Extension options",
        (
            "extension options",
            "extensions",
            "extension",
            "options",
            "option to extend",
            "extension period",
            "extension details",
            "extension options available",
        ),
    ),
    "procurement_route": (
        "Procurement route",
        (
            "invitation to quote or published tender",
            "procurement route",
            "procurement process",
            "procurement method",
            "route to market",
            "procurement type",
            "invitation to quote or published invitation to tender",
        ),
    ),
    "sme": ("SME", ("sme", "supplier sme", "sme yes no", "is sme", "small or medium enterprise")),
    "vcse": (
        "VCSE",
        ("vcse", "vcs", "voluntary or community sector", "supplier vcse", "is vcse", "voluntary sector", "vcse yes no"),
    ),
    "sme_vcse": (
        "SME or VCSE",
        ("sme vcse", "sme or vcse", "sme vcs", "sme or vcs", "supplier type", "sme vcs status"),
    ),
    "ocid": ("OCID", ("ocid", "ocds id", "open contracting id")),
    "service_category": ("Service", ("service", "service category", "category", "service type")),
    "light_touch": ("Light-touch regime", ("light touch regime", "light touch")),
}
IGNORE = ""
# The header of the downloadable template, in its order.
TEMPLATE_FIELDS = [
    "reference",
    "title",
    "description",
    "buyer",
    "provider",
    "company_number",
    "charity_number",
    "start_date",
    "end_date",
    "term_months",
    "extensions",
    "max_extent_date",
    "annual_value",
    "total_value",
    "non_recoverable_vat",
    "review_date",
    "procurement_route",
    "sme",
    "vcse",
    "service_category",
    "ocid",
]
REQUIRED = ("reference", "title", "start_date")


def normalise(text: str) -> str:
    """Lower case words only: "Total value (£)" and "TOTAL VALUE" are both "total value"."""
    text = str(text or "").lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"\b(gbp|inc|incl|excl?|y n)\b", " ", text) if len(text.split()) > 2 else text
    return " ".join(text.split())


_SYNONYMS = {normalise(name): key for key, (_, names) in FIELDS.items() for name in names}
_SYNONYMS.update({normalise(label): key for key, (label, _) in FIELDS.items()})


def match_header(header: str) -> str:
    """The field a column heading names, or "" if none."""
    name = normalise(header)
    if not name:
        return IGNORE
    if name in _SYNONYMS:
        return _SYNONYMS[name]
    # A heading with a note after it: "Start date (dd/mm/yyyy)", "Supplier name - trading as".
    for length in range(len(name.split()) - 1, 0, -1):
        prefix = " ".join(name.split()[:length])
        if prefix in _SYNONYMS and length >= 2:
            return _SYNONYMS[prefix]
    return IGNORE


def header_score(headers: list[str]) -> int:
    return len({match_header(h) for h in headers} - {IGNORE})


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> list[str]:
    """A field key for each column (or "" to ignore it); each field is used once, first column first.

    ``remembered`` is the team's mapping from earlier imports, by normalised heading: it wins.
    """
    remembered = remembered or {}
    mapping, used = [], set()
    for header in headers:
        key = remembered.get(normalise(header))
        if key is None:
            key = match_header(header)
        if key and key in used:
            key = IGNORE
        used.add(key)
        mapping.append(key if key in FIELDS else IGNORE)
    return mapping


def mapping_problems(mapping: list[str]) -> list[str]:
    present = set(mapping)
    missing = [FIELDS[key][0] for key in REQUIRED if key not in present]
    problems = [f"No column is matched to {label}" for label in missing]
    if not present & {"end_date", "term_months", "initial_end_date"}:
        problems.append("No column is matched to End date or Initial term (months): one of them is needed")
    return problems


# --- problems ----------------------------------------------------------------------------------

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # the heading as the file has it, or the field's label
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}" if self.column else f"Row {self.row}: {self.message}"


class CellError(ValueError):
    """A cell that cannot be read: the message completes "Row N, Column: <value> ..."."""


# --- reading cells -----------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d-%m-%y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b %y",
    "%d %B %y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d %Y",
    "%B %d %Y",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


def shown(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def read_date(value: Any) -> date | None:
    """A date from a date cell, an Excel serial number, or text in the formats registers use."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _serial(float(value), value)
    text = " ".join(str(value).replace(",", " ").split())
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _serial(float(text), value)
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\bSept\b", "Sep", text, flags=re.IGNORECASE)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"{shown(value)} is not a date")


def _serial(number: float, original: Any) -> date:
    # Excel's serial day numbers from 1950 to 2100; anything else is not a date in a register.
    if not 18264 <= number <= 73051:
        raise CellError(f"{shown(original)} is not a date")
    return EXCEL_EPOCH + timedelta(days=int(number))


_VAT_NOTE = re.compile(
    r"\(?\s*(\+\s*vat|plus\s+vat|(?:inc|incl|including|inclusive\s+of|exc|excl|excluding|exclusive\s+of|ex|net\s+of)\.?\s+vat"
    r"|vat\s+(?:inc|incl|included|exc|excl|excluded|exempt)\.?|no\s+vat|vat\s+exempt)\s*\)?",
    re.IGNORECASE,
)
_PER_YEAR = re.compile(r"\(?\s*(p\.?\s*a\.?|per\s+(?:annum|year)|a\s+year|/\s*(?:yr|year|annum))\s*\)?", re.IGNORECASE)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    note: str = ""  # what the cell said about VAT, for the preview


def read_money(value: Any) -> Money | None:
    """Pounds from 524994, "£524,994.00", "£50k", "1.2m", "£12,000 + VAT" (the note is kept)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
        if amount < 0:
            raise CellError(f"{shown(value)} is less than £0")
        return Money(amount.quantize(Decimal("0.01")))
    text = str(value).strip()
    note = ""
    vat = _VAT_NOTE.search(text)
    if vat:
        said = vat.group(1).lower()
        note = (
            "including VAT"
            if "inc" in said
            else "no VAT"
            if ("exempt" in said or "no" in said.split())
            else "excluding VAT"
        )
        text = _VAT_NOTE.sub(" ", text)
    text = _PER_YEAR.sub(" ", text)
    compact = text.replace("£", "").replace("GBP", "").replace("gbp", "").replace(",", "").replace(" ", "")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]|bn)?", compact)
    if not match:
        raise CellError(f"{shown(value)} is not an amount of money")
    amount = Decimal(match.group(1))
    multiplier = {"k": 1000, "m": 1_000_000, "bn": 1_000_000_000}.get((match.group(2) or "").lower(), 1)
    try:
        amount = (amount * multiplier).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise CellError(f"{shown(value)} is not an amount of money") from error
    if amount >= Decimal("1e12"):
        raise CellError(f"{shown(value)} is more than the tracker can hold")
    return Money(amount, note)


YES = {"yes", "y", "true", "1", "x", "✓"}
NO = {"no", "n", "false", "0", "", "none", "n a", "na"}


def read_yes_no(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = normalise(shown(value))
    if text in YES:
        return True
    if text in NO:
        return False if text else None
    raise CellError(f"{shown(value)} is not yes or no")


def read_sme_vcse(value: Any) -> tuple[bool | None, bool | None]:
    """A combined column: "SME", "VCSE" (or "VCS"), "Both", "SME and VCSE", "Neither"."""
    if value is None or not shown(value):
        return None, None
    text = normalise(shown(value))
    if text in {"neither", "no", "n", "none", "large", "non sme", "not sme"}:
        return False, False
    sme = bool(re.search(r"\bsme\b|\bsmall\b|\bmedium\b", text)) or text == "both"
    vcse = (
        bool(re.search(r"\bvcse?\b|\bvoluntary\b|\bcharity\b|\bcommunity\b|\bsocial enterprise\b", text))
        or text == "both"
    )
    if not (sme or vcse):
        raise CellError(f"{shown(value)} is not SME, VCSE, both or neither")
    return sme, vcse


def read_whole_months(value: Any) -> int | None:
    """A term in months: 36, "36 months", "3 years", "3 yrs", "2 years 6 months"."""
    if value is None or not shown(value):
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if float(value).is_integer() and value > 0:
            return int(value)
        raise CellError(f"{shown(value)} is not a whole number of months")
    text = normalise(shown(value))
    total, found = 0, False
    for number, unit in re.findall(r"(\d+)\s*(years?|yrs?|y|months?|mths?|m)?\b", text):
        found = True
        total += int(number) * (12 if unit.startswith("y") else 1)
    if not found or total < 1 or re.search(r"[a-z]", re.sub(r"\b(years?|yrs?|y|months?|mths?|m|and)\b", "", text)):
        raise CellError(f"{shown(value)} is not a number of months")
    return total


ROUTES = (
    ("invitation to quote", Contract.ProcurementRoute.INVITATION_TO_QUOTE),
    ("quot", Contract.ProcurementRoute.INVITATION_TO_QUOTE),
    ("rfq", Contract.ProcurementRoute.INVITATION_TO_QUOTE),
    ("tender", Contract.ProcurementRoute.PUBLISHED_TENDER),
    ("itt", Contract.ProcurementRoute.PUBLISHED_TENDER),
    ("open", Contract.ProcurementRoute.PUBLISHED_TENDER),
)


def read_route(value: Any) -> str:
    text = normalise(shown(value)) if value is not None else ""
    if not text:
        return ""
    for word, route in ROUTES:
        if re.search(rf"\b{word}", text):
            return route
    return Contract.ProcurementRoute.OTHER


SERVICE_WORDS = (
    (("idva", "crisis", "advocacy", "advocate"), ServiceCategory.CRISIS_INTERVENTION),
    (("refuge", "accommodation", "housing"), ServiceCategory.REFUGE),
    (("perpetrator", "behaviour change"), ServiceCategory.PERPETRATOR_PROGRAMME),
    (("counselling", "counseling", "therapy", "therapeutic"), ServiceCategory.COUNSELLING),
    (("sanctuary",), ServiceCategory.SANCTUARY),
    (("victim",), ServiceCategory.VICTIM_SUPPORT),
)


def read_service(*texts: str) -> str:
    """The service category from a label ("Refuge and safe accommodation") or words in the title."""
    for text in texts:
        lowered = (text or "").lower()
        for choice in ServiceCategory:
            if lowered.strip() in {choice.value, choice.label.lower()}:
                return choice.value
    for text in texts:
        lowered = (text or "").lower()
        for words, category in SERVICE_WORDS:
            if any(word in lowered for word in words):
                return category.value
    return ServiceCategory.OTHER.value


# --- extension options in free text ----------------------------------------------------------

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a": 1, "an": 1, "single": 1}
_NUM = r"(\d+|one|two|three|four|five|six|a|an|single)"
_UNIT = r"(years?|yrs?|months?|mths?|m|y)"


def _n(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _months(number: int, unit: str) -> int:
    return number * (12 if unit.startswith("y") else 1)


@dataclass(frozen=True)
class Extensions:
    options: tuple[int, ...] = ()  # each option's length in months
    initial_months: int | None = None  # "3+1+1" also says the initial term


def read_extensions(value: Any) -> Extensions:
    """Options from "2 x 12 months", "two 12-month extensions", "+1+1", "3+1+1", "1 year", "none".

    Anything else ("up to 24 months", "option to extend", "TBC") is ambiguous: how many options
    and how long each cannot be told, so the officer is asked rather than guessed for.
    """
    if value is None:
        return Extensions()
    text = " ".join(str(value).lower().replace("×", "x").replace("-", " ").split())
    if re.search(r"\bup\s*to\b|\bupto\b|\bmax(?:imum)?\b|\btbc\b|\bor\b|\bunknown\b|\bdiscretion", text):
        raise CellError(f"{shown(value)} does not say how many options there are and how long each is")
    text = re.sub(
        r"\b(options?|to|extend|extensions?|for|of|further|additional|periods?|available|optional|"
        r"possible|with|the|by|each)\b",
        " ",
        text,
    )
    text = " ".join(text.split())
    if not text and str(value).strip():
        raise CellError(f"{shown(value)} does not say how many options there are and how long each is")
    if text in {"", "none", "no", "n a", "na", "n/a", "nil", "0", "not applicable"} or re.fullmatch(
        r"(?:no|none|nil)\b.*", text
    ):
        return Extensions()
    # "2 x 12 months", "2x1 year", "two 12 month"
    match = re.fullmatch(rf"{_NUM}\s*x\s*(\d+)\s*{_UNIT}", text) or re.fullmatch(rf"{_NUM}\s+(\d+)\s*{_UNIT}", text)
    if match:
        count, length = _n(match.group(1)), _months(int(match.group(2)), match.group(3))
        if 1 <= count <= 10 and length >= 1:
            return Extensions((length,) * count)
    # "3+1+1" (years; the first is the initial term) or "+1+1"
    match = re.fullmatch(r"(\d+)?\s*((?:\+\s*\d+\s*)+)(years?|yrs?|months?|y|m)?", text)
    if match:
        unit = match.group(3) or "years"
        parts = [int(p) for p in re.findall(r"\d+", match.group(2))]
        initial = _months(int(match.group(1)), unit) if match.group(1) else None
        if all(parts):
            return Extensions(tuple(_months(p, unit) for p in parts), initial)
    # "12 months", "1 year", "a 2 year", "1 x 24 months" handled above; "12 months + 12 months"
    lengths = re.findall(rf"(\d+|one|two|three|a|an)\s*{_UNIT}\b", text)
    leftover = re.sub(rf"(\d+|one|two|three|a|an)\s*{_UNIT}\b|\+|and|,|then", " ", text).strip()
    if lengths and not leftover:
        return Extensions(tuple(_months(_n(number), unit) for number, unit in lengths))
    raise CellError(f"{shown(value)} could not be read as extension options (write it as, say, 2 x 12 months)")


# --- organisations -----------------------------------------------------------------------------

LEGAL_WORDS = r"\b(the|ltd|limited|plc|llp|cic|cio|inc|uk|group|trust|charity|company|co)\b"


def name_key(name: str) -> str:
    """A name as matching sees it: "The Refuge Trust Ltd." and "refuge" are the same."""
    text = re.sub(r"[^a-z0-9 ]+", " ", (name or "").lower().replace("&", " and "))
    text = re.sub(LEGAL_WORDS, " ", text)
    return " ".join(text.split())


def registration_key(number: Any) -> str:
    """Companies House numbers keep their leading zeros: 1234567 and 01234567 are the same."""
    text = re.sub(r"[^A-Za-z0-9]", "", shown(number) if number is not None else "").upper()
    if text.isdigit() and len(text) < 8:
        text = text.zfill(8)
    return text


@dataclass(frozen=True)
class KnownOrganisation:
    pk: int
    name: str
    company_number: str = ""
    charity_number: str = ""
    ppon_id: str = ""
    role: str = "provider"


class OrganisationIndex:
    """Known organisations by registration number and by name, for matching rows to them."""

    def __init__(self, organisations: Iterable[KnownOrganisation]):
        self.by_company, self.by_charity, self.by_ppon, self.by_name = {}, {}, {}, {}
        self.all = list(organisations)
        for organisation in self.all:
            if organisation.company_number:
                self.by_company.setdefault(registration_key(organisation.company_number), organisation)
            if organisation.charity_number:
                self.by_charity.setdefault(registration_key(organisation.charity_number), organisation)
            if organisation.ppon_id:
                self.by_ppon.setdefault(registration_key(organisation.ppon_id), organisation)
            self.by_name.setdefault(name_key(organisation.name), organisation)
        self._keys = list(self.by_name)

    def match(self, *, name: str, company_number: str = "", charity_number: str = "", ppon_id: str = ""):
        """(the organisation, how it matched) or (None, near names offered)."""
        for number, index, how in (
            (ppon_id, self.by_ppon, "PPON identifier"),
            (company_number, self.by_company, "Companies House number"),
            (charity_number, self.by_charity, "charity number"),
        ):
            key = registration_key(number)
            if key and key in index:
                return index[key], how
        key = name_key(name)
        if key and key in self.by_name:
            return self.by_name[key], "name"
        near = difflib.get_close_matches(key, self._keys, n=3, cutoff=0.85) if key else []
        return None, [self.by_name[k] for k in near]


# --- rows --------------------------------------------------------------------------------------


@dataclass
class OrganisationChoice:
    name: str
    existing_pk: int | None = None
    matched_by: str = ""  # "name", "Companies House number", ... or "" for a new one
    near: list[KnownOrganisation] = field(default_factory=list)  # offered when nothing matched
    company_number: str = ""
    charity_number: str = ""
    ppon_id: str = ""
    is_sme: bool | None = None
    is_vcse: bool | None = None

    @property
    def is_new(self) -> bool:
        return self.existing_pk is None


@dataclass
class ProposedContract:
    row: int
    reference: str = ""
    title: str = ""
    description: str = ""
    buyer: OrganisationChoice | None = None
    provider: OrganisationChoice | None = None
    service_category: str = ServiceCategory.OTHER.value
    service_given: bool = False
    start_date: date | None = None
    initial_term_months: int | None = None
    initial_end_date: date | None = None
    max_extent_date: date | None = None
    review_date: date | None = None
    options: tuple[int, ...] = ()
    options_given: bool = False
    annual_value: Decimal | None = None
    total_value: Decimal | None = None
    non_recoverable_vat: Decimal | None = None
    value_notes: list[str] = field(default_factory=list)
    procurement_route: str = ""
    is_light_touch: bool | None = None
    ocid: str = ""
    given: set[str] = field(default_factory=set)  # the fields this row has a value for
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)

    @property
    def current_end_date(self) -> date | None:
        return self.initial_end_date

    @property
    def option_periods(self) -> list[terms.OptionPeriod]:
        if not (self.start_date and self.initial_term_months):
            return []
        return terms.option_periods(self.start_date, self.initial_term_months, list(self.options))


@dataclass
class Context:
    """What a row is read against: the mapping, the known organisations, the officer's choices."""

    headers: list[str]
    mapping: list[str]
    organisations: OrganisationIndex
    default_buyer: KnownOrganisation | None = None
    # An officer's answer for a name that nearly matched: an organisation id, or "new".
    organisation_choices: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> str:
        for header, mapped in zip(self.headers, self.mapping):
            if mapped == key:
                return header or FIELDS[key][0]
        return FIELDS[key][0]


def derive_term(start: date, end: date) -> tuple[int, bool]:
    """The term in months that ends nearest ``end``, and whether it ends exactly on it."""
    months = max(1, terms.whole_months_between(start, end + terms.ONE_DAY))
    candidates = [m for m in (months, months + 1) if m >= 1]
    best = min(candidates, key=lambda m: abs((terms.term_end(start, m) - end).days))
    return best, terms.term_end(start, best) == end


def parse_row(number: int, cells: list[Any], context: Context) -> ProposedContract:
    """One row as it would be saved, with its problems."""
    proposed = ProposedContract(row=number)
    values: dict[str, Any] = {}
    for cell, key in zip(cells, context.mapping):
        if key and cell is not None and shown(cell) != "":
            values[key] = cell
    proposed.given = set(values)

    def problem(key: str, message: str, severity: str = ERROR) -> None:
        proposed.problems.append(Problem(number, context.column(key) if key else "", message, severity))

    def read(key: str, reader):
        if key not in values:
            return None
        try:
            return reader(values[key])
        except CellError as error:
            problem(key, str(error))
            return None

    text = lambda key: shown(values[key]) if key in values else ""
    proposed.reference = text("reference")
    proposed.title = text("title")[:255]
    proposed.description = str(values.get("description") or "").strip()
    proposed.ocid = text("ocid")
    for key, label in (("reference", "Reference"), ("title", "Title")):
        if not text(key):
            problem(key, f"{label} is missing")
    if len(proposed.reference) > 50:
        problem("reference", f"{proposed.reference[:60]} is longer than 50 characters")

    proposed.start_date = read("start_date", read_date)
    end = read("end_date", read_date)
    initial_end = read("initial_end_date", read_date)
    term = read("term_months", read_whole_months)
    proposed.max_extent_date = read("max_extent_date", read_date)
    proposed.review_date = read("review_date", read_date)
    extensions = read("extensions", read_extensions)
    proposed.options_given = "extensions" in values and extensions is not None
    if extensions:
        proposed.options = extensions.options
        if extensions.initial_months and not term and not (end or initial_end):
            term = extensions.initial_months

    start = proposed.start_date
    if "start_date" not in values:
        problem("start_date", "Start date is missing")
    # The end of the initial term: the tracker's own export says so; a council's "end date" is it.
    stated_end, end_key = (initial_end, "initial_end_date") if initial_end else (end, "end_date")
    if start and term:
        proposed.initial_term_months = term
        derived = terms.term_end(start, term)
        if stated_end and stated_end != derived:
            problem(
                end_key,
                f"{long_date(stated_end)} is not where a term of {term} months from {long_date(start)} "
                f"ends ({long_date(derived)}): the term is used",
                WARNING,
            )
    elif start and stated_end:
        if stated_end < start:
            problem(end_key, f"{shown(values[end_key])} is before the start date, {long_date(start)}")
        else:
            months, exact = derive_term(start, stated_end)
            proposed.initial_term_months = months
            if not exact:
                problem(
                    end_key,
                    f"{long_date(stated_end)} is not the day before an anniversary of the start "
                    f"({long_date(start)}): the term is taken as {months} months, ending "
                    f"{long_date(terms.term_end(start, months))}",
                    WARNING,
                )
    elif start and not ({"end_date", "initial_end_date", "term_months"} & set(values)):
        problem("end_date", "End date is missing, and no initial term is given")
    if proposed.initial_term_months:
        proposed.initial_end_date = terms.term_end(start, proposed.initial_term_months)
        if extensions and extensions.initial_months and extensions.initial_months != proposed.initial_term_months:
            problem(
                "extensions",
                f"{shown(values['extensions'])} gives an initial term of {extensions.initial_months} "
                f"months, but the dates give {proposed.initial_term_months}",
                WARNING,
            )
    if end and initial_end and proposed.initial_term_months and end != proposed.initial_end_date:
        # The tracker's own export: the current end date includes exercised options.
        problem(
            "end_date",
            f"{long_date(end)} is after the end of the initial term: options already exercised are "
            "not imported; record them on the contract's page",
            WARNING,
        )

    if proposed.max_extent_date and proposed.initial_end_date:
        if proposed.max_extent_date < proposed.initial_end_date:
            problem(
                "max_extent_date",
                f"{long_date(proposed.max_extent_date)} is before the end of the initial term, "
                f"{long_date(proposed.initial_end_date)}",
            )
        else:
            beyond = [p for p in proposed.option_periods if p.end > proposed.max_extent_date]
            if beyond:
                problem(
                    "extensions",
                    f"option {beyond[0].sequence} would run to {long_date(beyond[0].end)}, after the "
                    f"maximum extent date of {long_date(proposed.max_extent_date)}",
                )
    if proposed.review_date and start and proposed.review_date < start:
        problem("review_date", f"{long_date(proposed.review_date)} is before the start date", WARNING)

    for key in ("annual_value", "total_value", "non_recoverable_vat"):
        money = read(key, read_money)
        if money:
            setattr(proposed, key, money.amount)
            if money.note:
                proposed.value_notes.append(f"{FIELDS[key][0]}: {money.note}")

    proposed.procurement_route = read_route(values.get("procurement_route"))
    proposed.is_light_touch = read("light_touch", read_yes_no)
    proposed.service_given = "service_category" in values
    proposed.service_category = read_service(text("service_category"), proposed.title, proposed.description)

    sme = read("sme", read_yes_no)
    vcse = read("vcse", read_yes_no)
    if "sme_vcse" in values:
        both = read("sme_vcse", read_sme_vcse)
        if both:
            sme = both[0] if sme is None else sme
            vcse = both[1] if vcse is None else vcse
    if text("provider"):
        proposed.provider = _organisation(
            "provider",
            text("provider"),
            context,
            problem,
            company_number=text("company_number"),
            charity_number=text("charity_number"),
            ppon_id=text("ppon_id"),
        )
        if proposed.provider:
            proposed.provider.is_sme, proposed.provider.is_vcse = sme, vcse
    if text("buyer"):
        proposed.buyer = _organisation("buyer", text("buyer"), context, problem)
    elif context.default_buyer:
        buyer = context.default_buyer
        proposed.buyer = OrganisationChoice(name=buyer.name, existing_pk=buyer.pk, matched_by="the team's buyer")
    else:
        problem("buyer", "No buyer is given, and the team has no contracts to take one from")
    if (
        proposed.buyer
        and proposed.provider
        and proposed.buyer.existing_pk
        and proposed.buyer.existing_pk == proposed.provider.existing_pk
    ):
        problem("provider", "The supplier must be a different organisation from the buyer")
    return proposed


def _organisation(key, name, context: Context, problem, **numbers) -> OrganisationChoice | None:
    found, how = context.organisations.match(name=name, **numbers)
    numbers = {k: v[:40] if k == "ppon_id" else v[:20] for k, v in numbers.items()}
    if found:
        return OrganisationChoice(name=found.name, existing_pk=found.pk, matched_by=how, **numbers)
    near = how
    choice = context.organisation_choices.get(name_key(name))
    if near and choice is None:
        names = " or ".join(f"'{o.name}'" for o in near)
        problem(key, f"{name} is not known, but looks like {names}: choose which, or add it as a new organisation")
        return OrganisationChoice(name=name[:255], near=near, **numbers)
    if choice and choice != "new":
        chosen = next((o for o in context.organisations.all if str(o.pk) == str(choice)), None)
        if chosen:
            return OrganisationChoice(name=chosen.name, existing_pk=chosen.pk, matched_by="your choice", **numbers)
    return OrganisationChoice(name=name[:255], **numbers)
