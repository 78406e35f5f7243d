"""Relationships between organizations and their history of assessments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from graph_models import (
    Assessment,
    Page,
    Relationship,
    RelationshipCreate,
    RelationshipState,
    RelationshipUpdate,
)
from service.web.deps import DEFAULT_LIMIT, Assessor, Limit, Offset, Reader, StoreDep

router = APIRouter(prefix="/relationships", tags=["relationships"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_relationship(
    body: RelationshipCreate, store: StoreDep, principal: Assessor
) -> Relationship:
    """Relate two organizations with a first assessment: a state (green, yellow, red, no_dot)
    and the reason for it. The token's holder is recorded as the assessor."""
    return store.create_relationship(body, assessed_by=principal.name)


@router.get("")
def list_relationships(
    store: StoreDep,
    _: Reader,
    org_id: Annotated[str | None, Query(description="Only relationships of this org.")] = None,
    state: Annotated[RelationshipState | None, Query(description="Only this state.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[Relationship]:
    """List relationships with their current state, filtered by organization and state."""
    return store.list_relationships(org_id=org_id, state=state, limit=limit, offset=offset)


@router.get("/{rel_id}")
def get_relationship(rel_id: str, store: StoreDep, _: Reader) -> Relationship:
    """One relationship with its current assessment."""
    return store.get_relationship(rel_id)


@router.patch("/{rel_id}")
def assess_relationship(
    rel_id: str, body: RelationshipUpdate, store: StoreDep, principal: Assessor
) -> Relationship:
    """Assess a relationship again. A change of state needs a reason; the earlier assessments
    stay in the history."""
    return store.assess_relationship(rel_id, body, assessed_by=principal.name)


@router.get("/{rel_id}/history")
def relationship_history(rel_id: str, store: StoreDep, _: Reader) -> list[Assessment]:
    """Every assessment of a relationship, oldest first: who set which state, when and why."""
    return store.relationship_history(rel_id)
