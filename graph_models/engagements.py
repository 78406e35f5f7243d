"""Engagement activities: dated touchpoints with organizations and contacts."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from graph_models.common import ListQuery, Name, ReadModel, Slug, StrictModel, Text
from graph_models.enums import EngagementKind, EngagementStatus


class EngagementCreate(StrictModel):
    """A listening session, survey, webinar, outreach, meeting or government-to-government talk."""

    id: Slug | None = None
    kind: EngagementKind
    title: Name
    date: date
    status: EngagementStatus = Field(
        default=EngagementStatus.HELD, description="held (it took place) or planned."
    )
    org_ids: list[Slug] = Field(min_length=1, max_length=500)
    contact_ids: list[Slug] = Field(default_factory=list, max_length=500)
    notes: Text = ""


class Engagement(ReadModel):
    """An engagement activity as stored."""

    id: str
    kind: EngagementKind
    title: str
    date: date
    status: EngagementStatus
    org_ids: list[str]
    contact_ids: list[str]
    notes: str
    created_at: datetime


class EngagementQuery(ListQuery):
    """Which engagement activities to list, by date then id."""

    org_id: str | None = Field(default=None, description="Only activities with this org.")
    kind: EngagementKind | None = Field(default=None, description="Only this kind.")
    status: EngagementStatus | None = Field(default=None, description="held or planned.")
    since: date | None = Field(default=None, description="On or after this date.")
    until: date | None = Field(default=None, description="On or before this date.")
