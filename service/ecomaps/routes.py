"""Eco-maps of agencies, what changed on them, and network maps of regions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from graph_models import MAX_PAGE_SIZE
from graph_models.common import MAX_OFFSET
from graph_models.ecomaps import EcoMap, EcoMapChanges, EcoMapSummary, RegionMap
from service.access.deps import Reader
from service.ecomaps.service import (
    ecomap_json,
    load_ecomap_changes,
    load_ecomap_summary,
    load_region_map,
)
from service.web.deps import AsOfDep, LaneDep, ReusedDep, StoreDep
from service.web.responses import ModelResponse

router = APIRouter(tags=["eco-maps"])

ProfileParam = Annotated[
    str | None,
    Query(description="A sector profile; its sectors without a partner are missing_sectors."),
]


@router.get("/organizations/{org_id}/ecomap", response_model=EcoMap)
async def get_ecomap(
    org_id: str,
    store: StoreDep,
    reused: ReusedDep,
    lane: LaneDep,
    _: Reader,
    as_of: AsOfDep,
    depth: Annotated[
        int, Query(ge=1, le=2, description="1: partners; 2: also partners of partners.")
    ] = 1,
    profile: ProfileParam = None,
    sector: Annotated[
        str | None,
        Query(
            description="Only the partners of this sector (a slug); partners of partners and "
            "missing_sectors stay those of the whole map."
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only the partners whose name holds this text, in any case: how the "
            "eco-map page finds a partner of a hub by name.",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"At most this many partners, by name (at most {MAX_PAGE_SIZE}); "
            "all of them if left out.",
        ),
    ] = None,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="How many partners, by name, to skip.")
    ] = 0,
) -> ModelResponse:
    """The agency's eco-map: each partner with the state of the relationship, its partnership
    level, the referrals sent and received and the open loops. A hub has thousands of
    partners: `/ecomap/sectors` sums them up by sector, `sector`, `limit` and `offset` give
    the partners of one sector, a page at a time, and `q` those whose name holds a text."""
    return ModelResponse(
        await ecomap_json(
            store,
            reused,
            lane,
            org_id,
            depth=depth,
            as_of=as_of,
            profile=profile,
            sector=sector,
            q=q,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/organizations/{org_id}/ecomap/sectors", response_model=EcoMapSummary)
def get_ecomap_sectors(
    org_id: str, store: StoreDep, _: Reader, as_of: AsOfDep, profile: ProfileParam = None
) -> ModelResponse:
    """The agency's eco-map summed up by sector: per sector, its partners by the state of the
    relationship and the referrals sent, received and still open; the partners of a sector
    are the eco-map's with `sector=`."""
    return ModelResponse(load_ecomap_summary(store, org_id, as_of=as_of, profile=profile))


@router.get("/organizations/{org_id}/ecomap/changes")
def get_ecomap_changes(
    org_id: str,
    store: StoreDep,
    _: Reader,
    since: Annotated[date, Query(description="Changes from the start of this day (UTC) on.")],
) -> EcoMapChanges:
    """What changed on the agency's eco-map since a date: partners added or gone, and states
    that moved (from, to, when, and the reason given)."""
    return load_ecomap_changes(store, org_id, since=since)


@router.get("/regions/{region}/map")
def get_region_map(region: str, store: StoreDep, _: Reader, as_of: AsOfDep) -> RegionMap:
    """Every organization of a region and the relationships among them."""
    return load_region_map(store, region, as_of=as_of)
