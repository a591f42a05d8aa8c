"""Report actions that are POST only; the views' other helpers are the project's (common.views)."""

from __future__ import annotations


class PostOnly:
    """An action, not a page: anything but POST is 405 Method Not Allowed.

    Put it after the mixin that finds the subject and before Permission, so someone who
    cannot see the subject gets 404 whatever the method, and a GET never reaches the action.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)
