"""The home page: the organizations of the network."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from graph_models import OrganizationQuery
from service.access.deps import get_principal
from service.errors import DomainError
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_error, render

router = APIRouter(include_in_schema=False)


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
        OrganizationQuery(**filters, limit=HOME_PAGE_SIZE, offset=(page - 1) * HOME_PAGE_SIZE)
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
