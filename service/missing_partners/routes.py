"""Missing and weak partners against a sector profile, and who could fill the gap."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from graph_models.missing_partners import MissingPartners
from service.access.deps import Reader
from service.missing_partners import service as gaps
from service.web.deps import AnalysisLane, StoreDep
from service.web.responses import ModelResponse

router = APIRouter(tags=["missing partners"])

ProfileName = Annotated[
    str,
    Query(
        max_length=80,
        description="The sector profile to check against, e.g. `oregon-infant-toddler`; "
        "`GET /api/v1/profiles` lists them.",
    ),
]
CandidateLimit = Annotated[
    int,
    Query(
        ge=1,
        le=gaps.MAX_CANDIDATES,
        description=f"The most candidates per sector, at most {gaps.MAX_CANDIDATES}.",
    ),
]

RANKING = """
Each sector of the profile is **missing** (no partner), **weak** (only red or no-dot
partners), **fragile** (a single partner in good standing) or **covered**. Every relationship,
whatever its state, makes a partner. For each sector with a gap, the candidates are
organizations of that sector with no relationship yet, ranked by warm introductions (partners
of ours who have a relationship with them: 1 per green, 0.5 per yellow, 0 for red or no dot,
multiplied over our relationship with the introducer and theirs with the candidate), then by
being in our region, then by referrals with us (either way), then by name; an organization we
exchange referrals with is a candidate even when no partner knows it. Each comes with its
introducers (`via`) and a one-line `reason`.
"""


@router.get(
    "/organizations/{org_id}/missing-partners",
    response_model=MissingPartners,
    dependencies=[AnalysisLane],
    description=RANKING,
)
def organization_missing_partners(
    org_id: str,
    store: StoreDep,
    _: Reader,
    profile: ProfileName,
    limit: CandidateLimit = gaps.DEFAULT_CANDIDATES,
) -> ModelResponse:
    """The sectors of a profile an organization has no, weak or a single partner in."""
    return ModelResponse(gaps.organization_gaps(store, org_id, profile=profile, limit=limit))


@router.get(
    "/regions/{region}/missing-partners",
    response_model=MissingPartners,
    dependencies=[AnalysisLane],
    description="Every organization whose region is exactly `region`, taken together: their "
    "partners are pooled, each in the best state any of them has with it, and a candidate in "
    "the region counts as same region." + RANKING,
)
def region_missing_partners(
    region: str,
    store: StoreDep,
    _: Reader,
    profile: ProfileName,
    limit: CandidateLimit = gaps.DEFAULT_CANDIDATES,
) -> ModelResponse:
    """The sectors of a profile a region as a whole has no, weak or a single partner in."""
    return ModelResponse(gaps.region_gaps(store, region, profile=profile, limit=limit))


@router.get(
    "/collaboratives/{collaborative_id}/missing-partners",
    response_model=MissingPartners,
    dependencies=[AnalysisLane],
    description="The members of a collaborative taken together: their partners are pooled, "
    "each in the best state any member has with it." + RANKING,
)
def collaborative_missing_partners(
    collaborative_id: str,
    store: StoreDep,
    _: Reader,
    profile: ProfileName,
    limit: CandidateLimit = gaps.DEFAULT_CANDIDATES,
) -> ModelResponse:
    """The sectors of a profile a collaborative as a whole has no, weak or a single partner in."""
    return ModelResponse(
        gaps.collaborative_gaps(store, collaborative_id, profile=profile, limit=limit)
    )
