"""The warm-paths page: two organizations picked by typing their names, and the warmest
routes between them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from graph_models import STATE_COST, RelationshipState
from service.access.deps import page_reader
from service.errors import DomainError
from service.paths.service import find_warm_paths
from service.web.deps import AnalysisLane, SettingsDep, StoreDep
from service.web.org_picker import pick_organization
from service.web.pages import page_error, render

router = APIRouter(include_in_schema=False)

Name = Annotated[str | None, Query(max_length=300)]


@router.get("/paths", response_class=HTMLResponse, dependencies=[AnalysisLane])
def paths_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    from_name: Name = None,
    to_name: Name = None,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 3,
    k: Annotated[int, Query(ge=1, le=20)] = 3,
) -> Response:
    """The ``k`` warmest routes of at most ``max_hops`` relationships from one organization to
    another, both picked by name; a name that picks no single organization is said next to
    its field."""
    try:
        principal = page_reader(request, store, settings)
        start, goal = pick_organization(store, from_name), pick_organization(store, to_name)
        same = (
            start.organization is not None
            and goal.organization is not None
            and start.organization.id == goal.organization.id
        )
        answer = (
            find_warm_paths(
                store,
                from_org=start.organization.id,
                to_org=goal.organization.id,
                max_hops=max_hops,
                k=k,
            )
            if start.organization and goal.organization and not same
            else None
        )
    except DomainError as error:
        return page_error(request, error)
    refused = bool(start.problem or goal.problem or same)
    return render(
        request,
        "paths.html",
        status_code=422 if refused else 200,
        principal=principal,
        focal=start.organization,
        current="paths",
        start=start,
        goal=goal,
        same=same,
        max_hops=max_hops,
        k=k,
        answer=answer,
        states=list(RelationshipState),
        costs=STATE_COST,
    )
