"""Issue 15: forwarded headers are believed only from the proxies named in TRUSTED_PROXY_IPS.

Behind nginx every request reaches the tracker from the proxy's address. The sign-in lockout
(django-axes, keyed on username and address) must count the person's own address, which only
the proxy's ``X-Forwarded-For`` carries; and that header, like ``X-Forwarded-Proto``, must be
ignored from anyone who reaches the web process directly, or they could claim any address
(dodging the lockout) or claim HTTPS.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from contracts import roles
from ops.proxy import ForwardedHeadersMiddleware, client_address
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def behind_a_proxy(settings):
    settings.TRUSTED_PROXY_IPS = [PROXY, "10.1.0.0/16"]


def sign_in(client, password, *, peer, forwarded_for=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(reverse("login"), {"username": "olivia", "password": password}, REMOTE_ADDR=peer, **headers)


def test_five_failures_from_one_person_behind_the_proxy_do_not_lock_out_another_person_behind_it(client):
    make_user(username="olivia", role=roles.OFFICER)
    for _ in range(5):
        sign_in(client, "wrong-password", peer=PROXY, forwarded_for="203.0.113.7")

    assert sign_in(client, PASSWORD, peer=PROXY, forwarded_for="203.0.113.7").status_code == 429
    assert sign_in(client, PASSWORD, peer=PROXY, forwarded_for="198.51.100.9").status_code == 302


def test_someone_reaching_the_web_process_directly_cannot_dodge_the_lockout_with_a_made_up_address(client):
    make_user(username="olivia", role=roles.OFFICER)
    for attempt in range(5):
        sign_in(client, "wrong-password", peer="192.0.2.66", forwarded_for=f"198.51.100.{attempt}")

    assert sign_in(client, PASSWORD, peer="192.0.2.66", forwarded_for="198.51.100.200").status_code == 429


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        (PROXY, "203.0.113.7", "203.0.113.7"),
        # The proxy appends the address it saw: what the person typed in front of it is ignored.
        (PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two trusted proxies in a row: the first untrusted address from the right is the person.
        (PROXY, "1.2.3.4, 203.0.113.7, 10.1.4.4", "203.0.113.7"),
        ("192.0.2.66", "203.0.113.7", "192.0.2.66"),
        (PROXY, "", PROXY),
        (PROXY, "not-an-address", PROXY),
    ],
)
def test_the_client_address_is_the_first_untrusted_one_from_the_right(peer, forwarded_for, client):
    assert client_address(peer, forwarded_for, ["10.0.0.5", "10.1.0.0/16"]) == client


def _seen(peer: str, **headers) -> dict:
    seen = {}

    def view(request):
        seen.update(secure=request.is_secure(), remote=request.META["REMOTE_ADDR"], meta=dict(request.META))
        return HttpResponse()

    ForwardedHeadersMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))
    return seen


def test_https_is_believed_from_the_proxy_only(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    headers = {
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "203.0.113.7",
        "HTTP_X_FORWARDED_HOST": "evil.example",
    }

    from_proxy = _seen(PROXY, **headers)
    direct = _seen("192.0.2.66", **headers)

    assert (from_proxy["secure"], from_proxy["remote"]) == (True, "203.0.113.7")
    assert (direct["secure"], direct["remote"]) == (False, "192.0.2.66")
    assert not {"HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST"} & set(direct["meta"])


def test_the_procfile_binds_to_loopback_and_trusts_only_the_configured_proxies():
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))

    assert "0.0.0.0" not in web and "'*'" not in web and '"*"' not in web
    assert "--bind ${GUNICORN_BIND:-127.0.0.1:${PORT:-8000}}" in web
    assert "--forwarded-allow-ips" in web and "TRUSTED_PROXY_IPS" in web
