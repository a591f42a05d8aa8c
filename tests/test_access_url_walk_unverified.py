"""Every URL the resolver knows, walked as an admin who has given the password but not the code.

Until the two-step code is given, such a session reaches the code page and sign-out, and, for
an admin who has no app yet and must enrol, the set-up page: nothing else. Pages, downloads,
the notice import, the Django admin, the API by session and addresses that match nothing are
all refused, GET and POST alike. The patterns come from the resolver, so a page added later is
walked without anyone remembering to add it here.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.models import ApiToken
from api.services import api_token_create
from commissioning.feeds import calendar_feed_regenerate
from contracts import roles
from tests.factories import PASSWORD, make_user
from tests.test_access_url_walk import arguments, query, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db

SECRETS = ["ALPHA-1", "Alpha refuge", "Alpha recommissioning", "Alpha engagement deadline", "Provider Alpha"]
# Pages this walk must reach, so that a change to the resolver cannot quietly leave them out.
MUST_WALK = {
    "exports:register-csv", "exports:register-xlsx", "exports:milestones-xlsx", "exports:reminders-csv",
    "exports:transparency", "exports:transparency-csv", "notices:import", "notices:export-all", "api:contract-list", "api:contract-detail", "api:schema", "api:token-create",
    "admin:index", "admin:otp_totp_totpdevice_delete", "commissioning:calendar-settings",
    "commissioning:calendar-regenerate", "two-factor-setup", "audit",
}


def every_url(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """(name, route) for every pattern, the Django admin's and the unnamed ones included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            yield from every_url(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, prefix + str(entry.pattern), entry


def concrete(name, route, entry, world) -> str:
    """A path for the pattern: the walk's own records where it knows them, else an id of 1."""
    params = list(getattr(entry.pattern, "converters", {}))
    if name and not name.startswith("admin:") and "(" not in route:
        try:
            kwargs = arguments(name, route, params, world) if params else None
        except AssertionError:
            kwargs = None
        if kwargs is not None or not params:
            return reverse(name, kwargs=kwargs) + query(name, world)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "nothing/here" if m.group(1) in ("rest", "url") else "1", route)
    path = re.sub(r"\(\?P<\w+>([\w|]+?)\|[^)]*\)", r"\1", path)  # the first of a list of choices
    path = re.sub(r"\(\?P<\w+>\.\*\)|\(\[\^/\]\+\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def unverified_admin(client, settings, *, with_app: bool):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    admin = make_user(username="ada", role=roles.ADMIN, is_staff=True, is_superuser=True)
    if with_app:
        TOTPDevice.objects.create(user=admin, name="Authenticator app", confirmed=True)
    assert client.post(reverse("login"), {"username": "ada", "password": PASSWORD}).status_code == 302
    return admin


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode(errors="replace")


@pytest.mark.parametrize("with_app", [True, False], ids=["admin with an app", "admin who must enrol"])
def test_an_unverified_admin_session_reaches_only_the_code_page_and_sign_out(client, settings, world, with_app):
    admin = unverified_admin(client, settings, with_app=with_app)
    feed = calendar_feed_regenerate(user=admin)
    _, key = api_token_create(user=admin, name="Ada's script")
    allowed = {"two-factor-verify"} | (set() if with_app else {"two-factor-setup"})
    held_at = reverse("two-factor-verify") if with_app else reverse("two-factor-setup")
    walked = set()
    for name, route, entry in every_url():
        if name == "logout":
            continue  # walked last: it ends the session
        walked.add(name)
        url = concrete(name, route, entry, world)
        is_api = name is not None and name.startswith("api:") and not name.startswith("api:token-")
        for method in (client.get, client.post):
            # A session never reaches the API, whatever else the request carries.
            headers = {"HTTP_AUTHORIZATION": "Basic YWRhOnBhc3N3b3Jk"} if is_api else {}
            response = method(url, **headers)
            if name in allowed:
                assert response.status_code == 200, (name, url, response.status_code)
            elif is_api:
                assert response.status_code == 403 and set(response.json()) == {"detail"}, (name, url, response.status_code)
            else:
                assert response.status_code == 302 and response.url.startswith(held_at), (name, url, response.status_code)
            page = body(response)
            assert not any(secret in page for secret in [*SECRETS, feed.token, key]), (name, url)
    assert MUST_WALK <= walked, MUST_WALK - walked
    # An address that matches no page is held the same way, not answered with a page of its own.
    assert client.get("/no-such-page/").url.startswith(held_at)
    # Sign-out works, and the session is gone.
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("contracts:register")).url.startswith(reverse("login"))


def test_an_api_token_is_its_own_credential_but_does_not_unlock_an_unverified_session(client, settings, world):
    admin = unverified_admin(client, settings, with_app=True)
    _, key = api_token_create(user=admin, name="Ada's script")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    # With the unverified session's cookie, the token does not get past the code page.
    assert client.get(reverse("api:contract-list"), **bearer).status_code == 403
    # A script sends the token alone: it was made by a verified session and works without one.
    client.cookies.clear()
    answer = client.get(reverse("api:contract-list"), **bearer)
    assert answer.status_code == 200 and "ALPHA-1" in answer.content.decode()


def test_an_unverified_session_cannot_create_an_api_token(client, settings, world):
    admin = unverified_admin(client, settings, with_app=True)
    response = client.post(reverse("api:token-create"), {"name": "Back door"})
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))
    assert not ApiToken.objects.filter(user=admin).exists()
