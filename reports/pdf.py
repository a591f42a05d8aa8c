"""Decision reports as tagged, accessible PDFs (WeasyPrint 70).

``render_report_pdf`` is the one way a report becomes a PDF: the report's page, the Celery
task that renders a meeting's reports and the tests all call it.

What WeasyPrint may load while rendering is decided here, by ``StaticFilesOnly``: the
project's own static files, read from disk through Django's staticfiles finders, and
``data:`` URLs. Everything else (``file://`` paths, ``http://127.0.0.1``, any other host) is
refused before a connection or a file is opened, and the PDF renders without it. The
report's text is escaped by the templates, so officers' words cannot name a resource in the
first place; the fetcher is the second wall, for whatever a template or a stylesheet names.

https://doc.courtbouillon.org/weasyprint/stable/first_steps.html#security
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from exports.filenames import download_name

from .models import DecisionReport
from .selectors import report_facts

logger = logging.getLogger(__name__)

# Relative URLs in the document resolve against this origin, which never goes on the network:
# ".invalid" is reserved (RFC 2606) and the fetcher answers it from disk.
STATIC_ORIGIN = "https://static.tracker.invalid"
# Under the origin, /static/<path> is the static file <path>, whatever STATIC_URL is in
# production (a CDN, say): the PDF never depends on the web server.
STATIC_PREFIX = "/static/"
STYLESHEET = "css/report-print.css"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF, PDF/UA-1 metadata; implies pdf_tags=True


class RefusedURL(ValueError):
    """A resource the report may not load. WeasyPrint logs it and renders without it."""


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves static files from disk and data: URLs, and nothing else.

    It keeps the URLs it was asked for (``asked``) and those it refused (``refused``), so a
    caller can say what a render tried to load.
    """

    def __init__(self):
        # data: only for the parent class, which is used for nothing else; no redirects.
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.asked: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        path = static_file_for(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"Refused to load {url}: reports may use only the tracker's own static files")
        with open(path, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


def static_file_for(url: str) -> str | None:
    """The file on disk behind a static URL under STATIC_ORIGIN, or None if it is anything else."""
    parts = urlsplit(url)
    origin = urlsplit(STATIC_ORIGIN)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or parts.query:
        return None
    if not parts.path.startswith(STATIC_PREFIX):
        return None
    relative = unquote(parts.path[len(STATIC_PREFIX) :])
    # No climbing out of the static folders, however it is spelled.
    if "\\" in relative or "\x00" in relative or any(p in ("", ".", "..") for p in relative.split("/")):
        return None
    if posixpath.normpath(relative) != relative:
        return None
    found = finders.find(relative)
    return found if isinstance(found, str) else None


def static_url(path: str) -> str:
    """The URL a report's HTML uses for the static file ``path``, e.g. "css/report-print.css"."""
    return f"{STATIC_ORIGIN}{STATIC_PREFIX}{path}"


def html_to_pdf(html: str, *, fetcher: StaticFilesOnly | None = None) -> bytes:
    """A4 report HTML as a tagged PDF/UA-1 document (title, author and language from the HTML)."""
    fetcher = fetcher or StaticFilesOnly()
    document = HTML(string=html, base_url=STATIC_ORIGIN + "/", url_fetcher=fetcher)
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    if fetcher.refused:
        logger.warning("Report rendered without %d refused resource(s): %s", len(fetcher.refused), fetcher.refused)
    return pdf


def report_html(report: DecisionReport) -> str:
    """The report as the standalone HTML document the PDF is made from."""
    return render_to_string(
        "reports/document.html",
        {"report": report, "facts": report_facts(report), "stylesheet": static_url(STYLESHEET)},
    )


def render_report_pdf(report: DecisionReport, *, fetcher: StaticFilesOnly | None = None) -> bytes:
    """The report's PDF, its figures worked out from the tracker's data at this moment."""
    return html_to_pdf(report_html(report), fetcher=fetcher)


def pdf_filename(report: DecisionReport, *suffix: str) -> str:
    """``ASC0013-extension-2017-03-14.pdf``; the reference is made safe by ``download_name``."""
    subject = report.contract.reference if report.contract_id else f"cycle-{report.cycle_id}"
    when = f"{report.meeting_date:%Y-%m-%d}" if report.meeting_date else ""
    return download_name(subject, report.kind, when, *suffix, extension="pdf")
