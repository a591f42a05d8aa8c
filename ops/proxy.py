"""Believe forwarded headers only from the proxies in ``settings.TRUSTED_PROXY_IPS``.

Behind nginx or a load balancer every request reaches the web process from the proxy, so
``REMOTE_ADDR`` is the proxy's address, and the person's own address and whether they used
HTTPS arrive in ``X-Forwarded-For`` and ``X-Forwarded-Proto``. Anyone can send those headers,
so they mean something only when the request came from a proxy we run:

1. from a trusted proxy, the person's address is the first address in ``X-Forwarded-For``,
   read from the right, that is not itself a trusted proxy (each proxy appends the address it
   saw, so whatever the person wrote themselves sits further left and is ignored); it
   replaces ``REMOTE_ADDR`` for everything after this middleware: the sign-in lockout
   (django-axes keys on username and ``REMOTE_ADDR``), the security log and the audit trail;
2. from anyone else, every forwarding header is removed before Django reads any of them, so
   ``SECURE_PROXY_SSL_HEADER`` cannot be claimed and a made-up address cannot dodge the
   lockout.

gunicorn does the same for its own use of the scheme headers with ``--forwarded-allow-ips``,
given the same list (Procfile, deploy/systemd); docs/deployment.md says how to set it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTOCOL",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip())


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str, trusted: Iterable[str]) -> bool:
    parsed = _address(address or "")
    return parsed is not None and any(parsed in network for network in _networks(tuple(trusted)))


def client_address(peer: str, forwarded_for: str, trusted: Iterable[str]) -> str:
    """The person's address: see step 1 in the module's docstring. Pure, for the tests."""
    trusted = tuple(trusted)
    if not is_trusted_proxy(peer, trusted):
        return peer
    for hop in reversed((forwarded_for or "").split(",")):
        parsed = _address(hop)
        if parsed is None:
            break  # a garbled list: believe nothing further left than this
        if not is_trusted_proxy(str(parsed), trusted):
            return str(parsed)
    return peer


class ForwardedHeadersMiddleware:
    """Steps 1 and 2 of the module's docstring; first in ``MIDDLEWARE``, before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        trusted = getattr(settings, "TRUSTED_PROXY_IPS", ())
        if is_trusted_proxy(peer, trusted):
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), trusted)
        else:
            for header in FORWARDING_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)


def request_address(request) -> str:
    """The address django-axes counts failures against (``AXES_CLIENT_IP_CALLABLE``)."""
    return request.META.get("REMOTE_ADDR", "")
