"""Sign-in events go to the security log: who, from where, and what happened. A sign-in also
starts the session's clocks (access.middleware), so the first page after it need not save
the session again."""

import logging
import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("tracker.security")


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_logged_in, dispatch_uid="access.signed_in")
def signed_in(sender, request, user, **kwargs):
    from .middleware import LAST_SEEN, SIGNED_IN_AT

    log.info("signed in", extra={"user": user.get_username(), "address": _address(request)})
    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = session[LAST_SEEN] = time.time()


@receiver(user_logged_out, dispatch_uid="access.signed_out")
def signed_out(sender, request, user, **kwargs):
    log.info("signed out", extra={"user": user.get_username() if user else "", "address": _address(request)})


@receiver(user_login_failed, dispatch_uid="access.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # The username tried, never the password.
    log.warning("sign-in failed", extra={"user": credentials.get("username", ""), "address": _address(request)})
