"""A real SMTP server on loopback (aiosmtpd) that records what arrives and can be told to fail."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import Counter
from email.message import Message
from typing import Self

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.fail_next: list[str] = []  # SMTP replies to give instead of accepting, in order
        self.always: str | None = None
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.always:
                return self.always
            if self.fail_next:
                return self.fail_next.pop(0)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self.handler.lock:
            return list(self.handler.messages)

    def reminder_ids(self) -> Counter:
        """How many times each reminder arrived (an email can carry several: X-Reminder-Ids)."""
        counts = Counter()
        for message in self.messages:
            ids = message["X-Reminder-Ids"] or message["X-Reminder-Id"]
            if ids:
                counts.update(int(value) for value in str(ids).split(","))
        return counts

    def use_in(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 10


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def html_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode()
    return ""


def subject_of(message: Message) -> str:
    return " ".join(str(message["Subject"]).split())
