"""Writes to the API take JSON only: a body declared as anything else gets 415 before it is
read, so a form or a ``text/plain`` body sent by another site is never parsed as JSON."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api/"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOADS = frozenset({"/api/v1/imports"})
"""The writes that take a file: a ``multipart/form-data`` upload, and JSON nothing else."""


def declares_json(content_type: str) -> bool:
    """Whether a ``Content-Type`` names JSON.

    >>> declares_json("application/json; charset=utf-8"), declares_json("text/plain")
    (True, False)
    >>> declares_json("application/merge-patch+json"), declares_json("")
    (True, False)
    """
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def has_body(headers: Headers) -> bool:
    """Whether a request says it carries a body."""
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


class JsonWrites:
    """ASGI middleware answering 415 to an API write whose body is not declared JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in WRITE_METHODS
            and scope["path"].startswith(API_PREFIX)
        ):
            headers = Headers(scope=scope)
            content_type = headers.get("content-type", "")
            upload = scope["path"] in UPLOADS and content_type.startswith("multipart/form-data")
            if has_body(headers) and not declares_json(content_type) and not upload:
                declared = f"'{content_type}'" if content_type else "no content type"
                response = JSONResponse(
                    {
                        "detail": f"the body must be JSON, sent with 'Content-Type: "
                        f"application/json'; this one has {declared}"
                    },
                    status_code=415,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
