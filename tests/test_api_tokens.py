"""API tokens: created on a page that shows the key once, revoked by their owner alone."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from access.audit import audit_rows
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from contracts import roles
from tests.factories import make_contract, make_team, make_user

pytestmark = pytest.mark.django_db

CONTRACTS = "/api/v1/contracts/"


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def create_through_the_page(client, name="Finance dashboard", lifetime="90") -> tuple[str, str]:
    response = client.post(reverse("api:token-create"), {"name": name, "lifetime": lifetime})
    assert response.status_code == 200
    page = response.content.decode()
    key = re.search(r'id="api-key"[^>]*value="([^"]+)"', page).group(1)
    return key, page


def test_an_officer_creates_a_token_and_sees_its_key_once(client):
    officer = make_user(role=roles.OFFICER, teams=[make_team()])
    client.force_login(officer)

    key, page = create_through_the_page(client)

    assert "Copy the key now. You will not be able to see it again" in page
    token = ApiToken.objects.get(user=officer)
    assert token.name == "Finance dashboard"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.name, token.prefix, token.key_hash} and token.prefix == key[:8]
    listing = client.get(reverse("api:token-list")).content.decode()
    assert "Finance dashboard" in listing and f"{key[:8]}…" in listing
    assert key not in listing


def test_the_page_with_the_key_may_not_be_cached(client):
    client.force_login(make_user(teams=[make_team()]))
    response = client.post(reverse("api:token-create"), {"name": "Script", "lifetime": "90"})
    assert "no-store" in response["Cache-Control"]


def test_a_token_without_a_name_is_refused_with_a_message_and_nothing_is_made(client):
    client.force_login(make_user(teams=[make_team()]))
    response = client.post(reverse("api:token-create"), {"name": "   ", "lifetime": "90"})
    assert response.status_code == 200
    assert "Enter a name for the token" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_new_token_reads_the_api_and_records_when_it_was_last_used(client):
    officer = make_user(role=roles.OFFICER, teams=[make_team()])
    token, key = api_token_create(user=officer, name="Script")
    assert token.last_used_at is None

    response = client.get(CONTRACTS, **bearer(key))

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_token_keyword_works_as_well_as_bearer(client):
    _, key = api_token_create(user=make_user(teams=[make_team()]), name="Script")
    assert client.get(CONTRACTS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_a_revoked_token_is_refused_with_401_and_says_so(client, caplog):
    officer = make_user(role=roles.OFFICER, teams=[make_team()])
    token, key = api_token_create(user=officer, name="Script")
    client.force_login(officer)

    confirm = client.get(reverse("api:token-revoke", args=[token.pk]))
    assert "Programs using this token will stop working straight away" in confirm.content.decode()
    response = client.post(reverse("api:token-revoke", args=[token.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    client.logout()

    refused = client.get(CONTRACTS, **bearer(key))
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/json"
    assert "This API token was revoked on" in refused.json()["detail"]
    [record] = [r for r in caplog.records if r.getMessage() == "API token refused"]
    assert (record.name, record.reason, record.token) == ("tracker.security", "revoked", key[:8])


def test_revoked_tokens_stay_listed_as_history(client):
    officer = make_user(teams=[make_team()])
    token, _ = api_token_create(user=officer, name="Old script")
    api_token_revoke(token=token, by=officer)
    client.force_login(officer)
    page = client.get(reverse("api:token-list")).content.decode()
    assert "Revoked tokens" in page and "Old script" in page
    assert "You have no tokens in use" in page


def test_nobody_can_revoke_or_see_another_persons_token(client):
    owner = make_user(teams=[make_team()])
    token, key = api_token_create(user=owner, name="Owner's script")
    someone_else = make_user(role=roles.MANAGER, teams=[make_team()])
    client.force_login(someone_else)

    assert client.get(reverse("api:token-revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("api:token-revoke", args=[token.pk])).status_code == 404
    assert "Owner&#x27;s script" not in client.get(reverse("api:token-list")).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(CONTRACTS, **bearer(key)).status_code == 200


def test_an_unknown_key_and_a_malformed_header_are_refused_with_401(client):
    assert client.get(CONTRACTS, **bearer("not-a-key")).json() == {"detail": "This API token is not recognised"}
    assert client.get(CONTRACTS, HTTP_AUTHORIZATION="Bearer").status_code == 401
    assert client.get(CONTRACTS, HTTP_AUTHORIZATION="Bearer two words").status_code == 401


def test_a_deactivated_persons_token_stops_working(client):
    officer = make_user(teams=[make_team()])
    _, key = api_token_create(user=officer, name="Script")
    officer.is_active = False
    officer.save()
    response = client.get(CONTRACTS, **bearer(key))
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_anonymous_requests_get_401_in_json_not_the_sign_in_page(client):
    response = client.get(CONTRACTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_creating_and_revoking_a_token_appear_in_the_audit_trail(client):
    officer = make_user(username="olivia", teams=[make_team()])
    client.force_login(officer)
    create_through_the_page(client, name="Audited script")
    token = ApiToken.objects.get()
    client.post(reverse("api:token-revoke", args=[token.pk]))

    rows = [row for row in audit_rows(label="api.apitoken")]
    assert [(row.action, row.who, row.reason) for row in rows] == [
        ("Changed", "olivia", "API token revoked"),
        ("Created", "olivia", "API token created"),
    ]
    assert all("key_hash" not in change for row in rows for change in row.changes)


def test_a_token_reads_only_what_its_owner_may_see(client):
    mine, theirs = make_team(), make_team()
    make_contract(reference="MINE-1", team=mine)
    other = make_contract(reference="THEIRS-1", team=theirs)
    _, key = api_token_create(user=make_user(role=roles.VIEWER, teams=[mine]), name="Script")

    listed = client.get(CONTRACTS, **bearer(key)).json()
    assert [row["reference"] for row in listed["results"]] == ["MINE-1"]
    assert client.get(f"{CONTRACTS}{other.pk}/", **bearer(key)).status_code == 404


def test_an_admin_revokes_someone_elses_token_in_the_django_admin_but_cannot_make_one(client):
    owner = make_user(teams=[make_team()])
    token, key = api_token_create(user=owner, name="Leaver's script")
    admin_user = make_user(role=roles.ADMIN, is_staff=True)
    client.force_login(admin_user)
    change = reverse("admin:api_apitoken_change", args=[token.pk])

    page = client.get(change).content.decode()
    assert "Leaver&#x27;s script" in page and token.key_hash not in page
    response = client.post(change, {"revoked_at_0": "22/11/2026", "revoked_at_1": "09:00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403
    client.logout()
    assert client.get(CONTRACTS, **bearer(key)).status_code == 401


def test_officers_have_no_say_over_tokens_in_the_django_admin(client):
    client.force_login(make_user(role=roles.MANAGER, is_staff=True, teams=[make_team()]))
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403


# --- expiry -----------------------------------------------------------------------------------

MADE = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_a_token_lasts_90_days_unless_its_owner_chooses_another_length(client):
    client.force_login(make_user(role=roles.OFFICER, teams=[make_team()]))
    with time_machine.travel(MADE, tick=False):
        form = client.get(reverse("api:token-create")).content.decode()
        assert re.search(r'value="90" checked', form) and "1 year (365 days)" in form

        _, page = create_through_the_page(client, name="Quarterly script")
        assert "It works until 20 February 2027" in page
        _, page = create_through_the_page(client, name="Annual return", lifetime="365")
        assert "It works until 22 November 2027" in page

        listing = client.get(reverse("api:token-list")).content.decode()
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", listing, re.DOTALL)
    expires = {
        name: date
        for row in rows
        for name, date in re.findall(
            r"<td[^>]*>([^<]+)</td>.*?(\d+ \w+ 20\d\d) at [^<]*</td>\s*<td[^>]*><a", row, re.DOTALL
        )
    }
    assert expires == {"Annual return": "22 November 2027", "Quarterly script": "20 February 2027"}


@pytest.mark.parametrize(
    "lifetime, message",
    [
        ("", "Choose how long the token lasts"),
        ("9999", "Choose how long the token lasts: 30 days, 90 days, 6 months or 1 year"),
    ],
)
def test_a_token_without_a_length_it_may_have_is_refused_with_a_message_and_nothing_is_made(client, lifetime, message):
    client.force_login(make_user(teams=[make_team()]))
    response = client.post(reverse("api:token-create"), {"name": "Script", "lifetime": lifetime})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused_with_401_saying_when_it_expired_and_is_listed_as_expired(client, caplog):
    officer = make_user(role=roles.OFFICER, teams=[make_team()])
    with time_machine.travel(MADE, tick=False):
        _, key = api_token_create(user=officer, name="Month script", lifetime_days=30)

    with time_machine.travel(MADE + timedelta(days=30) - timedelta(minutes=1), tick=False):
        assert client.get(CONTRACTS, **bearer(key)).status_code == 200
    with time_machine.travel(MADE + timedelta(days=30), tick=False):
        refused = client.get(CONTRACTS, **bearer(key))
        client.force_login(officer)
        listing = client.get(reverse("api:token-list")).content.decode()

    assert refused.status_code == 401
    assert refused.json() == {
        "detail": "This API token expired on 22 December 2026 at 10am: create a new one under API tokens"
    }
    [record] = [r for r in caplog.records if r.getMessage() == "API token refused"]
    assert (record.reason, record.token) == ("expired", key[:8])
    assert "Expired tokens" in listing and "Month script" in listing
    assert "You have no tokens in use" in listing


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_expiry_existed_get_90_days_from_the_upgrade():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    owner = make_user(teams=[make_team()])
    executor = MigrationExecutor(connection)
    executor.migrate([("api", "0001_initial")])
    try:
        old_apps = executor.loader.project_state([("api", "0001_initial")]).apps
        old_apps.get_model("api", "ApiToken").objects.create(
            user_id=owner.pk, name="Old script", prefix="abcdefgh", key_hash="0" * 64
        )
        with time_machine.travel(MADE, tick=False):
            executor = MigrationExecutor(connection)
            executor.loader.build_graph()
            executor.migrate([("api", "0002_apitoken_expires_at")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert ApiToken.objects.get(name="Old script").expires_at == MADE + timedelta(days=90)
