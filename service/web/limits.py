"""What a request may be before any route sees it: a body no larger than the service accepts
(refused with 413 before it is read), and an address without control characters (404: no
page or route has one, and file paths cannot hold them)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from graph_models.common import printable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestLimits:
    """ASGI middleware: refuses a body over ``max_body_bytes`` with 413, from its declared
    length before reading any of it, or as soon as an undeclared one grows past the limit;
    refuses an address holding a control character with 404."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.too_large = (
            f"the request body is larger than {max_body_bytes:,} bytes, the most the service "
            "accepts; it was not read"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            printable(scope["path"])
        except ValueError as error:
            await answer(send, 404, f"no page or route is at this address: it {error}")
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await answer(send, 413, self.too_large)
            return
        received = 0

        async def counted() -> Message:
            """The next part of the body; the route's error handling answers 413 once the
            parts grow past the limit."""
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise HTTPException(413, self.too_large)
            return message

        await self.app(scope, counted, send)


async def answer(send: Send, status: int, detail: str) -> None:
    """Send ``{"detail": detail}`` with ``status``, closing the connection: what the client
    still sends is not read."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
