"""The Market page, officers' watches and the weekly email (issue 21)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contracts import roles
from notices.models import MarketNotice, MarketWatch
from notices.sync.market import market_emails_send
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def on_market(
    number: int, *, title: str, stage: str = "tender", cpv: str = "85312000", region: str = "UKF11", **fields
) -> MarketNotice:
    values = {
        "platform": "find-a-tender",
        "ocid": f"ocds-h6vhtk-{number:06d}",
        "release_id": f"r{number}",
        "released_at": datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
        "stage": stage,
        "title": title,
        "buyer_name": f"Other Council {number}",
        "cpv_codes": [cpv],
        "regions": [region],
        "value": Decimal(1250000),
        "currency": "GBP",
        **fields,
    }
    return MarketNotice.objects.create(**values)


def test_the_market_page_shows_watched_procurements_planned_open_and_ending_with_dates_in_words(client):
    officer = make_user(username="ayesha", role=roles.OFFICER)
    MarketWatch.objects.create(officer=officer, cpv_codes="85312000", keywords="domestic abuse", regions="UK")
    soon = timezone.now() + timedelta(days=30)
    on_market(
        1,
        title="Leicester refuge recommissioning",
        stage="planning",
        contract_ends=date.today() + timedelta(days=400),
        contract_starts=date(2025, 4, 1),
    )
    on_market(2, title="Domestic abuse outreach", stage="tender", cpv="85000000", tender_ends=soon)
    on_market(3, title="Road resurfacing", stage="tender", cpv="45233142", tender_ends=soon)
    client.force_login(officer)

    page = client.get(reverse("notices:market")).content.decode()

    assert "Leicester refuge recommissioning" in page and "Domestic abuse outreach" in page
    assert "Road resurfacing" not in page
    assert "£1,250,000" in page
    assert f"{timezone.localtime(soon):%-d %B %Y}" in page
    assert "1 April 2025 to" in page


def test_an_officer_adds_a_watch_and_bad_input_is_explained_and_saves_nothing(client):
    officer = make_user(username="ayesha", role=roles.OFFICER)
    client.force_login(officer)
    url = reverse("notices:market-watch-create")

    refused = client.post(url, {"cpv_codes": "8531", "keywords": "", "regions": "France"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "A CPV code is 8 digits" in text and "A region is a NUTS or ITL code" in text
    assert not MarketWatch.objects.exists()

    client.post(url, {"cpv_codes": "85312000", "keywords": "domestic abuse", "regions": "uk", "weekly_email": "on"})
    watch = MarketWatch.objects.get(officer=officer)
    assert (watch.cpv_codes, watch.keywords, watch.regions, watch.weekly_email) == (
        "85312000",
        "domestic abuse",
        "UK",
        True,
    )

    client.post(url, {"stop": str(watch.pk)})
    assert not MarketWatch.objects.exists()


def test_a_viewer_reads_the_market_but_cannot_watch_it(client):
    viewer = make_user(username="val", role=roles.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("notices:market")).status_code == 200
    assert client.post(reverse("notices:market-watch-create"), {"keywords": "refuge"}).status_code == 403
    assert not MarketWatch.objects.exists()


def test_one_officer_cannot_stop_another_officers_watch(client):
    owner, other = make_user(username="ayesha", role=roles.OFFICER), make_user(username="bilal", role=roles.OFFICER)
    watch = MarketWatch.objects.create(officer=owner, keywords="refuge")
    client.force_login(other)
    client.post(reverse("notices:market-watch-create"), {"stop": str(watch.pk)})
    assert MarketWatch.objects.filter(pk=watch.pk).exists()


def test_the_weekly_email_lists_new_matches_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer = make_user(username="ayesha", role=roles.OFFICER, email="ayesha@example.gov.uk")
    week_ago = timezone.now() - timedelta(days=7)
    MarketWatch.objects.create(officer=officer, keywords="refuge", regions="UKF", emailed_to=week_ago)
    on_market(
        1, title="Refuge for women and children", contract_ends=date(2030, 3, 31), contract_starts=date(2027, 4, 1)
    )
    on_market(2, title="Refuge in Kent", region="UKJ41")
    on_market(3, title="Road resurfacing", cpv="45233142")

    assert market_emails_send() == 1
    assert market_emails_send() == 0  # nothing new since: no second email

    [message] = mail.outbox
    assert message.to == ["ayesha@example.gov.uk"]
    assert message.subject == "Market: 1 new procurement you watch"
    assert "Refuge for women and children" in message.body and "1 April 2027 to 31 March 2030" in message.body
    assert "£1,250,000" in message.body
    assert "Kent" not in message.body and "Road" not in message.body


def test_with_no_watch_each_list_is_chosen_in_sql_as_the_python_rule_chose_it(django_assert_max_num_queries):
    """Issue 24: with no watch of their own, the page's three lists are chosen, ordered and capped
    in SQL; they are the lists the rule worked out in Python over every release before."""
    from notices.sync import market

    officer = make_user(username="ayesha", role=roles.OFFICER)
    today = timezone.localdate()
    now = timezone.now()
    base = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    for number in range(40):
        for release in range(number % 3 + 1):  # older releases of the same procurement are not shown
            on_market(
                number,
                title=f"Procurement {number} release {release}",
                stage=["planning", "tender", "award"][(number + release) % 3],
                release_id=f"r{number}-{release}",
                released_at=base + timedelta(days=release + number % 4),  # shared times
                tender_ends=None if number % 5 == 0 else now + timedelta(days=number % 6 - 2, hours=1),
                contract_ends=None if number % 7 == 0 else today + timedelta(days=200 * (number % 6) - 100),
            )

    def python_rule():
        recent = MarketNotice.objects.filter(contract_ends__gte=today) | MarketNotice.objects.filter(
            contract_ends__isnull=True
        )
        seen, notices = set(), []
        for notice in recent.order_by("ocid", "-released_at", "-pk"):
            if notice.ocid not in seen:
                seen.add(notice.ocid)
                notices.append(notice)
        planned = sorted((n for n in notices if n.stage == "planning"), key=lambda n: n.released_at, reverse=True)
        open_ = sorted(
            (n for n in notices if n.stage == "tender" and (n.tender_ends is None or n.tender_ends >= now)),
            key=lambda n: (n.tender_ends is None, n.tender_ends or now),
        )
        ending = sorted(
            (n for n in notices if n.contract_ends and n.contract_ends <= today + market.ENDING_WITHIN),
            key=lambda n: n.contract_ends,
        )
        return planned, open_, ending

    for limit in (200, 3):
        with django_assert_max_num_queries(4):
            found = market.market_for(officer, today=today, limit=limit)
        planned, open_, ending = python_rule()
        assert [n.pk for n in found.planned] == [n.pk for n in planned[:limit]]
        assert [n.pk for n in found.open] == [n.pk for n in open_[:limit]]
        assert [n.pk for n in found.ending] == [n.pk for n in ending[:limit]]
    assert planned and open_ and ending


def old_rule(watches, *, today, now, limit):
    """The page's three lists as ``market_for`` chose them in Python before issue 24's review:
    each procurement's latest release, matched to the watches by ``core.watch_matches``."""
    from notices.sync import core, market

    recent = MarketNotice.objects.filter(contract_ends__gte=today) | MarketNotice.objects.filter(
        contract_ends__isnull=True
    )
    seen, latest = set(), []
    for notice in recent.order_by("ocid", "-released_at", "-pk"):
        if notice.ocid not in seen:
            seen.add(notice.ocid)
            latest.append(notice)
    rows = [(core.split_list(w.cpv_codes), core.split_list(w.keywords), core.split_list(w.regions)) for w in watches]
    notices = [
        n
        for n in latest
        if any(
            core.watch_matches(
                summary={
                    "title": n.title,
                    "description": n.description,
                    "cpv_codes": n.cpv_codes,
                    "regions": n.regions,
                },
                cpv=cpv,
                keywords=words,
                watched_regions=places,
            )
            for cpv, words, places in rows
        )
    ]
    planned = sorted((n for n in notices if n.stage == "planning"), key=lambda n: n.released_at, reverse=True)
    open_ = sorted(
        (n for n in notices if n.stage == "tender" and (n.tender_ends is None or n.tender_ends >= now)),
        key=lambda n: (n.tender_ends is None, n.tender_ends or now),
    )
    ending = sorted(
        (n for n in notices if n.contract_ends and n.contract_ends <= today + market.ENDING_WITHIN),
        key=lambda n: n.contract_ends,
    )
    return [[n.pk for n in found[:limit]] for found in (planned, open_, ending)]


def a_varied_market(count: int) -> None:
    """``count`` procurements, some with older releases, whose CPV codes, delivery regions,
    titles and descriptions each watch below matches differently."""
    today, now = timezone.localdate(), timezone.now()
    base = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    codes = [["85312000"], ["85312300", "45233142"], ["45233142"], [], ["85000000"], ["8531200"], ["98000000"]]
    places = [["UKF11"], ["UKJ41", "UKC12"], [], ["UKF"], ["UKC1"], ["UK"], ["FRK2"]]
    titles = [
        "Refuge for women and children",
        "Road resurfacing",
        "DOMESTIC ABUSE outreach",
        "Community domestic",
        "Outreach and floating support",
        "Library services",
    ]
    descriptions = ["", "abuse support in the county", "A REFUGE in the north", "Domestic  abuse, two spaces"]
    for number in range(count):
        for release in range(number % 3 + 1):
            on_market(
                number,
                title=titles[(number + release) % len(titles)],
                description=descriptions[number % len(descriptions)],
                cpv_codes=codes[(number + release) % len(codes)],
                regions=places[number % len(places)],
                stage=["planning", "tender", "award"][(number + release) % 3],
                release_id=f"r{number}-{release}",
                released_at=base + timedelta(days=release + number % 4),
                tender_ends=None if number % 5 == 0 else now + timedelta(days=number % 6 - 2, hours=1),
                contract_ends=None if number % 7 == 0 else today + timedelta(days=200 * (number % 6) - 100),
            )


WATCHES = {
    "a CPV family within a region": [{"cpv_codes": "85312000", "regions": "UKF"}],
    "keywords anywhere": [{"keywords": "refuge, domestic abuse"}],
    "a code, a keyword and two regions": [{"cpv_codes": "85000000", "keywords": "Outreach", "regions": "UKJ, UKC1"}],
    "a code with its check digit, in the whole UK": [{"cpv_codes": "45233142-7", "regions": "UK"}],
    "a keyword across the title and description": [{"keywords": "domestic abuse"}],
    "several watches": [
        {"cpv_codes": "85312000", "regions": "UKF"},
        {"keywords": "library"},
        {"cpv_codes": "98000000, 45000000", "regions": "FRK"},
    ],
}


@pytest.mark.parametrize("case", list(WATCHES))
def test_a_watch_is_matched_in_sql_as_the_python_rule_matched_it(case):
    """Review of issue 24: an officer's watches are matched to the market's notices in SQL (CPV
    families, keywords in the title or description, delivery regions); the three lists are the
    ones ``core.watch_matches`` chose in Python over every notice before."""
    from notices.sync import market

    officer = make_user(username="ayesha", role=roles.OFFICER)
    watches = [MarketWatch.objects.create(officer=officer, **fields) for fields in WATCHES[case]]
    a_varied_market(42)
    today, now = timezone.localdate(), timezone.now()
    for limit in (200, 3):
        found = market.market_for(officer, today=today, limit=limit)
        expected = old_rule(watches, today=today, now=now, limit=limit)
        assert [[n.pk for n in found.planned], [n.pk for n in found.open], [n.pk for n in found.ending]] == expected
    assert any(expected), "the watch matched nothing: the comparison would prove little"


def test_an_officer_with_watches_has_only_the_rows_shown_read_from_the_database():
    """Review of issue 24: with watches, ``market_for`` read every procurement's latest release
    and matched it in Python, however many the market held; now it reads the rows it shows."""
    from django.db.models.signals import post_init

    from notices.sync import market

    officer = make_user(username="ayesha", role=roles.OFFICER)
    MarketWatch.objects.create(officer=officer, keywords="refuge, outreach, road, library, domestic")
    a_varied_market(60)
    read = []

    def count(sender, **kwargs):
        read.append(sender)

    post_init.connect(count, sender=MarketNotice)
    try:
        found = market.market_for(officer, today=timezone.localdate(), limit=5)
    finally:
        post_init.disconnect(count, sender=MarketNotice)
    assert [len(found.planned), len(found.open), len(found.ending)] == [5, 5, 5]
    # The 5 shown and one more, to know the list goes on, for each list.
    assert len(read) == 3 * 6, f"{len(read)} market notices read to show 5 in each of three lists"


def test_the_market_page_shows_the_first_of_each_list_and_links_to_each_in_full_in_pages(client):
    """Issue 24: the page showed up to 200 procurements in each list (600 rows, 270 KB for a busy
    market); it shows the first 20 of each and links to the list in full, 50 to a page."""
    from notices.sync.views import MARKET_PAGE_SIZE, MARKET_PREVIEW

    officer = make_user(username="ayesha", role=roles.OFFICER)
    MarketWatch.objects.create(officer=officer, keywords="refuge")
    base = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    count = MARKET_PAGE_SIZE + 5
    for number in range(count):
        on_market(number, title=f"Refuge {number:03d}", stage="planning", released_at=base - timedelta(hours=number))
    on_market(900, title="Refuge that is open", tender_ends=timezone.now() + timedelta(days=3))
    client.force_login(officer)

    page = client.get(reverse("notices:market")).content.decode()
    assert [f"Refuge {n:03d}" in page for n in range(MARKET_PREVIEW + 1)] == [True] * MARKET_PREVIEW + [False]
    assert "See all planned procurements" in page and f"{reverse('notices:market')}?list=planned" in page
    assert "Refuge that is open" in page and "See all open procurements" not in page

    first = client.get(reverse("notices:market"), {"list": "planned"}).content.decode()
    assert f"{count} in all" in first
    shown = [n for n in range(count) if f"Refuge {n:03d}<" in first]
    assert shown == list(range(MARKET_PAGE_SIZE))
    assert "Refuge that is open" not in first
    after = re.search(r'href="\?list=planned&amp;after=([^"]+)" rel="next"', first).group(1)
    second = client.get(reverse("notices:market"), {"list": "planned", "after": after}).content.decode()
    assert [n for n in range(count) if f"Refuge {n:03d}<" in second] == list(range(MARKET_PAGE_SIZE, count))
