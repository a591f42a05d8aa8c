"""The lists of the navigation that page through the whole service for an admin (Organisations,
Notices, Reports) read a page, not the service (issue 24).

1. No COUNT of every row when the page does not show the total: each list counted every
   organisation, notice or report it could page through on every request, and showed nothing
   of it.
2. The first page of Organisations (by name) and of Notices (newest first) is read in the
   list's order from an index, as at any size, rather than by sorting every row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import roles
from notices.models import Notice
from tests.factories import make_cycle, make_organisation, make_user

pytestmark = pytest.mark.django_db

LISTS = {
    "Organisations": ("contracts:organisation-list", "contracts_organisation"),
    "Notices": ("notices:list", "notices_notice"),
    "Reports": ("reports:list", "reports_decisionreport"),
}


@pytest.fixture
def service(client):
    admin = make_user(username="ada", role=roles.ADMIN)
    cycle = make_cycle()
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for number in range(60):
        make_organisation(name=f"Provider {number:03d}")
        Notice.objects.create(
            notice_type="UK2",
            fts_notice_id=f"{number:06d}-2026",
            published_at=start + timedelta(hours=number),
            cycle=cycle,
        )
    client.force_login(admin)
    return client


@pytest.mark.parametrize("label", list(LISTS))
def test_a_list_that_shows_no_total_counts_nothing(service, label):
    url_name, table = LISTS[label]
    service.get(reverse(url_name))
    with CaptureQueriesContext(connection) as queries:
        response = service.get(reverse(url_name))
    assert response.status_code == 200
    counted = [query["sql"] for query in queries if "COUNT(" in query["sql"] and table in query["sql"]]
    assert counted == [], f"{label} counted rows it does not show: {counted}"


@pytest.mark.parametrize("label", ["Organisations", "Notices"])
def test_the_first_page_is_read_in_order_from_an_index_not_sorted(service, label):
    url_name, table = LISTS[label]
    service.get(reverse(url_name))
    with CaptureQueriesContext(connection) as queries:
        service.get(reverse(url_name))
    [rows] = [query["sql"] for query in queries if f'FROM "{table}"' in query["sql"] and "ORDER BY" in query["sql"]]
    with connection.cursor() as cursor:
        # A sort is what PostgreSQL falls back to without an index in the list's order; with
        # sorting priced out, a plan that still sorts has no such index.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + rows)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SET LOCAL enable_sort = on")
    assert "Sort" not in plan, plan
