"""What every page shares: templates from each feature's ``templates/`` folder, and the
error page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from service.errors import DomainError

WEB_DIR = Path(__file__).parent
SERVICE_DIR = WEB_DIR.parent


def request_context(request: Request) -> dict[str, Any]:
    """What every template may use besides its own values: ``csrf_token``, the CSRF token of
    the signed-in session (None without one), for forms and scripts that write."""
    return {"csrf_token": getattr(request.state, "csrf_token", None)}


templates = Jinja2Templates(
    directory=[WEB_DIR / "templates", *sorted(SERVICE_DIR.glob("*/templates"))],
    context_processors=[request_context],
)
"""One template loader over the shared templates and those of every feature's folder."""


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page from ``templates/``; every value is escaped, so user text stays inert."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def page_error(request: Request, error: DomainError) -> Response:
    """The page shown instead of the one asked for, saying what went wrong."""
    return render(
        request,
        "error.html",
        status_code=error.status_code,
        message=error.message,
        needs_sign_in=error.status_code == 401,
    )
