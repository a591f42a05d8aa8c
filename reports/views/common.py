"""What the report pages share: permission checks and showing a service's errors on a form."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError


class Permission(PermissionRequiredMixin):
    # Signed-in people without the permission see a 403; anonymous visitors never get this far
    # (LoginRequiredMiddleware sends them to sign in).
    raise_exception = True


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError beside the field it names, else at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        messages_ = [message for e in errors for message in e.messages]
        form.add_error(name if name in form.fields else None, messages_)


class PostOnly:
    """An action, not a page: anything but POST is 405 Method Not Allowed.

    Put it after the mixin that finds the subject and before Permission, so someone who
    cannot see the subject gets 404 whatever the method, and a GET never reaches the action.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)
