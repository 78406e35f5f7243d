"""The web pages: the home page and signing a browser in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

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


HOME_PAGE_SIZE = 300
"""Organizations listed on one page of the home page."""


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sector: Annotated[str | None, Query(max_length=80)] = None,
    region: Annotated[str | None, Query(max_length=120)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The organizations of the network, grouped by sector, a page at a time; a name search
    and filters by sector and region narrow the list."""
    try:
        principal = get_principal(request, store, settings)
    except DomainError as error:
        return page_error(request, error)
    filters = {"q": q or None, "sector": sector or None, "region": region or None}
    sectors = {each.slug: each.label for each in store.list_sectors()}
    organizations = store.list_organizations(
        **filters, limit=HOME_PAGE_SIZE, offset=(page - 1) * HOME_PAGE_SIZE
    )
    by_sector: dict[str, list[Any]] = {}
    for org in organizations.items:
        by_sector.setdefault(sectors.get(org.sector, org.sector), []).append(org)
    first = (page - 1) * HOME_PAGE_SIZE + 1
    chosen = {name: value for name, value in filters.items() if value}
    return render(
        request,
        "home.html",
        principal=principal,
        by_sector=sorted(by_sector.items()),
        total=organizations.total,
        first=first,
        last=first + len(organizations.items) - 1,
        sectors=sorted(sectors.items(), key=lambda item: item[1]),
        chosen=chosen,
        previous_page=urlencode({**chosen, "page": page - 1}) if page > 1 else None,
        next_page=(
            urlencode({**chosen, "page": page + 1})
            if page * HOME_PAGE_SIZE < organizations.total
            else None
        ),
    )
