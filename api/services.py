"""Creating, finding and revoking API tokens."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from common import history

from .models import ApiToken, hash_key

log = logging.getLogger("tracker.security")

# Recording every use would write to the database on every request; once a minute is plenty
# to answer "is this token still used?".
LAST_USED_RESOLUTION = timedelta(minutes=1)

# How long a new token lasts, in days, as its owner chooses on the page (90 unless they change it).
LIFETIMES = {30: "30 days", 90: "90 days", 180: "6 months (180 days)", 365: "1 year (365 days)"}
DEFAULT_LIFETIME = 90


def api_token_create(*, user, name: str, lifetime_days: int = DEFAULT_LIFETIME) -> tuple[ApiToken, str]:
    """A new token for ``user`` that works for ``lifetime_days`` from now, and its key: the only
    time the key exists outside the client."""
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[:8],
        key_hash=hash_key(key),
        expires_at=timezone.now() + timedelta(days=lifetime_days),
    )
    history.record(token, officer=user, reason="API token created")
    token.save()
    log.info(
        "API token created",
        extra={"user": user.get_username(), "token": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


def api_token_revoke(*, token: ApiToken, by) -> bool:
    """Revoke a token; revoking one already revoked changes nothing. Returns whether it changed."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    history.record(token, officer=by, reason="API token revoked")
    token.save(update_fields=["revoked_at"])
    log.info("API token revoked", extra={"user": by.get_username(), "token": token.prefix})
    return True


def api_token_for_key(key: str) -> ApiToken | None:
    """The token with this key, revoked or not (the caller says why it is refused), or None."""
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()


def api_token_used(token: ApiToken) -> None:
    now = timezone.now()
    # A conditional update: no history row, and at most one write a minute however busy.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
