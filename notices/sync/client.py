"""One HTTP client per platform, with the standard library's ``urllib`` (no key is needed).

A client pages through one window of releases: it asks for ``limit`` releases updated (Find a
Tender) or published (Contracts Finder) in the window, follows the cursor in ``links.next``, and
yields each page with the cursor for the one after. It is polite: a descriptive User-Agent, a
timeout on every request, ``Retry-After`` honoured, and bounded exponential back-off on 429, 5xx
and timeouts. ``sleep`` and ``clock`` are parameters so tests never wait.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings

from .core import api_time, cursor_from, retry_wait
from .models import Platform


class PlatformUnavailable(Exception):
    """The platform did not answer usefully after every retry: the run stops where it was."""


@dataclass(frozen=True)
class Page:
    package: dict
    next_cursor: str  # "" on the window's last page

    @property
    def releases(self) -> list:
        releases = self.package.get("releases")
        return releases if isinstance(releases, list) else []


# Each platform's names for the window's bounds (its other parameters are the same).
WINDOW_PARAMETERS = {
    Platform.FIND_A_TENDER: ("updatedFrom", "updatedTo"),
    Platform.CONTRACTS_FINDER: ("publishedFrom", "publishedTo"),
}


def _now() -> datetime:
    return datetime.now(UTC)


class PlatformClient:
    def __init__(
        self,
        platform: str,
        *,
        base_url: str | None = None,
        limit: int = 100,
        stages: str = "planning,tender,award",
        timeout: float | None = None,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _now,
    ):
        self.platform = Platform(platform)
        self.base_url = base_url or (
            settings.FIND_A_TENDER_API_URL
            if self.platform == Platform.FIND_A_TENDER
            else settings.CONTRACTS_FINDER_API_URL
        )
        self.limit = max(1, min(limit, 100))
        self.stages = stages
        self.timeout = timeout if timeout is not None else settings.NOTICE_SYNC_TIMEOUT_SECONDS
        self.max_attempts = max_attempts if max_attempts is not None else settings.NOTICE_SYNC_MAX_ATTEMPTS
        self.sleep, self.clock = sleep, clock
        self.requests = 0

    def url(self, start: datetime, end: datetime, cursor: str = "") -> str:
        first, last = WINDOW_PARAMETERS[self.platform]
        query = {first: api_time(start), last: api_time(end), "stages": self.stages, "limit": self.limit}
        if cursor:
            query["cursor"] = cursor
        return f"{self.base_url}?{urlencode(query)}"

    def pages(self, start: datetime, end: datetime, cursor: str = "") -> Iterator[Page]:
        """Every page of the window from ``cursor`` (the first page if ""), in order."""
        while True:
            page = self.fetch(self.url(start, end, cursor))
            yield page
            if not page.next_cursor or page.next_cursor == cursor:
                return
            cursor = page.next_cursor

    def fetch(self, url: str) -> Page:
        """One page, retried on 429, 5xx and timeouts up to ``max_attempts`` times."""
        request = urllib.request.Request(
            url, headers={"User-Agent": settings.NOTICE_SYNC_USER_AGENT, "Accept": "application/json"}
        )
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            status, retry_after = None, None
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                package = json.loads(body)
                if not isinstance(package, dict):
                    raise PlatformUnavailable(
                        f"{self.platform.label} answered with something that is not a release package"
                    )
                return Page(package, cursor_from(package))
            except urllib.error.HTTPError as error:
                status, retry_after = error.code, error.headers.get("Retry-After")
                problem = f"{self.platform.label} answered {error.code}"
            except TimeoutError:
                problem = f"{self.platform.label} did not answer within {self.timeout:g} seconds"
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError | socket.timeout):
                    problem = f"{self.platform.label} did not answer within {self.timeout:g} seconds"
                else:
                    problem = f"{self.platform.label} could not be reached ({error.reason})"
            except ValueError:
                raise PlatformUnavailable(f"{self.platform.label} answered with something that is not JSON") from None
            wait = retry_wait(
                status=status,
                retry_after=retry_after,
                attempt=attempt,
                now=self.clock(),
                cap=settings.NOTICE_SYNC_LONGEST_WAIT_SECONDS,
            )
            if wait is None or attempt == self.max_attempts:
                break
            self.sleep(wait)
        raise PlatformUnavailable(f"{problem} (after {attempt} attempt{'s' if attempt != 1 else ''})")
