"""What every signed-in request costs before the page itself: the trivial page's queries (issue 24)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from contracts import roles
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="bench.urls")
@pytest.mark.parametrize("role", [roles.OFFICER, roles.ADMIN])
def test_a_signed_in_request_costs_three_queries(client, role):
    client.force_login(make_user(role=role))
    client.get("/bench/trivial/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bench/trivial/")
    assert response.content == b"ok"
    # The session, the person, and whether they have a two-step app: "last seen" is not saved
    # on every request, and both kinds of device are asked about in one query.
    assert len(queries) == 3, "\n".join(query["sql"][:200] for query in queries)
