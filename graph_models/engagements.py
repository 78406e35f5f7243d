"""Engagement activities: dated touchpoints with organizations and contacts."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, ValidationInfo, field_validator

from graph_models.common import (
    ListQuery,
    Name,
    ReadModel,
    Slug,
    StrictModel,
    Text,
    not_in_future,
)
from graph_models.enums import EngagementKind, EngagementStatus

Day = date
"""A calendar day, under a name that a field called ``date`` does not hide."""


class EngagementCreate(StrictModel):
    """A listening session, survey, webinar, outreach, meeting or government-to-government talk."""

    id: Slug | None = None
    kind: EngagementKind
    title: Name
    date: date
    status: EngagementStatus = Field(
        default=EngagementStatus.HELD,
        validate_default=True,
        description="held (it took place; not dated in the future), planned, or cancelled.",
    )
    org_ids: list[Slug] = Field(min_length=1, max_length=500)
    contact_ids: list[Slug] = Field(default_factory=list, max_length=500)
    notes: Text = ""

    @field_validator("status")
    @classmethod
    def _held_is_not_in_the_future(
        cls, status: EngagementStatus, info: ValidationInfo
    ) -> EngagementStatus:
        if status is EngagementStatus.HELD and "date" in info.data:
            not_in_future(info.data["date"], "a held activity")
        return status


class EngagementUpdate(StrictModel):
    """A change to an engagement activity: the fields given replace the stored ones; the
    rules of :class:`EngagementCreate` hold for the result. Cancelling (``status``
    ``cancelled``) keeps the record."""

    kind: EngagementKind | None = None
    title: Name | None = None
    date: Day | None = None
    status: EngagementStatus | None = None
    org_ids: list[Slug] | None = Field(default=None, min_length=1, max_length=500)
    contact_ids: list[Slug] | None = Field(default=None, max_length=500)
    notes: Text | None = None

    def applied_to(self, current: Engagement) -> EngagementCreate:
        """``current`` with this change, checked as a new activity would be.

        >>> from datetime import UTC, datetime
        >>> held = Engagement(id="e", kind="meeting", title="Visit", date=date(2020, 1, 1),
        ...     status="held", org_ids=["wic"], contact_ids=[], notes="",
        ...     created_at=datetime(2020, 1, 1, tzinfo=UTC))
        >>> EngagementUpdate(title="Site visit").applied_to(held).title
        'Site visit'
        >>> EngagementUpdate(status="cancelled").applied_to(held)
        Traceback (most recent call last):
        ValueError: only a planned activity can be cancelled; this one was held
        """
        if self.status is EngagementStatus.CANCELLED and current.status is EngagementStatus.HELD:
            raise ValueError("only a planned activity can be cancelled; this one was held")
        fields = current.model_dump(include=set(EngagementCreate.model_fields))
        return EngagementCreate.model_validate({**fields, **self.model_dump(exclude_unset=True)})


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
