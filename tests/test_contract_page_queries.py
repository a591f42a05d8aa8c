"""A contract's page reads each thing it shows once (issue 24: 22 queries at 10,000 contracts)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import roles
from notices import services
from notices.models import Notice
from tests.factories import make_contract, make_cycle, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def test_the_contract_page_reads_its_replacing_cycles_and_whether_it_is_under_the_act_once(client):
    """The cycles replacing a contract were read twice (for the cover and for "Replaced by"), and
    whether it is under the Procurement Act asked two more queries about notices and duties
    the page had just listed."""
    team = make_team(name="Domestic abuse team")
    client.force_login(make_user(role=roles.OFFICER, teams=[team]))
    contract = make_contract(
        reference="IDVA-2026",
        team=team,
        start_date=date(2026, 7, 1),
        initial_term_months=24,
        option_months=(),
        total_value=Decimal("900000"),
        value_includes_vat=True,
    )
    Notice.objects.create(
        notice_type="UK4", fts_notice_id="030303-2026", published_at="2026-04-10T12:00:00Z"
    ).contracts.add(contract)
    services.duties_sync_for_contract(contract=contract)
    make_cycle(name="Refuges from 2028", team=team, stage="market_engagement", replaces=[contract])
    plain = make_contract(reference="PLAIN-1", team=team)

    client.get(contract.get_absolute_url())
    with CaptureQueriesContext(connection) as counted:
        page = client.get(contract.get_absolute_url()).content.decode()
    assert "Refuges from 2028" in page and 'id="contract-regime"' in page
    sql = [query["sql"] for query in counted]
    cycles = 'FROM "commissioning_commissioningcycle" INNER JOIN "commissioning_commissioningcycle_replaces"'
    assert sum(cycles in q for q in sql) == 1, sql
    assert not [q for q in sql if q.startswith('SELECT 1 AS "a" FROM "notices_')], sql
    # A contract with no notice and no duty under the Act is not classified.
    assert 'id="contract-regime"' not in client.get(plain.get_absolute_url()).content.decode()
