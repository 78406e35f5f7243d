"""How deep each partnership goes, how healthy it is, what to do next, and network measures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from graph_models.evidence import PartnershipLevels
from graph_models.measures import NetworkMeasures
from graph_models.partnerships import EngagementPlan, RelationshipHealthReport
from service.partnerships import service as partnerships
from service.web.deps import AsOfDep, Reader, StoreDep
from service.web.responses import ModelResponse

router = APIRouter(tags=["partnerships"])


@router.get("/organizations/{org_id}/partnership-levels", response_model=PartnershipLevels)
def partnership_levels(
    org_id: str, store: StoreDep, principal: Reader, as_of: AsOfDep
) -> ModelResponse:
    """For each partner, the highest partnership level reached (1 referrals, 2 joint case
    planning, 3 joint program, 4 shared infrastructure, 5 local collaborative, 6 state-level
    collaborative) with the evidence in force that day. An agreement, program or collaborative
    stops counting after its end. Case refs are shown only to admins and to caseworkers of a
    member organization."""
    return ModelResponse(partnerships.levels_of(store, org_id, principal=principal, as_of=as_of))


@router.get("/organizations/{org_id}/relationship-health")
def relationship_health(
    org_id: str, store: StoreDep, _: Reader, as_of: AsOfDep
) -> RelationshipHealthReport:
    """A suggested state for each partner from what the graph holds: how long since the last
    engagement, how many referrals either way in 90 days have had no feedback, whether
    referrals flow both ways, and whether the level rose or fell in the past year. The assessed
    state stays the state of record; `flag` says where the suggestion disagrees with it."""
    return partnerships.health_of(store, org_id, as_of=as_of)


@router.get("/organizations/{org_id}/engagement-plan")
def engagement_plan(org_id: str, store: StoreDep, _: Reader, as_of: AsOfDep) -> EngagementPlan:
    """Partners grouped by state with the action each state asks for: green keep, yellow
    improve, red heal, no dot develop. For each partner the last touchpoint and the planned
    activities (who, format, when); a planned activity dated before today (or `as_of`) is
    overdue."""
    return partnerships.plan_of(store, org_id, as_of=as_of)


@router.get("/network/measures")
def network_measures(
    store: StoreDep,
    _: Reader,
    org_id: Annotated[
        str | None, Query(description="Measure this organization's neighbourhood; all if left out.")
    ] = None,
    depth: Annotated[int, Query(ge=1, le=4, description="How many steps out from org_id.")] = 1,
    region: Annotated[str | None, Query(description="Only organizations of this region.")] = None,
    top: Annotated[int, Query(ge=1, le=100, description="How many brokers to list.")] = 10,
) -> NetworkMeasures:
    """Density, degree and betweenness (brokers) of the partner graph, overall and per sector
    and per region. On large graphs betweenness is estimated from a fixed sample of source
    organizations, as many as take a couple of seconds; `betweenness_samples` says how many
    (null: exact)."""
    return partnerships.measures_of(store, org_id=org_id, depth=depth, region=region, top=top)
