"""The sync's pure rules: windows, cursors, back-off and filters. No ORM, no network, no clock.

Neither platform filters by buyer or CPV code, so a run pages through every release updated in
a time window and chooses here what to keep:

1. releases whose buyer is one of the council's own organisations (by any identifier scheme)
   are imported, like an upload;
2. other buyers' releases that match an officer's watch (a CPV code or a keyword, within a
   region) go to the market page;
3. the rest are read and dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

# Identifier schemes the tracker holds on an organisation, and the field that holds each.
SCHEMES = {"GB-PPON": "ppon_id", "GB-COH": "company_number", "GB-CHC": "charity_number"}


def api_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC, as both platforms take it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def next_window(
    *, read_to: datetime | None, now: datetime, backfill_from: datetime, overlap: timedelta, longest: timedelta
) -> Window | None:
    """The next window to read, or None when the platform has been read up to ``now``.

    The window starts ``overlap`` before where the last one ended, so a release the platform
    dated late (or a page that moved across the boundary) is read again rather than missed;
    reading twice is harmless because releases are deduplicated on (OCID, release id). A long
    gap (a platform down for a day, a back-fill) is read in windows of at most ``longest``.
    """
    if read_to is None:
        start = backfill_from
    elif read_to >= now:
        return None
    else:
        start = read_to - overlap
    end = min(start + longest, now)
    if end <= start:
        return None
    return Window(start, end)


def cursor_from(package: dict) -> str:
    """The cursor for the next page, from the package's ``links.next`` ("" on the last page)."""
    links = package.get("links") if isinstance(package, dict) else None
    following = links.get("next") if isinstance(links, dict) else None
    if not isinstance(following, str) or not following:
        return ""
    cursors = parse_qs(urlsplit(following).query).get("cursor")
    return cursors[0] if cursors else ""


RETRIED = {429, 500, 502, 503, 504}


def retry_wait(
    *, status: int | None, retry_after: str | None, attempt: int, now: datetime, base: float = 2.0, cap: float = 300.0
) -> float | None:
    """Seconds to wait before trying again, or None when the answer should not be retried.

    ``status`` None means no answer (a timeout, a refused connection). A ``Retry-After`` in
    seconds or as an HTTP date is honoured (up to ``cap``); otherwise the wait doubles from
    ``base`` with each attempt, up to ``cap``.
    """
    if status is not None and status not in RETRIED:
        return None
    if retry_after:
        text = retry_after.strip()
        if text.isdigit():
            return min(float(text), cap)
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return min(max((when - now).total_seconds(), 0.0), cap)
    return min(base * (2 ** (attempt - 1)), cap)


# --- reading a release ------------------------------------------------------------------------


def norm(text: object) -> str:
    return re.sub(r"\s+", "", str(text)).upper() if text is not None else ""


def _identifiers_of(party: dict) -> set[tuple[str, str]]:
    found = set()
    for identifier in [party.get("identifier"), *(party.get("additionalIdentifiers") or [])]:
        if isinstance(identifier, dict) and identifier.get("scheme") and identifier.get("id"):
            found.add((norm(identifier["scheme"]), norm(identifier["id"])))
    party_id = party.get("id")
    if isinstance(party_id, str):
        for scheme in SCHEMES:
            if party_id.upper().startswith(scheme + "-"):
                found.add((scheme, norm(party_id[len(scheme) + 1 :])))
    return found


def buyer_identifiers(release: dict) -> set[tuple[str, str]]:
    """Every (scheme, id) naming the release's buyer: its party's identifier and additional ones."""
    buyer = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    buyer_id = buyer.get("id")
    found = _identifiers_of(buyer)
    for party in release.get("parties") or []:
        if not isinstance(party, dict):
            continue
        if (buyer_id and party.get("id") == buyer_id) or "buyer" in (party.get("roles") or []):
            found |= _identifiers_of(party)
    return found


def organisation_identifiers(**fields: str) -> set[tuple[str, str]]:
    """The (scheme, id) pairs of an organisation's ``ppon_id``, ``company_number``, ``charity_number``."""
    return {(scheme, norm(fields[name])) for scheme, name in SCHEMES.items() if fields.get(name)}


def _classifications(tender: dict):
    for holder in [tender, *(tender.get("items") or []), *(tender.get("lots") or [])]:
        if not isinstance(holder, dict):
            continue
        for value in [holder.get("classification"), *(holder.get("additionalClassifications") or [])]:
            if isinstance(value, dict) and norm(value.get("scheme")) == "CPV" and value.get("id"):
                yield str(value["id"]).split("-")[0].strip()


def cpv_codes(release: dict) -> list[str]:
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    return sorted(set(_classifications(tender)))


def regions(release: dict) -> list[str]:
    """NUTS/ITL codes of where the work is delivered (items' delivery addresses), else the buyer's."""
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    found = set()
    for item in tender.get("items") or []:
        for address in (item.get("deliveryAddresses") or []) if isinstance(item, dict) else []:
            if isinstance(address, dict) and address.get("region"):
                found.add(norm(address["region"]))
    if not found:
        for party in release.get("parties") or []:
            if isinstance(party, dict) and "buyer" in (party.get("roles") or []):
                address = party.get("address") if isinstance(party.get("address"), dict) else {}
                if address.get("region"):
                    found.add(norm(address["region"]))
    return sorted(found)


def split_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def cpv_family(code: str) -> str:
    """85312000 covers 85312xxx: the trailing zeros of a CPV code are its level."""
    digits = code.split("-")[0].strip()
    return digits.rstrip("0") or digits


def watch_matches(*, summary: dict, cpv: list[str], keywords: list[str], watched_regions: list[str]) -> bool:
    """A CPV code (or its family) or a keyword in the title or description, and, if regions are
    watched, a delivery region within one of them (UK covers every UK region)."""
    by_cpv = any(code.startswith(cpv_family(wanted)) for wanted in cpv for code in summary["cpv_codes"])
    text = f"{summary['title']} {summary['description']}".lower()
    by_word = any(word.lower() in text for word in keywords)
    if not (by_cpv or by_word):
        return False
    if not watched_regions:
        return True
    return any(region.startswith(norm(wanted)) for wanted in watched_regions for region in summary["regions"])


LONDON = ZoneInfo("Europe/London")


def _date(value: object) -> date | None:
    """The London day of an OCDS datetime (never the UTC date of a London midnight)."""
    moment = _moment(value)
    return moment.astimezone(LONDON).date() if moment else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stage(release: dict) -> str:
    tags = release.get("tag") or []
    for stage in ("contract", "award", "tender", "planning"):
        if any(isinstance(tag, str) and tag.startswith(stage) for tag in tags):
            return stage
    return "tender" if release.get("tender") else "planning"


def _notice_url(tender: dict, planning: dict) -> str:
    """The address of the newest published notice (its documents'), if it is a web address."""
    for holder in (tender, planning):
        for document in reversed(holder.get("documents") or []):
            url = document.get("url") if isinstance(document, dict) else None
            if isinstance(url, str) and url.startswith("https://") and len(url) <= 500 and not re.search(r"\s", url):
                return url
    return ""


def market_summary(release: dict) -> dict:
    """What the market page shows of another authority's release (dates in London are shown later)."""
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    value = tender.get("value") if isinstance(tender.get("value"), dict) else {}
    amount = None
    if value.get("amount") is not None:
        try:
            amount = Decimal(str(value["amount"]))
            if not amount.is_finite() or abs(amount) >= Decimal("1e14"):
                amount = None
        except InvalidOperation:
            amount = None
    period = tender.get("contractPeriod") if isinstance(tender.get("contractPeriod"), dict) else {}
    for lot in tender.get("lots") or []:
        if not period and isinstance(lot, dict) and isinstance(lot.get("contractPeriod"), dict):
            period = lot["contractPeriod"]
    for contract in release.get("contracts") or []:
        if isinstance(contract, dict) and isinstance(contract.get("period"), dict):
            period = contract["period"]
    tender_period = tender.get("tenderPeriod") if isinstance(tender.get("tenderPeriod"), dict) else {}
    buyer = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    planning = release.get("planning") if isinstance(release.get("planning"), dict) else {}
    return {
        "url": _notice_url(tender, planning),
        "title": str(tender.get("title") or release.get("title") or release.get("ocid") or "")[:500],
        "description": str(tender.get("description") or "")[:5000],
        "buyer_name": str(buyer.get("name") or "")[:255],
        "stage": _stage(release),
        "cpv_codes": cpv_codes(release),
        "regions": regions(release),
        "value": amount,
        "currency": str(value.get("currency") or "")[:3],
        "tender_ends": _moment(tender_period.get("endDate")),
        "contract_starts": _date(period.get("startDate")),
        "contract_ends": _date(period.get("endDate")),
        "released_at": _moment(release.get("date")),
    }
