"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, parsed."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it so
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def wait_for(self, count: int, seconds: float = 30) -> None:
        """Wait until ``count`` messages have arrived (mail is sent after the answer)."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} arrived"
            time.sleep(0.05)


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    """An SMTP server on ``127.0.0.1:port`` for the block."""
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received
    finally:
        controller.stop()


def body_of(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    text: str = part.get_content()
    return text


def link_in(message: EmailMessage) -> str:
    """The personal survey link a message holds."""
    return next(line for line in body_of(message).splitlines() if "/survey/" in line).strip()
