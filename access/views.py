"""Error pages in the service's own look; a refusal is logged with who and what."""

import logging

from django.shortcuts import render

log = logging.getLogger("tracker.security")


def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    log.warning(
        "permission refused",
        extra={"user": user.get_username() if user and user.is_authenticated else "", "path": request.path},
    )
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
