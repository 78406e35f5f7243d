"""Warm routes from one organization to another through relationships.

Each hop costs by the state of its relationship: a warm (green) relationship is the cheapest
way through, a stressed (red) one the dearest. No dot sits between yellow and red: the two
barely know each other, which is a weaker introduction than a relationship being improved but
not a stressed one. Every hop costs at least 1, so of two equally warm routes the shorter
wins, and two green hops (cost 2) beat one no-dot hop (cost 3) or one red hop (cost 5). Routes
rank by cost, then by hops, then by their organizations' ids in order.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from graph_models.enums import RelationshipState

STATE_COST: dict[RelationshipState, int] = {
    RelationshipState.GREEN: 1,
    RelationshipState.YELLOW: 2,
    RelationshipState.NO_DOT: 3,
    RelationshipState.RED: 5,
}
"""What one hop costs, by the state of its relationship."""


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
