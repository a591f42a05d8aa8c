"""The market: other authorities' procurements an officer watches, and the weekly email.

Reads (``market_for``) and writes (``market_watch_add``, ``market_watch_stop``,
``market_emails_send``) for the Market page and beat's Monday job. A market notice is never a
cycle or a contract of the council's: it is kept in ``MarketNotice`` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat, Lower
from django.db.models.lookups import Contains
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from common.keyset import Key

from . import core
from .models import MarketNotice, MarketWatch

CPV = re.compile(r"^\d{8}(-\d)?$")
REGION = re.compile(r"^UK[A-Z0-9]{0,3}$")
# Contracts ending within this are shown: a recommissioning takes a year or more.
ENDING_WITHIN = timedelta(days=2 * 366)


def market_watch_add(*, officer, cpv_codes: str, keywords: str, regions: str, weekly_email: bool = True) -> MarketWatch:
    """Add a watch; raises ValidationError (by field) and saves nothing if it is not usable."""
    errors = {}
    codes, words, places = (
        core.split_list(cpv_codes),
        core.split_list(keywords),
        [r.upper() for r in core.split_list(regions)],
    )
    if not codes and not words:
        errors["cpv_codes"] = "Give at least one CPV code or one keyword"
    bad = [code for code in codes if not CPV.match(code)]
    if bad:
        errors["cpv_codes"] = f"A CPV code is 8 digits, for example 85312000: check {', '.join(bad)}"
    bad = [place for place in places if not REGION.match(place)]
    if bad:
        errors["regions"] = f"A region is a NUTS or ITL code starting UK, for example UK or UKJ: check {', '.join(bad)}"
    if any(len(word) < 3 for word in words):
        errors["keywords"] = "Each keyword needs at least 3 letters"
    if errors:
        raise ValidationError(errors)
    return MarketWatch.objects.create(
        officer=officer,
        cpv_codes=", ".join(codes),
        keywords=", ".join(words),
        regions=", ".join(places),
        weekly_email=weekly_email,
        emailed_to=timezone.now(),
    )


def market_watch_stop(*, officer, watch_id: int) -> bool:
    """Stop one of the officer's own watches (another person's is not found)."""
    return MarketWatch.objects.filter(pk=watch_id, officer=officer).delete()[0] > 0


class AnyElementStartsWith(Func):
    """True when an element of a JSON list of strings (``cpv_codes``, ``regions``) starts with
    one of ``prefixes``, case as given: ``str.startswith`` of ``core.watch_matches`` over a
    list, in SQL. The list's elements are read with PostgreSQL's ``jsonb_array_elements_text``
    or SQLite's ``json_each`` (``make run``), so the match is exact whatever the codes hold."""

    output_field = BooleanField()

    def __init__(self, json_field: str, prefixes: list[str]):
        if not prefixes:
            raise ValueError("no prefix to match")
        self.prefixes = list(prefixes)
        super().__init__(F(json_field))

    def _exists(self, compiler, elements: str):
        column, params = compiler.compile(self.source_expressions[0])
        tests = " OR ".join("substr(element.value, 1, %s) = %s" for _ in self.prefixes)
        sql = f"EXISTS (SELECT 1 FROM {elements.format(column=column)} WHERE {tests})"
        return sql, (*params, *(part for prefix in self.prefixes for part in (len(prefix), prefix)))

    def as_sql(self, compiler, connection, **extra_context):
        return self._exists(compiler, "json_each({column}) AS element")

    def as_postgresql(self, compiler, connection, **extra_context):
        return self._exists(compiler, "jsonb_array_elements_text({column}) AS element(value)")


def watch_condition(watch: MarketWatch) -> Q:
    """The notices one watch matches, as ``core.watch_matches`` decides it, as a condition for
    SQL: a CPV code of the watch's families or a keyword in the title or description, and, if
    the watch names regions, a delivery region within one of them."""
    cpv, words, places = (
        core.split_list(watch.cpv_codes),
        core.split_list(watch.keywords),
        core.split_list(watch.regions),
    )
    found = Q(pk__in=[])
    if cpv:
        found |= Q(AnyElementStartsWith("cpv_codes", [core.cpv_family(code) for code in cpv]))
    if words:
        text = Lower(Concat("title", Value(" "), "description", output_field=TextField()))
        for word in words:
            found |= Q(Contains(text, word.lower()))
    if places:
        found &= Q(AnyElementStartsWith("regions", [core.norm(place) for place in places]))
    return found


def watched(watches) -> Q:
    """The notices any of ``watches`` matches (none if there is no watch)."""
    found = Q(pk__in=[])
    for watch in watches:
        found |= watch_condition(watch)
    return found


@dataclass(frozen=True)
class MarketList:
    name: str
    heading: str
    caption: str
    empty: str
    more: str
    notices: QuerySet
    keys: list[Key]


@dataclass
class Market:
    planned: list[MarketNotice]
    open: list[MarketNotice]
    ending: list[MarketNotice]
    watches: list[MarketWatch]
    # The lists with more rows than were read (the page links to each in full).
    more: frozenset[str] = frozenset()
    lists: dict[str, MarketList] = field(default_factory=dict)

    def sections(self) -> list[tuple[MarketList, list[MarketNotice], bool]]:
        """Each list, the rows read of it, and whether it has more, in the page's order."""
        rows = {"planned": self.planned, "open": self.open, "ending": self.ending}
        return [(found, rows[name], name in self.more) for name, found in self.lists.items()]


def _latest_per_procurement(queryset):
    """A procurement's newest release speaks for it (older ones are kept, not shown): chosen in
    SQL, not by reading every release, as the releases of ``queryset`` with no newer one of the
    same OCID among them (portable SQL: ``make run`` serves the Market page from SQLite).
    Filters added later narrow the rows shown, not the releases that may be newer, so PostgreSQL
    can apply them first and look for a newer release of the few rows left by the OCID index."""
    newer = queryset.filter(ocid=OuterRef("ocid")).filter(
        Q(released_at__gt=OuterRef("released_at")) | Q(released_at=OuterRef("released_at"), pk__gt=OuterRef("pk"))
    )
    return queryset.exclude(Exists(newer)).order_by("ocid")


def market_lists(user, *, today: date) -> tuple[dict[str, MarketList], list[MarketWatch]]:
    """The Market page's three lists for a person: the latest release of each procurement their
    watches match (everyone's watches if they have none), as planned, open and contracts
    ending, each with its order (ties in procurement order), unread."""
    watches = list(MarketWatch.objects.filter(officer=user)) if user.is_authenticated else []
    recent = MarketNotice.objects.filter(Q(contract_ends__gte=today) | Q(contract_ends__isnull=True))
    shown = _latest_per_procurement(recent)
    if watches:
        shown = shown.filter(watched(watches))
    now = timezone.now()
    is_open = Q(stage=MarketNotice.Stage.TENDER) & (Q(tender_ends__isnull=True) | Q(tender_ends__gte=now))
    is_ending = Q(contract_ends__isnull=False, contract_ends__lte=today + ENDING_WITHIN)
    lists = [
        MarketList(
            "planned",
            "Planned",
            "Planned procurements, newest first",
            "No planned procurements.",
            "See all planned procurements",
            shown.filter(stage=MarketNotice.Stage.PLANNING),
            [Key("released_at", descending=True), Key("ocid")],
        ),
        MarketList(
            "open",
            "Open for tenders",
            "Open procurements, closing soonest first",
            "No open procurements.",
            "See all open procurements",
            shown.filter(is_open),
            [Key("tender_ends", nullable=True), Key("ocid")],
        ),
        MarketList(
            "ending",
            "Contracts ending in the next two years",
            "Contracts ending, soonest first",
            "No contracts ending.",
            "See all contracts ending in the next two years",
            shown.filter(is_ending),
            [Key("contract_ends"), Key("ocid")],
        ),
    ]
    return {found.name: found for found in lists}, watches


def market_preview(lists: dict[str, MarketList], watches: list[MarketWatch], *, limit: int) -> Market:
    """The first ``limit`` rows of each of ``lists``, read in SQL in their order."""
    read = {
        name: list(found.notices.order_by(*(key.order() for key in found.keys))[: limit + 1])
        for name, found in lists.items()
    }
    return Market(
        read["planned"][:limit],
        read["open"][:limit],
        read["ending"][:limit],
        watches,
        frozenset(name for name, rows in read.items() if len(rows) > limit),
        lists,
    )


def market_for(user, *, today: date, limit: int = 200) -> Market:
    """What the Market page shows a person: the first ``limit`` of each of ``market_lists``,
    chosen, matched to the watches, ordered and capped in SQL."""
    lists, watches = market_lists(user, today=today)
    return market_preview(lists, watches, limit=limit)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def market_emails_send(*, now: datetime | None = None) -> int:
    """Each officer with a weekly-email watch hears once of the market notices first seen since
    their last email that match it.

    1. For each watch, the notices first seen after ``emailed_to`` that it matches.
    2. One email per officer (all their watches together), only when there is something new.
    3. Move ``emailed_to`` with a conditional update, so a second run at the same moment
       (beat delivering twice) finds nothing new and sends nothing.
    """
    now = now or timezone.now()
    sent = 0
    by_officer: dict[int, list[MarketWatch]] = {}
    for watch in MarketWatch.objects.filter(weekly_email=True).select_related("officer").order_by("officer_id", "pk"):
        if watch.officer.is_active and watch.officer.email:
            by_officer.setdefault(watch.officer_id, []).append(watch)
    for watches in by_officer.values():
        officer = watches[0].officer
        new: dict[int, MarketNotice] = {}
        claimed = []
        for watch in watches:
            since = watch.emailed_to or watch.created_at
            if MarketWatch.objects.filter(pk=watch.pk, emailed_to=watch.emailed_to).update(emailed_to=now) != 1:
                continue  # another run has this watch
            claimed.append(watch)
            fresh = MarketNotice.objects.filter(first_seen_at__gt=since, first_seen_at__lte=now)
            for notice in _latest_per_procurement(fresh).filter(watch_condition(watch)):
                new[notice.pk] = notice
        if not claimed or not new:
            continue
        notices = sorted(new.values(), key=lambda n: n.released_at, reverse=True)
        context = {"officer": officer, "notices": notices, "market_url": _absolute(reverse("notices:market"))}
        count = len(notices)
        message = EmailMultiAlternatives(
            subject=f"Market: {count} new procurement{'s' if count != 1 else ''} you watch",
            body=render_to_string("notices/market_email.txt", context),
            to=[officer.email],
        )
        message.attach_alternative(render_to_string("notices/market_email.html", context), "text/html")
        message.send()
        sent += 1
    return sent
