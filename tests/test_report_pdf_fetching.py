"""What the PDF renderer may load: the project's own static files and data: URLs, nothing else.

A real HTTP server on 127.0.0.1 counts the requests it receives, so "refused" means that no
request ever reached it, not merely that the PDF looks right.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from reports import pdf as report_pdf
from reports.pdf import STATIC_ORIGIN, StaticFilesOnly, render_report_pdf, report_html, static_file_for
from reports.selectors import report_for_display
from reports.services import report_update
from tests.report_helpers import make_asc0013_like_report, pdf_text

pytestmark = pytest.mark.django_db

# A 1x1 transparent PNG.
PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@pytest.fixture
def loopback_server():
    """An HTTP server on 127.0.0.1 that records every path asked of it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b"body { background: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_a_report_whose_text_names_local_files_and_addresses_prints_them_as_words(loopback_server):
    base, hits = loopback_server
    report = make_asc0013_like_report()
    report_update(
        report=report,
        fields={
            "background_papers": f'<img src="file:///etc/passwd"> <link rel="stylesheet" href="{base}/evil.css"> {base}/x.png',
        },
        officer=None,
        reason="Test",
    )
    fetcher = StaticFilesOnly()

    text = pdf_text(render_report_pdf(report_for_display(report.pk), fetcher=fetcher))

    assert '<img src="file:///etc/passwd">' in text
    assert f'href="{base}/evil.css">' in text
    assert "root:" not in text
    assert fetcher.asked == [f"{STATIC_ORIGIN}/static/css/report-print.css"]
    assert hits == []


def test_the_fetcher_refuses_file_loopback_and_other_urls_and_the_pdf_still_renders(loopback_server, monkeypatch):
    base, hits = loopback_server
    report = make_asc0013_like_report()
    html = report_html(report)
    injected = (
        '<img src="file:///etc/passwd" alt="">'
        f'<link rel="stylesheet" href="{base}/evil.css">'
        f'<img src="{base}/tracker.png" alt="">'
        '<img src="https://example.org/logo.png" alt="">'
        f'<img src="{STATIC_ORIGIN}/static/../../../../etc/passwd" alt="">'
        f'<img src="{PIXEL}" alt="">'
    )
    monkeypatch.setattr(report_pdf, "report_html", lambda _: html.replace("</h1>", "</h1>" + injected, 1))
    fetcher = StaticFilesOnly()

    pdf = render_report_pdf(report, fetcher=fetcher)

    assert "file:///etc/passwd" in fetcher.refused
    assert f"{base}/evil.css" in fetcher.refused
    assert f"{base}/tracker.png" in fetcher.refused
    assert "https://example.org/logo.png" in fetcher.refused
    assert PIXEL in fetcher.asked and PIXEL not in fetcher.refused
    assert f"{STATIC_ORIGIN}/static/css/report-print.css" not in fetcher.refused
    assert hits == []
    text = pdf_text(pdf)
    assert report.title in text
    assert "root:" not in text


def test_the_project_stylesheet_is_read_from_disk_through_the_staticfiles_finders():
    found = static_file_for(f"{STATIC_ORIGIN}/static/css/report-print.css")

    assert found is not None
    assert Path(found) == Path(settings.BASE_DIR) / "static" / "css" / "report-print.css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/static/css/report-print.css",
        "https://example.org/static/css/report-print.css",
        f"{STATIC_ORIGIN}/etc/passwd",
        f"{STATIC_ORIGIN}/static/../../etc/passwd",
        f"{STATIC_ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd",
        f"{STATIC_ORIGIN}/static/css/..%2f..%2fsettings.py",
        f"{STATIC_ORIGIN}/static//etc/passwd",
        f"{STATIC_ORIGIN}/static/css/report-print.css?v=1",
        f"{STATIC_ORIGIN}/static/css/no-such-file.css",
        f"http://{STATIC_ORIGIN.split('//')[1]}/static/css/report-print.css",
    ],
)
def test_anything_but_an_existing_static_file_under_the_report_origin_is_refused(url):
    assert static_file_for(url) is None
