"""Reading the API: the register's filters and order, pages, the dates it derives, and teams."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from api.services import api_token_create
from commissioning.models import Milestone
from contracts import roles
from contracts.models import Contract, ExtensionOption, ServiceCategory
from tests.conftest import Dates
from tests.factories import make_contract, make_cycle, make_milestone, make_organisation, make_team, make_user
from tests.ocds_helpers import MK_OCID, import_bytes, make_seed_buyers, mk_release

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

EXERCISED, AVAILABLE = ExtensionOption.Status.EXERCISED, ExtensionOption.Status.AVAILABLE


@pytest.fixture
def teams():
    return make_team(name="Domestic abuse team"), make_team(name="Another team")


def reader(client, team, role=roles.VIEWER):
    """A person of ``team`` reading through a token, as a script would."""
    user = make_user(role=role, teams=[team])
    _, key = api_token_create(user=user, name="Script")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return user


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def test_a_viewer_reads_a_contract_with_its_derived_dates_and_options(client, teams):
    ours, _ = teams
    contract = make_contract(
        reference="MK-DASS",
        team=ours,
        start_date=date(2025, 3, 1),
        initial_term_months=36,
        option_months=(12, 24),
        option_statuses=(EXERCISED, AVAILABLE),
        annual_value=Decimal("125000"),
        total_value=Decimal("612500.50"),
    )
    reader(client, ours)

    body = client.get(f"/api/v1/contracts/{contract.pk}/").json()

    assert body["reference"] == "MK-DASS"
    assert body["status"] == "active"
    assert body["start_date"] == "2025-03-01"
    assert body["initial_end_date"] == "2028-02-29"
    assert body["current_end_date"] == "2029-02-28"
    assert body["max_extent_date"] is None
    assert body["effective_max_extent_date"] == "2031-02-28"
    assert body["days_to_end"] == (date(2029, 2, 28) - date(2026, 11, 22)).days
    assert body["options_left"] == 1
    assert (body["annual_value"], body["total_value"]) == ("125000.00", "612500.50")
    assert body["team"] == {"id": ours.pk, "name": "Domestic abuse team"}
    assert [(o["sequence"], o["status"], o["period_start"], o["period_end"]) for o in body["options"]] == [
        (1, "exercised", "2028-03-01", "2029-02-28"),
        (2, "available", "2029-03-01", "2031-02-28"),
    ]
    assert body["page"] == f"http://testserver{reverse('contracts:detail', args=[contract.pk])}"


REGISTER_QUERIES = [
    "",
    "status=active",
    "status=planned",
    "service=refuge",
    "ending_within=12",
    "q=refuge",
    "sort=reference&order=desc",
    "sort=provider",
    "sort=options&order=desc",
    "status=active&service=crisis_intervention",
]


@pytest.mark.parametrize("query", REGISTER_QUERIES)
def test_the_contracts_list_filters_and_sorts_exactly_as_the_register_does(client, teams, query):
    ours, theirs = teams
    make_contract(
        reference="A-REFUGE",
        title="Refuge",
        team=ours,
        start_date=date(2024, 4, 1),
        initial_term_months=36,
        service_category=ServiceCategory.REFUGE,
        provider=make_organisation(name="Zeta Homes"),
    )
    make_contract(
        reference="B-IDVA",
        title="IDVA service",
        team=ours,
        start_date=date(2026, 1, 1),
        initial_term_months=12,
        service_category=ServiceCategory.CRISIS_INTERVENTION,
        option_months=(),
    )
    make_contract(
        reference="C-PLANNED",
        title="Refuge two",
        team=ours,
        start_date=date(2027, 6, 1),
        service_category=ServiceCategory.REFUGE,
        provider=make_organisation(name="Alpha Housing"),
    )
    make_contract(reference="D-ENDED", team=ours, start_date=date(2015, 1, 1), initial_term_months=24, option_months=())
    make_contract(reference="THEIRS", title="Refuge", team=theirs, start_date=date(2024, 4, 1))
    user = reader(client, ours)

    api = references(client.get(f"/api/v1/contracts/?{query}"))

    client.force_login(user)
    register = client.get(f"{reverse('contracts:register')}?{query}").context["page"].object_list
    assert api == [contract.reference for contract in register]
    assert "THEIRS" not in api


def test_the_team_and_provider_filters_take_ids(client, teams):
    ours, _ = teams
    other_team = make_team(name="Second team of ours")
    provider = make_organisation(name="Safe Lives")
    make_contract(reference="OURS-1", team=ours, provider=provider)
    make_contract(reference="OURS-2", team=other_team)
    user = reader(client, ours)
    other_team.members.add(user)

    assert references(client.get(f"/api/v1/contracts/?team={other_team.pk}")) == ["OURS-2"]
    assert references(client.get(f"/api/v1/contracts/?provider={provider.pk}")) == ["OURS-1"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=soon", "status"),
        ("ending_within=5", "ending_within"),
        ("provider=not-a-number", "provider"),
        ("sort=colour", "sort"),
        ("order=sideways", "order"),
    ],
)
def test_a_filter_the_api_cannot_read_answers_400_naming_it(client, teams, query, field):
    reader(client, teams[0])
    response = client.get(f"/api/v1/contracts/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]


def test_another_teams_id_as_a_filter_is_refused_like_any_unknown_team(client, teams):
    ours, theirs = teams
    reader(client, ours)
    unknown = client.get("/api/v1/contracts/?team=999999").json()
    assert client.get(f"/api/v1/contracts/?team={theirs.pk}").json() == unknown
    assert list(unknown) == ["team"]


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/milestones/?due_after=next-week", "due_after"),
        ("/api/v1/milestones/?kind=party", "kind"),
        ("/api/v1/options/?contract=abc", "contract"),
        ("/api/v1/cycles/?stage=dreaming", "stage"),
        ("/api/v1/notices/?notice_type=UK99", "notice_type"),
    ],
)
def test_the_other_lists_refuse_bad_filters_with_400_too(client, teams, url, field):
    reader(client, teams[0])
    response = client.get(url)
    assert response.status_code == 400 and list(response.json()) == [field]


def test_lists_come_in_pages_of_at_most_100(client, teams):
    ours, _ = teams
    for number in range(5):
        make_contract(reference=f"P-{number}", team=ours, option_months=())
    reader(client, ours)

    first = client.get("/api/v1/contracts/?page_size=2&sort=reference").json()
    assert first["count"] == 5
    assert [row["reference"] for row in first["results"]] == ["P-0", "P-1"]
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/contracts/?page=2&page_size=2&sort=reference")
    last = client.get("/api/v1/contracts/?page_size=2&sort=reference&page=3").json()
    assert [row["reference"] for row in last["results"]] == ["P-4"] and last["next"] is None
    assert len(client.get("/api/v1/contracts/?page_size=1000").json()["results"]) == 5  # capped at 100, all fit

    past = client.get("/api/v1/contracts/?page=4&page_size=2")
    assert past.status_code == 404 and "detail" in past.json()


def test_the_default_page_holds_25_and_the_largest_100(client, teams):
    ours, _ = teams
    contract = make_contract(team=ours, option_months=())
    Milestone.objects.bulk_create(
        [Milestone(contract=contract, title=f"M{n}", due_on=date(2027, 1, 1)) for n in range(120)]
    )
    reader(client, ours)
    assert len(client.get("/api/v1/milestones/").json()["results"]) == 25
    assert len(client.get("/api/v1/milestones/?page_size=500").json()["results"]) == 100


def test_another_teams_records_are_absent_from_every_list_and_not_found_alone(client, teams):
    ours, theirs = teams
    their_contract = make_contract(reference="THEIRS-1", team=theirs)
    their_cycle = make_cycle(name="Their cycle", team=theirs, ocid=MK_OCID)
    their_milestone = make_milestone(contract=their_contract, title="Their deadline")
    make_seed_buyers()
    import_bytes(mk_release())  # notices on their cycle
    make_contract(reference="OURS-1", team=ours)
    reader(client, ours, role=roles.MANAGER)

    from notices.models import Notice

    their_notice = Notice.objects.filter(cycle=their_cycle).first()
    assert their_notice is not None
    for kind, record in [
        ("contracts", their_contract),
        ("options", their_contract.options.first()),
        ("cycles", their_cycle),
        ("milestones", their_milestone),
        ("notices", their_notice),
    ]:
        listed = client.get(f"/api/v1/{kind}/?page_size=100").json()["results"]
        assert record.pk not in [row["id"] for row in listed], kind
        assert client.get(f"/api/v1/{kind}/{record.pk}/").status_code == 404, kind
    assert "THEIRS-1" not in client.get("/api/v1/options/").content.decode()


def test_a_cycle_lists_only_the_replaced_contracts_the_reader_may_see(client, teams):
    ours, theirs = teams
    mine, hidden = make_contract(team=ours), make_contract(team=theirs)
    cycle = make_cycle(team=ours, replaces=[mine, hidden])
    reader(client, ours)
    assert client.get(f"/api/v1/cycles/{cycle.pk}/").json()["replaces"] == [mine.pk]


def test_milestones_filter_by_contract_and_due_date(client, teams):
    ours, _ = teams
    contract = make_contract(team=ours, option_months=())
    make_milestone(contract=contract, title="Early", due_on=date(2027, 1, 10))
    make_milestone(contract=contract, title="Late", due_on=date(2027, 6, 10))
    reader(client, ours)
    rows = client.get(
        f"/api/v1/milestones/?contract={contract.pk}&kind=other&due_after=2027-01-01&due_before=2027-03-31"
    ).json()
    assert [row["title"] for row in rows["results"]] == ["Early"]


def test_someone_signed_in_reads_the_api_with_their_session(client, teams):
    ours, _ = teams
    make_contract(reference="OURS-1", team=ours)
    client.force_login(make_user(role=roles.VIEWER, teams=[ours]))
    assert references(client.get("/api/v1/contracts/")) == ["OURS-1"]


def test_someone_without_a_role_is_refused_with_403(client, teams):
    reader(client, teams[0], role=None)
    response = client.get("/api/v1/contracts/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not let you read these records"}


def test_nothing_can_be_changed_through_the_api(client, teams):
    ours, _ = teams
    contract = make_contract(team=ours)
    reader(client, ours, role=roles.MANAGER)
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(f"/api/v1/contracts/{contract.pk}/", {}, content_type="application/json").status_code == 405
    assert client.post("/api/v1/contracts/", {}, content_type="application/json").status_code == 405


def test_the_openapi_schema_is_served_to_token_holders_only(client, teams):
    assert client.get("/api/schema/").status_code == 401
    reader(client, teams[0])
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/contracts/", "/api/v1/contracts/{id}/", "/api/v1/notices/"} <= set(schema["paths"])


def test_an_address_under_api_that_does_not_exist_answers_json_404(client, teams):
    reader(client, teams[0])
    for url in ("/api/v1/contract/", "/api/v1/contracts", "/api/v1/contracts/1/extra/"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["detail"], url
    assert client.get("/api/v1/contracts/not-an-id/").status_code == 404


KINDS = ["contracts", "options", "cycles", "milestones", "notices"]


@pytest.fixture(scope="module")
def queries_for_2_records_and_12(module_transaction) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    """Each list's (status, queries) with 2 records of each kind and then with 12. The records
    are built once for the module, not once a list: every list is read at 2, then 10 more are
    added and every list is read again. The test below checks the counts."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from notices.models import Notice

    with time_machine.travel(Dates().now, tick=False):
        ours = make_team(name="Domestic abuse team")
        officer = make_user(role=roles.OFFICER, teams=[ours])

        def add_records(count):
            for _ in range(count):
                # The same OCID on both: a contract's Procurement Act regime reads its cycle's notices.
                ocid = f"ocds-h6vhtk-{Contract.objects.count():06d}"
                contract = make_contract(team=ours, lead_officer=officer, ocid=ocid, total_value=Decimal("250000"))
                cycle = make_cycle(team=ours, replaces=[contract], lead_officer=officer, ocid=ocid, direct_award=True)
                make_milestone(contract=contract, owner=officer)
                notice = Notice.objects.create(notice_type="UK4", published_at="2026-01-01T09:00:00Z", cycle=cycle)
                notice.contracts.add(contract)

        client = Client()
        reader(client, ours)
        counts = {kind: [] for kind in KINDS}
        for count in (2, 10):
            add_records(count)
            for kind in KINDS:
                with CaptureQueriesContext(connection) as queries:
                    status = client.get(f"/api/v1/{kind}/?page_size=100").status_code
                counts[kind].append((status, len(queries)))
    return {kind: tuple(counted) for kind, counted in counts.items()}


@pytest.mark.xdist_group("api_list_queries")  # one worker builds the records once (--dist loadgroup)
@pytest.mark.parametrize("kind", KINDS)
def test_a_list_costs_the_same_number_of_queries_for_2_records_or_12(queries_for_2_records_and_12, kind):
    (small_status, small), (large_status, large) = queries_for_2_records_and_12[kind]
    assert small_status == large_status == 200
    counts = [small, large]
    assert counts[0] == counts[1], counts
