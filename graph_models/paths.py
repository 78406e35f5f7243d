"""Warm routes from one organization to another through relationships."""

from __future__ import annotations

from pydantic import BaseModel, Field

from graph_models.enums import RelationshipState


class WarmPath(BaseModel):
    """One route, explained."""

    org_ids: list[str] = Field(description="From the first organization to the last.")
    names: list[str]
    states: list[RelationshipState] = Field(description="The state of each hop, in order.")
    cost: int = Field(description="The sum of the hops' costs; lower is warmer.")
    hops: int
    explanation: str


class WarmPaths(BaseModel):
    """The warmest routes between two organizations, warmest first."""

    from_org: str
    to_org: str
    max_hops: int
    k: int
    costs: dict[RelationshipState, int] = Field(description="What one hop costs, by state.")
    paths: list[WarmPath]
