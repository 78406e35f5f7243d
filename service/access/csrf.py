"""Cross-site request forgery: a write made with the session cookie must carry the session's
CSRF token and come from the service's own origin.

Pages get the token as ``csrf_token`` in every template (``<meta name="csrf-token">`` in the
shared layout); a form sends it as the hidden field ``csrf_token``, a script as the
``X-CSRF-Token`` header. A route that takes a form passes :data:`CsrfSent` on to
:func:`service.access.deps.get_principal`. Requests with ``Authorization: Bearer`` carry no
cookie and need neither.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request

from service.errors import Forbidden

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token_for(session_id: str) -> str:
    """The CSRF token of a session: derived from its secret id, so it needs no storage and
    cannot be made without the id.

    >>> csrf_token_for("abc") == csrf_token_for("abc") != csrf_token_for("abd")
    True
    """
    return hmac.new(session_id.encode(), b"csrf", hashlib.sha256).hexdigest()


async def sent_csrf_token(request: Request) -> str | None:
    """The CSRF token a request carries: the ``X-CSRF-Token`` header, else the ``csrf_token``
    field of a form body."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


CsrfSent = Annotated[str | None, Depends(sent_csrf_token)]


def check_same_origin(request: Request) -> None:
    """Raise :class:`Forbidden` when the browser says the request comes from another origin
    (``Origin``, else ``Sec-Fetch-Site``); another port of the same host is another origin."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    site = request.headers.get("sec-fetch-site")
    if (origin is not None and origin != own) or (
        origin is None and site not in (None, "same-origin", "none")
    ):
        raise Forbidden(f"a write from another site ({origin or site}) is refused")


def check_cookie_write(request: Request, session_id: str, sent: str | None) -> None:
    """Let a write made with the session cookie through only from the service's own origin and
    with the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    check_same_origin(request)
    if sent is None or not hmac.compare_digest(sent, csrf_token_for(session_id)):
        raise Forbidden(
            f"a write with the session cookie needs the page's CSRF token (the {CSRF_HEADER} "
            f"header or the {CSRF_FIELD} form field)"
        )
