"""A person's permissions and teams are kept in their session between requests (issue 24: 3
queries a page), and any change to them takes effect on their next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import remembered
from contracts import roles
from tests.factories import make_contract, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture(autouse=True)
def shared_cache(settings, redis_url):
    """The session's Redis as the ``access`` cache, as in production (settings read REDIS_URL
    before the tests may have started their own)."""
    settings.CACHES = {
        **settings.CACHES,
        "access": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }


def permission_or_team_queries(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in queries if "auth_permission" in q["sql"] or "contracts_team_members" in q["sql"]]


@pytest.fixture
def officer(client):
    team = make_team(name="Domestic abuse team")
    person = make_user(username="olivia", role=roles.OFFICER, teams=[team])
    make_contract(reference="DA-001", team=team)
    client.force_login(person)
    client.get("/contracts/")  # the first request reads them and keeps them
    return person


def test_a_second_request_reads_no_permissions_or_teams(client, officer):
    assert permission_or_team_queries(client, "/contracts/") == []
    assert b"DA-001" in client.get("/contracts/").content


def test_a_permission_taken_from_the_group_is_refused_on_the_next_request(client, officer):
    group = Group.objects.get(name=roles.OFFICER)
    group.permissions.remove(Permission.objects.get(codename="view_contract"))
    assert client.get("/contracts/").status_code == 403
    group.permissions.add(Permission.objects.get(codename="view_contract"))
    assert client.get("/contracts/").status_code == 200


def test_a_person_taken_out_of_their_group_is_refused_on_the_next_request(client, officer):
    officer.groups.clear()
    assert client.get("/contracts/").status_code == 403


def test_a_permission_given_to_the_person_takes_effect_on_the_next_request(client, officer):
    other = make_contract(reference="ELSEWHERE-1", team=make_team(name="Another council's team"))
    assert other.reference.encode() not in client.get("/contracts/").content
    officer.user_permissions.add(Permission.objects.get(codename="view_all_teams"))
    assert b"ELSEWHERE-1" in client.get("/contracts/").content


def test_a_person_taken_off_a_team_no_longer_sees_its_contracts(client, officer):
    officer.teams.first().members.remove(officer)
    assert b"DA-001" not in client.get("/contracts/").content


def test_a_deleted_group_takes_its_permissions_with_it(client, officer):
    Group.objects.get(name=roles.OFFICER).delete()
    assert client.get("/contracts/").status_code == 403


def test_without_a_shared_cache_every_request_reads_them(client, officer, settings):
    settings.CACHES = {**settings.CACHES, "access": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert len(permission_or_team_queries(client, "/contracts/")) == 3
    officer.groups.through.objects.filter(user=officer).delete()
    assert client.get("/contracts/").status_code == 403


def test_when_the_shared_cache_loses_the_generation_permissions_are_read_again(client, officer):
    officer.groups.through.objects.filter(user=officer).delete()  # no signal: only a lost cache tells
    assert client.get("/contracts/").status_code == 200  # kept: the generation has not changed
    caches["access"].delete(remembered._key())
    assert client.get("/contracts/").status_code == 403
