"""Engagement activities: listening sessions, surveys, webinars, outreach, meetings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from graph_models import Engagement, EngagementCreate, EngagementKind, EngagementStatus, Page
from service.web.deps import DEFAULT_LIMIT, Deleter, Editor, Limit, Offset, Reader, StoreDep

router = APIRouter(prefix="/engagements", tags=["engagements"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_engagement(body: EngagementCreate, store: StoreDep, _: Editor) -> Engagement:
    """Record a touchpoint, held or planned, with the organizations and contacts involved."""
    return store.create_engagement(body)


@router.get("")
def list_engagements(
    store: StoreDep,
    _: Reader,
    org_id: Annotated[str | None, Query(description="Only activities with this org.")] = None,
    kind: Annotated[EngagementKind | None, Query(description="Only this kind.")] = None,
    status: Annotated[EngagementStatus | None, Query(description="held or planned.")] = None,
    since: Annotated[date | None, Query(description="On or after this date.")] = None,
    until: Annotated[date | None, Query(description="On or before this date.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[Engagement]:
    """List engagement activities by date."""
    return store.list_engagements(
        org_id=org_id,
        kind=kind,
        status=status,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


@router.get("/{engagement_id}")
def get_engagement(engagement_id: str, store: StoreDep, _: Reader) -> Engagement:
    """One engagement activity."""
    return store.get_engagement(engagement_id)


@router.delete("/{engagement_id}", status_code=204, response_model=None)
def delete_engagement(engagement_id: str, store: StoreDep, _: Deleter) -> None:
    """Remove an engagement activity."""
    store.delete_engagement(engagement_id)
