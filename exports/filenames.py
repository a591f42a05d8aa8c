"""The one way a download is named: a file name of safe characters, in a header Django builds.

A contract reference (or anything else typed by a person or read from a file) goes into a
file name only through ``download_name``, which keeps letters, digits, ``-`` and ``_`` and
turns every other run of characters into one ``-``; the header is then written by Django's
``content_disposition_header``, which quotes and escapes what it is given. Either alone
would stop ``X"; filename*=UTF-8''evil.html; a="`` from naming the saved file (issue 15);
both together hold for references saved before they were checked, and for browsers that
read quoted strings loosely.
"""

from __future__ import annotations

import re

from django.utils.http import content_disposition_header

UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
# Long enough for any reference and date; short enough for every file system.
MAX_STEM = 150


def download_name(*parts: str, extension: str) -> str:
    """``download_name("contract", "MK-SPF/2020", "ocds", extension="json")`` -> ``contract-MK-SPF-2020-ocds.json``."""
    stem = UNSAFE.sub("-", "-".join(str(part) for part in parts if part)).strip("-")
    return f"{stem[:MAX_STEM] or 'download'}.{extension}"


def set_download_name(response, name: str, *, as_attachment: bool = True):
    """Name the response's file; ``as_attachment=False`` lets the browser show it (a PDF, a calendar)."""
    response["Content-Disposition"] = content_disposition_header(as_attachment, name)
    return response
