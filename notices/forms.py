"""Forms for importing OCDS, recording a notice and saying a duty does not apply."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from common.team_choice import TeamByNameMixin
from contracts.models import Team
from contracts.widgets import GovukDateField

from .notice_types import NoticeType
from .validators import WebAddressFormField

# The upload form takes files up to this size (the command takes any size). An import runs
# at some 40 releases a second (docs/benchmarks.md): 10 MB is about 700 Find a Tender releases
# (two days of all of Find a Tender); more than 20 releases are imported by a worker while the
# page shows progress (views.ImportView). Can be changed with the OCDS_UPLOAD_MAX_BYTES setting.
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
FTS_NOTICE_ID = re.compile(r"^\d{6}-\d{4}$")


def upload_limit() -> int:
    return int(getattr(settings, "OCDS_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_LIMIT))


def size_words(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def too_big_message(size: int | None) -> str:
    size_text = f"The file is {size_words(size)}. " if size else "The file is too big. "
    return (
        f"{size_text}The upload form takes files up to {size_words(upload_limit())}, so that an import finishes "
        "while you wait. Ask an administrator to import it with the import_ocds command, which reads files of any size."
    )


class LimitedUpload(FileUploadHandler):
    """Stops reading an upload as soon as it is over the limit, instead of saving it to disk first.

    Put in front of Django's own handlers for the import view only (see ImportView).
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.too_big = False
        self.size = None
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.size = content_length
        # The multipart envelope adds a few hundred bytes around the file itself.
        if content_length and content_length > upload_limit() + 64 * 1024:
            self.too_big = True

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.too_big or self.received > upload_limit():
            self.too_big = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class ImportForm(TeamByNameMixin, forms.Form):
    file = forms.FileField(
        label="File of notices",
        help_text="A file of notices (JSON) as downloaded from Find a Tender or Contracts Finder",
        error_messages={"required": "Choose a file of notices to import", "empty": "The file is empty"},
    )
    team = forms.ModelChoiceField(
        label="Team for new cycles",
        queryset=Team.objects.none(),
        required=False,
        empty_label="None: only update cycles that already have the OCID",
        help_text="A release whose OCID no cycle has adds a cycle for this team",
    )
    create_buyers = forms.BooleanField(
        label="Add buyers the tracker does not know yet",
        required=False,
        help_text="Otherwise a release from a buyer with an unknown PPON identifier is refused",
    )

    def __init__(self, *args, user=None, too_big: int | bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_big = too_big
        if user is not None:
            self.offer_teams(
                user, help_text="A release whose OCID no cycle has adds a cycle for this team: type part of its name"
            )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > upload_limit():
            raise forms.ValidationError(too_big_message(upload.size))
        return upload

    def clean(self):
        if self.too_big:
            self.errors.pop("file", None)
            self.add_error("file", too_big_message(self.too_big if isinstance(self.too_big, int) else None))
        cleaned = super().clean()
        self.team_from_name(cleaned)
        return cleaned


class RecordNoticeForm(forms.Form):
    notice_type = forms.ChoiceField(
        label="Type of notice",
        choices=[("", "Choose the type")] + list(NoticeType.choices),
        error_messages={"required": "Select the type of notice"},
    )
    fts_notice_id = forms.CharField(
        label="Find a Tender notice id",
        required=False,
        max_length=50,
        help_text="For example, 017566-2026",
    )
    published_on = GovukDateField(
        label="Date published", error_messages={"required": "Enter the date the notice was published"}
    )
    url = WebAddressFormField(label="Address of the notice", required=False, max_length=500, assume_scheme="https")
    description = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_fts_notice_id(self):
        value = self.cleaned_data["fts_notice_id"].strip()
        if value and not FTS_NOTICE_ID.match(value):
            raise forms.ValidationError("Enter the notice id as 6 digits, a dash and the year, for example 017566-2026")
        return value


class NotApplicableForm(forms.Form):
    reason = forms.CharField(
        label="Why does this duty not apply?",
        help_text="For example, the legal view that exercising an option written into the contract is not a modification",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why this duty does not apply"},
    )
