"""A fake of Find a Tender's and Contracts Finder's OCDS APIs on loopback, for tests/test_notice_sync*.py.

It serves release packages in the platforms' shape (``uri``, ``publishedDate``, ``publisher``,
``releases``, ``links.next`` carrying an opaque ``cursor``) from a list of releases, filtered to
the window the client asks for (``updatedFrom``/``updatedTo`` or ``publishedFrom``/``publishedTo``,
inclusive at both ends as the platforms are, so consecutive windows share their boundary), and
can be told to answer a given page with a 429 (and ``Retry-After``), a 500 or 503, or silence
until the client times out. It records every request's query and headers.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import defaultdict, deque
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

WINDOW = {"find-a-tender": ("updatedFrom", "updatedTo"), "contracts-finder": ("publishedFrom", "publishedTo")}
PATHS = {"find-a-tender": "/api/1.0/ocdsReleasePackages", "contracts-finder": "/Published/Notices/OCDS/Search"}


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


class FakePlatform:
    def __init__(self, platform: str, releases: list[dict], *, page_size: int = 2):
        self.platform, self.releases, self.page_size = platform, releases, page_size
        self.requests: list[dict] = []
        self.faults: dict[str, deque] = defaultdict(deque)  # cursor ("" for a first page) -> faults, in order
        self.always: int | None = None  # answer every request with this status (a platform that is down)
        self.hold = threading.Event()  # a timed-out request waits on this until the test ends
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{PATHS[self.platform]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def fail(self, cursor: str, *faults) -> None:
        """Answer the page at ``cursor`` with these faults first, e.g. ``("429", "7")``, "500", "timeout"."""
        self.faults[cursor].extend(faults)

    def cursor_for(self, offset: int) -> str:
        return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        query = {key: values[0] for key, values in parse_qs(urlsplit(handler.path).query).items()}
        cursor = query.get("cursor", "")
        with self.lock:
            self.requests.append({"query": query, "user_agent": handler.headers.get("User-Agent", "")})
            fault = self.faults[cursor].popleft() if self.faults[cursor] else None
        if self.always:
            return self._send(handler, self.always, {"error": "unavailable"})
        if fault == "timeout":
            self.hold.wait(10)
            return
        if isinstance(fault, tuple):
            return self._send(handler, int(fault[0]), {"error": "Too many requests"}, {"Retry-After": fault[1]})
        if fault:
            return self._send(handler, int(fault), {"error": "Internal server error"})
        first, last = WINDOW[self.platform]
        start, end = _moment(query[first] + "+00:00"), _moment(query[last] + "+00:00")
        inside = sorted(
            (release for release in self.releases if start <= _moment(release["date"]) <= end),
            key=lambda release: (release["date"], release["id"]),
        )
        offset = int(base64.urlsafe_b64decode(cursor).decode().split(":")[1]) if cursor else 0
        limit = int(query.get("limit", 100))
        page = inside[offset : offset + min(limit, self.page_size)]
        package = {
            "uri": f"http://127.0.0.1{handler.path}",
            "publishedDate": "2026-11-20T09:00:00Z",
            "publisher": {"name": "Find a Tender" if self.platform == "find-a-tender" else "Contracts Finder"},
            "version": "1.1",
            "releases": page,
        }
        if offset + len(page) < len(inside):
            following = {**query, "cursor": self.cursor_for(offset + len(page))}
            package["links"] = {"next": f"{self.url}?{urlencode(following)}"}
        self._send(handler, 200, package)

    def _send(self, handler, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
