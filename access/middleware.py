"""Sessions end after a spell without a request, and after an absolute lifetime.

Django's own session expiry slides forward whenever the session is saved, so both limits are
kept here, in the session itself: when the person signed in, and when they were last seen.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from . import remembered

log = logging.getLogger("tracker.security")

SIGNED_IN_AT = "access.signed_in_at"
LAST_SEEN = "access.last_seen"
# "Last seen" is written when it has moved by this many seconds, not on every request: each
# write is a session save, a database write per page (issue 24). The idle timeout is kept to
# within this much (30 minutes idle ends a session after 30 to 31 minutes).
LAST_SEEN_RESOLUTION = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            last_seen = request.session.get(LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            too_old = now - signed_in_at > settings.SESSION_COOKIE_AGE
            if idle or too_old:
                username = request.user.get_username()
                logout(request)
                reason = "inactivity" if idle else "the longest a session may last"
                log.info("session ended", extra={"user": username, "reason": reason})
                messages.info(request, "You were signed out for your security. Sign in again to carry on.")
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class RememberedAccessMiddleware:
    """The person's permissions and teams from their session while they are current
    (access/remembered.py), instead of 3 queries a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        remembered.remember(request)
        return self.get_response(request)
