"""What every page shares: templates from each feature's ``templates/`` folder, and the
error page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from graph_models.common import AsOf
from service.errors import DomainError, InvalidInput
from service.web.org_picker import shown_name

WEB_DIR = Path(__file__).parent
SERVICE_DIR = WEB_DIR.parent


def request_context(request: Request) -> dict[str, Any]:
    """What every template may use besides its own values: ``csrf_token``, the CSRF token of
    the signed-in session (None without one), for forms and scripts that write; and, once the
    request's sender is known, ``principal``, whose pages the navigation links."""
    known = {"principal": request.state.principal} if hasattr(request.state, "principal") else {}
    return {"csrf_token": getattr(request.state, "csrf_token", None), **known}


templates = Jinja2Templates(
    directory=[WEB_DIR / "templates", *sorted(SERVICE_DIR.glob("*/templates"))],
    context_processors=[request_context],
)
"""One template loader over the shared templates and those of every feature's folder."""
templates.env.filters["shown_name"] = shown_name


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


def page_as_of(text: str | None) -> AsOf:
    """The day a page's ``as_of`` field names (``YYYY-MM-DD``), today when it is empty; a day
    that cannot be read is refused with a message saying so.

    >>> page_as_of("2018-01-15").day.isoformat()
    '2018-01-15'
    """
    if not text:
        return AsOf.of(None)
    try:
        return AsOf.of(date.fromisoformat(text))
    except ValueError:
        raise InvalidInput(f"as_of: '{text}' is not a day; give one as YYYY-MM-DD") from None


LIST_LIMIT = 300
"""Rows a page lists at most; a longer list asks for a narrower search."""

Row = TypeVar("Row")


def narrowed(
    rows: Sequence[Row], q: str | None, name: Callable[[Row], str]
) -> tuple[list[Row], int]:
    """The first :data:`LIST_LIMIT` rows whose ``name`` holds ``q`` (any case), and how many
    hold it in all.

    >>> narrowed(["Lane WIC", "Head Start"], "wic", str)
    (['Lane WIC'], 1)
    """
    wanted = (q or "").strip().casefold()
    matching = [row for row in rows if wanted in name(row).casefold()]
    return matching[:LIST_LIMIT], len(matching)
