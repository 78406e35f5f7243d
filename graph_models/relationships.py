"""Relationships between two organizations and their history of assessments."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, field_validator, model_validator

from graph_models.common import (
    FieldProblem,
    ListQuery,
    ReadModel,
    Reason,
    Slug,
    StrictModel,
    Timestamp,
    not_in_future,
    utc_now,
)
from graph_models.enums import RelationshipState

StateField = Field(
    description="green: keep positive involvement; yellow: improve the relationship and enhance "
    "involvement; red: heal and re-involve; no_dot: develop the relationship and begin involvement."
)


def relationship_id(org_a: str, org_b: str) -> str:
    """The stable id of the relationship between two organizations, whatever their order.

    >>> relationship_id("wic-lane", "ccr-r")
    'ccr-r~wic-lane'
    """
    first, second = sorted((org_a, org_b))
    return f"{first}~{second}"


class RelationshipCreate(StrictModel):
    """A relationship between two organizations with its first assessment."""

    org_a: Slug
    org_b: Slug
    state: RelationshipState = StateField
    reason: Reason
    assessed_at: Timestamp | None = Field(
        default=None, description="When the assessment was made; now if left out."
    )

    @model_validator(mode="after")
    def _two_different_organizations(self) -> RelationshipCreate:
        if self.org_a == self.org_b:
            raise ValueError("a relationship needs two different organizations")
        return self


class RelationshipUpdate(StrictModel):
    """A new assessment of a relationship. A change of state needs a reason."""

    state: RelationshipState | None = StateField
    reason: Reason | None = None
    assessed_at: Timestamp | None = None

    @model_validator(mode="after")
    def _state_change_needs_reason(self) -> RelationshipUpdate:
        if self.state is not None and self.reason is None:
            raise FieldProblem(
                "reason", "a change of state needs a reason: say why the relationship moved"
            )
        if self.state is None and self.reason is None:
            raise ValueError("nothing to change: give a state and a reason")
        return self


class RelationshipEnd(StrictModel):
    """The end of a relationship: the first day without it, and why. Its history is kept, and
    every answer as of an earlier day still holds it."""

    ended_on: date = Field(
        default_factory=lambda: utc_now().date(),
        description="The first day without the relationship (today if left out); not in the "
        "future, and not before its latest assessment.",
    )
    reason: Reason

    @field_validator("ended_on")
    @classmethod
    def _not_in_the_future(cls, ended_on: date) -> date:
        return not_in_future(ended_on, "an end")


class Assessment(ReadModel):
    """One assessment in a relationship's history: who set which state, when, and why."""

    state: RelationshipState
    action: str = Field(description="What the state asks for: keep, improve, heal or develop.")
    reason: str
    assessed_by: str
    assessed_at: datetime
    recorded_at: datetime


class Relationship(ReadModel):
    """A relationship with its current assessment (the latest by ``assessed_at``)."""

    id: str
    org_a: str
    org_b: str
    state: RelationshipState
    action: str
    reason: str
    assessed_by: str
    assessed_at: datetime
    assessments: int = Field(description="How many assessments the history holds.")
    ended_on: date | None = Field(
        default=None, description="The first day without the relationship, once it has ended."
    )
    end_reason: str | None = Field(default=None, description="Why it ended.")
    ended_by: str | None = Field(default=None, description="Who recorded the end.")


class RelationshipQuery(ListQuery):
    """Which relationships to list, by id."""

    org_id: str | None = Field(default=None, description="Only relationships of this org.")
    state: RelationshipState | None = Field(default=None, description="Only this state.")
