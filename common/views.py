"""What every app's views share: who may open a page, and a form whose valid data goes to a service."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError


class Permission(PermissionRequiredMixin):
    # Signed-in people without the permission see a 403; anonymous visitors never get this far
    # (LoginRequiredMiddleware sends them to sign in).
    raise_exception = True


def add_service_errors(form, error: ValidationError, field_names: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: beside the field it names where the form
    has that field (``field_names`` maps model names to form names), else at the top."""
    field_names = field_names or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        target = field_names.get(name, name)
        messages_ = [message for e in errors for message in e.messages]
        form.add_error(target if target in form.fields else None, messages_)


class ServiceFormMixin:
    """A form view that hands valid data to a service (one try, one place for its errors).

    Write ``call_service(form)``, which calls the service and returns what it made, and
    ``service_succeeded(form, result)``, which returns the response (a message and a redirect).
    A ValidationError from the service shows on the form as ``add_service_errors`` places it
    and changes nothing, since each service validates before it writes.
    """

    # Model field names the service may name that the form calls something else.
    service_field_names: dict[str, str] = {}

    def call_service(self, form):
        raise NotImplementedError

    def service_succeeded(self, form, result):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            result = self.call_service(form)
        except ValidationError as error:
            add_service_errors(form, error, self.service_field_names)
            return self.form_invalid(form)
        return self.service_succeeded(form, result)
