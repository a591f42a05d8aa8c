"""The market: other authorities' procurements an officer watches, and the weekly email.

Reads (``market_for``) and writes (``market_watch_add``, ``market_watch_stop``,
``market_emails_send``) for the Market page and beat's Monday job. A market notice is never a
cycle or a contract of the council's: it is kept in ``MarketNotice`` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

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


def matching(notices, watches) -> list[MarketNotice]:
    rows = [(core.split_list(w.cpv_codes), core.split_list(w.keywords), core.split_list(w.regions)) for w in watches]
    return [
        notice
        for notice in notices
        if any(core.watch_matches(summary=_summary(notice), cpv=c, keywords=k, watched_regions=r) for c, k, r in rows)
    ]


def _summary(notice: MarketNotice) -> dict:
    return {
        "title": notice.title,
        "description": notice.description,
        "cpv_codes": notice.cpv_codes,
        "regions": notice.regions,
    }


@dataclass
class Market:
    planned: list[MarketNotice]
    open: list[MarketNotice]
    ending: list[MarketNotice]
    watches: list[MarketWatch]


def _latest_per_procurement(queryset):
    """A procurement's newest release speaks for it (older ones are kept, not shown): chosen in
    SQL (PostgreSQL's DISTINCT ON), not by reading every release."""
    return queryset.order_by("ocid", "-released_at", "-pk").distinct("ocid")


def market_for(user, *, today: date, limit: int = 200) -> Market:
    """What the Market page shows a person: the notices their watches match (everyone's
    watches if they have none), as planned, open and contracts ending."""
    watches = list(MarketWatch.objects.filter(officer=user)) if user.is_authenticated else []
    recent = MarketNotice.objects.filter(Q(contract_ends__gte=today) | Q(contract_ends__isnull=True))
    latest = _latest_per_procurement(recent)
    now = timezone.now()
    is_open = Q(stage=MarketNotice.Stage.TENDER) & (Q(tender_ends__isnull=True) | Q(tender_ends__gte=now))
    is_ending = Q(contract_ends__isnull=False, contract_ends__lte=today + ENDING_WITHIN)
    if not watches:
        # Each list chosen, ordered and capped in SQL (ties in procurement order, as before).
        shown = MarketNotice.objects.filter(pk__in=latest.values("pk"))
        return Market(
            list(shown.filter(stage=MarketNotice.Stage.PLANNING).order_by("-released_at", "ocid")[:limit]),
            list(shown.filter(is_open).order_by(F("tender_ends").asc(nulls_last=True), "ocid")[:limit]),
            list(shown.filter(is_ending).order_by("contract_ends", "ocid")[:limit]),
            watches,
        )
    # A watch's match (CPV families, keywords, regions: core.watch_matches) is worked out here.
    notices = matching(latest, watches)
    planned = sorted(
        (n for n in notices if n.stage == MarketNotice.Stage.PLANNING), key=lambda n: n.released_at, reverse=True
    )
    open_ = sorted(
        (
            n
            for n in notices
            if n.stage == MarketNotice.Stage.TENDER and (n.tender_ends is None or n.tender_ends >= now)
        ),
        key=lambda n: (n.tender_ends is None, n.tender_ends or now),
    )
    ending = sorted(
        (n for n in notices if n.contract_ends and n.contract_ends <= today + ENDING_WITHIN),
        key=lambda n: n.contract_ends,
    )
    return Market(planned[:limit], open_[:limit], ending[:limit], watches)


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
            for notice in matching(_latest_per_procurement(fresh), [watch]):
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
