"""The web pages: the home page and signing a browser in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from service.api.deps import (
    SESSION_COOKIE,
    SettingsDep,
    StoreDep,
    get_principal,
    principal_for,
)
from service.errors import DomainError

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")

router = APIRouter(include_in_schema=False)


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


@router.get("/login")
def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    token: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    """Sign a browser in with a token: set the session cookie and go home."""
    try:
        principal_for(token, store, settings)
    except DomainError as error:
        return page_error(request, error)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The organizations of the network, grouped by sector."""
    try:
        principal = get_principal(request, store, settings)
    except DomainError as error:
        return page_error(request, error)
    sectors = {sector.slug: sector.label for sector in store.list_sectors()}
    organizations = store.list_organizations(limit=500, offset=0)
    by_sector: dict[str, list[Any]] = {}
    for org in organizations.items:
        by_sector.setdefault(sectors.get(org.sector, org.sector), []).append(org)
    return render(
        request,
        "home.html",
        principal=principal,
        by_sector=sorted(by_sector.items()),
        total=organizations.total,
        shown=len(organizations.items),
    )
