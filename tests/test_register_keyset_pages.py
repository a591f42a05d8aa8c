"""The register pages with keyset pagination (issue 24): Next, Previous and Last walk every
contract once, in order, whatever the sort, with no OFFSET in the SQL."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import roles
from tests.factories import make_contract, make_organisation, make_team, make_user

# One worker builds the module's 60 contracts once (--dist loadgroup), not each worker its own copy.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("register_keyset_pages")]

REFERENCE = re.compile(r'<a class="govuk-link" href="/contracts/\d+/">([^<]+)</a>')


def references(page: str) -> list[str]:
    return REFERENCE.findall(page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    # The links keep the page's own address: only the query changes.
    return reverse("contracts:register") + html.unescape(found.group(1)) if found else None


@pytest.fixture(scope="module")
def officer_with_60_contracts(module_transaction):
    """Built once for the module: its tests only read the contracts."""
    team = make_team()
    providers = [make_organisation(name=f"Provider {letter}") for letter in "BAC"]
    for number in range(60):
        # Three providers and no provider at all: many ties on the provider's name, and NULLs.
        provider = None if number % 4 == 3 else providers[number % 3]
        make_contract(reference=f"K-{number:02d}", team=team, provider=provider, option_months=())
    return make_user(role=roles.OFFICER, teams=[team])


@pytest.mark.parametrize("sort", ["provider", "reference", "end", "options"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_next_then_previous_walk_every_contract_once_in_order(client, officer_with_60_contracts, sort, order):
    client.force_login(officer_with_60_contracts)
    address = reverse("contracts:register") + f"?sort={sort}&order={order}"
    pages, seen = [], []
    while address:
        page = client.get(address).content.decode()
        pages.append(references(page))
        seen += references(page)
        address = link(page, "next")
    assert [len(rows) for rows in pages] == [25, 25, 10]
    assert sorted(seen) == [f"K-{number:02d}" for number in range(60)]
    # The last page is the last 25 (a keyset page starts after a row, not at a page number);
    # Previous from it gives the 25 before those, in the same order as walking forwards.
    last = client.get(reverse("contracts:register") + f"?sort={sort}&order={order}&last=1").content.decode()
    assert references(last) == seen[-25:]
    assert link(last, "next") is None
    assert references(client.get(link(last, "prev")).content.decode()) == seen[-50:-25]


def test_the_last_page_is_read_without_offset(client, officer_with_60_contracts):
    client.force_login(officer_with_60_contracts)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("contracts:register"), {"last": "1"}).content.decode()
    assert len(references(page)) == 25
    assert not [query["sql"] for query in queries if "OFFSET" in query["sql"]]


def test_a_hand_edited_cursor_gives_the_first_page(client, officer_with_60_contracts):
    client.force_login(officer_with_60_contracts)
    first = references(client.get(reverse("contracts:register")).content.decode())
    assert references(client.get(reverse("contracts:register"), {"after": "not-a-cursor"}).content.decode()) == first
