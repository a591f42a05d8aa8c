"""`Authorization: Bearer <key>` (or `Token <key>`) for the API, and who may read what."""

from __future__ import annotations

import logging

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from common.dates import long_date

from . import services

KEYWORDS = (b"bearer", b"token")

log = logging.getLogger("tracker.security")


def refuse(message: str, *, reason: str, token=None) -> exceptions.AuthenticationFailed:
    """The 401 to raise, logged for the security log (never with the key)."""
    who = {"token": token.prefix, "user": token.user.get_username()} if token else {}
    log.warning("API token refused", extra={"reason": reason, **who})
    return exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None  # not ours: the session, or nobody
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token as 'Authorization: Bearer <key>'")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise refuse("This API token is not recognised", reason="unknown") from None
        token = services.api_token_for_key(key)
        if token is None:
            raise refuse("This API token is not recognised", reason="unknown")
        if token.revoked_at is not None:
            revoked_on = timezone.localtime(token.revoked_at)
            raise refuse(
                f"This API token was revoked on {revoked_on:%-d %B %Y}: create a new one under API tokens",
                reason="revoked",
                token=token,
            )
        if token.has_expired(timezone.now()):
            raise refuse(
                f"This API token expired on {long_date(token.expires_at)}: create a new one under API tokens",
                reason="expired",
                token=token,
            )
        if not token.user.is_active:
            raise refuse("The account this API token belongs to is deactivated", reason="deactivated", token=token)
        services.api_token_used(token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created under 'API tokens' in the tracker",
        }


class ReadPermission(permissions.BasePermission):
    """The page's own permission: whoever may open the contract register may list contracts."""

    message = "Your role does not let you read these records"

    def has_permission(self, request, view):
        return request.user.has_perm(view.read_permission)
