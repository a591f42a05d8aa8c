"""Schemathesis against the schema the application serves, with a real token.

Every operation is called with generated parameters (good and bad ones), and then every record
the token may see is fetched once. The run fails if any response is a server error, has a
status code the schema does not list, is not the content type the schema says, or does not
match the schema's shape.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from access import policy
from access.policy import notices_visible_to
from api.services import api_token_create
from commissioning.models import Milestone
from contracts import roles
from contracts.models import Contract, ExtensionOption
from tests.factories import make_contract, make_cycle, make_milestone, make_organisation, make_team, make_user
from tests.ocds_helpers import MK_OCID, import_bytes, make_seed_buyers, mk_release

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def officer(db):
    """An officer of one team, with records of every kind in it, and another team's beside them."""
    ours, theirs = make_team(name="Domestic abuse team"), make_team(name="Another council's team")
    officer = make_user(username="olivia", first_name="Olivia", last_name="Okafor", role=roles.OFFICER, teams=[ours])
    running = make_contract(
        reference="DA-REFUGE",
        team=ours,
        start_date=date(2022, 4, 1),
        initial_term_months=36,
        option_months=(12, 12),
        option_statuses=(ExtensionOption.Status.EXERCISED, ExtensionOption.Status.AVAILABLE),
        annual_value=Decimal("125000.00"),
        total_value=Decimal("625000.50"),
        lead_officer=officer,
        max_extent_date=date(2027, 3, 31),
    )
    make_contract(reference="DA-IDVA", team=ours, provider=None, start_date=date(2028, 1, 31), initial_term_months=1)
    make_contract(
        reference="DA-ENDED",
        team=ours,
        start_date=date(2015, 1, 1),
        initial_term_months=24,
        terminated_on=date(2016, 6, 30),
        provider=make_organisation(name="Safe Homes"),
    )
    make_contract(
        reference="DA-SCOTLAND",
        team=ours,
        nation=Contract.Nation.SCOTLAND,
        date_signed=date(2027, 1, 15),
        procurement_route=Contract.ProcurementRoute.INVITATION_TO_QUOTE,
        non_recoverable_vat=Decimal("99.99"),
        review_date=date(2028, 1, 1),
        value_includes_vat=False,
        total_value=Decimal("90000"),
        provider=make_organisation(name="Small Steps", is_sme=True, is_vcse=True, charity_number="123"),
    )
    make_contract(reference="THEIRS-1", team=theirs)
    cycle = make_cycle(
        name="Refuge recommissioning",
        team=ours,
        replaces=[running],
        lead_officer=officer,
        target_start_date=date(2027, 4, 1),
        estimated_value=Decimal("700000"),
        estimated_value_includes_vat=False,
        direct_award=True,
        direct_award_justification="Schedule 5, urgency",
    )
    make_milestone(
        cycle=cycle,
        title="Provider event",
        due_at=datetime(2026, 11, 3, 10, 30, tzinfo=LONDON),
        ends_at=datetime(2026, 11, 3, 12, 0, tzinfo=LONDON),
        owner=officer,
    )
    # The seed Find a Tender release, imported onto this team's cycle: notices and milestones.
    cycle.ocid = MK_OCID
    cycle.save()
    make_seed_buyers()
    import_bytes(mk_release())
    make_cycle(name="Their cycle", team=theirs)
    assert notices_visible_to(officer).exists() and Milestone.objects.filter(cycle=cycle).exists()
    return officer


@pytest.fixture
def token(officer):
    return api_token_create(user=officer, name="Schemathesis")[1]


@pytest.fixture
def app():
    """Django's WSGI application, which keeps the test's database connection open between requests.

    Around each request Django closes a connection that is inside a transaction; the test's
    data lives in one, so (as Django's own test client does) the closing is turned off meanwhile.
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(app, token):
    return schemathesis.openapi.from_wsgi("/api/schema/", app, headers={"Authorization": f"Bearer {token}"})


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_the_schema_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_every_record_the_token_may_see_matches_the_schema(api_schema, token, officer):
    """Generated ids rarely hit a record; here each one is fetched, with every derived field."""
    records = {
        "/api/v1/contracts/{id}/": policy.contracts_visible_to(officer),
        "/api/v1/options/{id}/": ExtensionOption.objects.filter(contract__in=policy.contracts_visible_to(officer)),
        "/api/v1/cycles/{id}/": policy.cycles_visible_to(officer),
        "/api/v1/milestones/{id}/": policy.milestones_visible_to(officer),
        "/api/v1/notices/{id}/": notices_visible_to(officer),
    }
    headers = {"Authorization": f"Bearer {token}"}
    for path, queryset in records.items():
        ids = list(queryset.values_list("pk", flat=True))
        assert ids, path
        operation = api_schema[path]["GET"]
        for pk in ids:
            response = operation.Case(path_parameters={"id": pk}).call_and_validate(headers=headers, checks=CHECKS)
            assert response.status_code == 200, (path, pk)
    for path in ("/api/v1/contracts/", "/api/v1/milestones/", "/api/v1/notices/"):
        response = (
            api_schema[path]["GET"].Case(query={"page_size": 100}).call_and_validate(headers=headers, checks=CHECKS)
        )
        assert response.status_code == 200 and response.json()["results"], path
    theirs = Contract.objects.get(reference="THEIRS-1")
    response = (
        api_schema["/api/v1/contracts/{id}/"]["GET"]
        .Case(path_parameters={"id": theirs.pk})
        .call_and_validate(headers=headers, checks=CHECKS)
    )
    assert response.status_code == 404
