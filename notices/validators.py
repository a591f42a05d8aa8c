"""The one rule for a web address the tracker stores and shows as a link: http or https only.

Used by the ``Notice.url`` model field (so the admin and every model form check it), the
record-a-notice form, the OCDS parser (every document's url in an imported release) and the
``web_link`` template filter, which shows any other address as plain text, never as a link:
a ``javascript:`` or ``data:`` address stored before this rule existed cannot run.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

WEB_SCHEMES = ("http", "https")
MESSAGE = "Enter a web address starting with https:// or http://"

_validator = URLValidator(schemes=list(WEB_SCHEMES), message=MESSAGE)


def validate_web_address(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is an http or https address."""
    _validator(value)


def is_web_address(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        _validator(value)
    except ValidationError:
        return False
    return True


class WebAddressFormField(forms.URLField):
    """A form's address field: the rule above in place of Django's (which also allows ftp)."""

    default_validators: ClassVar = [validate_web_address]
    default_error_messages: ClassVar = {"invalid": MESSAGE}


class WebAddressField(models.URLField):
    """A model's address field: the rule above in place of Django's, in the admin and every model form."""

    default_validators: ClassVar = [validate_web_address]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebAddressFormField, **kwargs})
