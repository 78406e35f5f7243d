"""The start page, the organizations of the network, and each organization's home."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from graph_models import OrganizationQuery, RelationshipState
from service.access.deps import get_principal, page_reader
from service.errors import DomainError
from service.partnerships.engagement_plan import states_as_of
from service.partnerships.service import relationships_of
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_as_of, page_error, render

router = APIRouter(include_in_schema=False)


HOME_PAGE_SIZE = 300
"""Organizations listed on one page of the home page."""


@router.get("/", response_class=HTMLResponse)
@router.get("/organizations", response_class=HTMLResponse)
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
    and filters by sector and region narrow the list. Someone whose token belongs to an
    organization starts on that organization's home instead ("my agency"); the list stays
    at ``/organizations``."""
    try:
        principal = get_principal(request, store, settings)
    except DomainError as error:
        return page_error(request, error)
    if principal.org_id and request.url.path == "/" and not request.query_params:
        return RedirectResponse(f"/orgs/{quote(principal.org_id, safe='')}", status_code=303)
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


@router.get("/orgs/{org_id}", response_class=HTMLResponse)
def organization_home(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    as_of: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One organization's key facts (sector, region, partners by state on a day, open
    feedback loops) and the way to each of its pages."""
    try:
        principal = page_reader(request, store, settings)
        day = page_as_of(as_of)
        focal = store.get_organization(org_id)
        states = Counter(
            state
            for _, state in states_as_of(relationships_of(store, org_id), org_id, day.day).values()
        )
        flows = store.referral_flow(org_id, as_of=day.until)
    except DomainError as error:
        return page_error(request, error)
    sectors = {each.slug: each.label for each in store.list_sectors()}
    return render(
        request,
        "organization.html",
        principal=principal,
        focal=focal,
        current="home",
        as_of=as_of or "",
        day=day.day,
        sector=sectors.get(focal.sector, focal.sector),
        states=[(state, states[state]) for state in RelationshipState],
        partners=sum(states.values()),
        open_loops=sum(flow.open_loops for flow in flows.values()),
        referrals_sent=sum(flow.referrals_sent for flow in flows.values()),
        referrals_received=sum(flow.referrals_received for flow in flows.values()),
        mine=principal.org_id == org_id,
    )
