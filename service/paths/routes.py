"""Warm routes from one organization to another through relationships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from graph_models import WarmPaths
from service.access.deps import Reader
from service.paths.service import find_warm_paths
from service.web.deps import AnalysisLane, StoreDep

router = APIRouter(tags=["paths"])


@router.get("/paths", dependencies=[AnalysisLane])
def warm_paths(
    store: StoreDep,
    _: Reader,
    from_org: Annotated[str, Query(description="Where the route starts.")],
    to_org: Annotated[str, Query(description="The organization to reach.")],
    max_hops: Annotated[int, Query(ge=1, le=6, description="The most hops a route may take.")] = 3,
    k: Annotated[int, Query(ge=1, le=20, description="How many routes to return at most.")] = 3,
) -> WarmPaths:
    """The `k` warmest simple routes of at most `max_hops` relationships from one organization
    to another, warmest first, each explained. A hop costs by its relationship's state:
    green 1, yellow 2, no dot 3 (the two barely know each other), red 5 (stressed), so two
    green hops beat one no-dot or red hop, and of equally warm routes the shorter comes
    first. `paths` is empty when no route that short exists."""
    return find_warm_paths(store, from_org=from_org, to_org=to_org, max_hops=max_hops, k=k)
