"""Warm routes from one organization to another through relationships.

Each hop costs by the state of its relationship: a warm (green) relationship is the cheapest
way through, a stressed (red) one the dearest. No dot sits between yellow and red: the two
barely know each other, which is a weaker introduction than a relationship being improved but
not a stressed one. Every hop costs at least 1, so of two equally warm routes the shorter
wins, and two green hops (cost 2) beat one no-dot hop (cost 3) or one red hop (cost 5). Routes
rank by cost, then by hops, then by their organizations' ids in order.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, Field

from graph_models.enums import RelationshipState

STATE_COST: dict[RelationshipState, int] = {
    RelationshipState.GREEN: 1,
    RelationshipState.YELLOW: 2,
    RelationshipState.NO_DOT: 3,
    RelationshipState.RED: 5,
}
"""What one hop costs, by the state of its relationship."""


def warmest_found(found: Collection[tuple[int, int]], *, max_hops: int, k: int) -> bool:
    """Whether the ``k`` warmest routes of at most ``max_hops`` are all among ``found``.

    ``found`` holds the ``(cost, hops)`` of every route of the fewest hops, and of every route
    of the fewest hops that passes green relationships only: what two searches for shortest
    routes give, each route once; empty when there is no route at all. Any other route has
    more hops than the first ones and, if all its hops are green, more than the second ones;
    it costs at least that much, and more for a hop that is not green.

    Examples
    --------
    >>> warmest_found([(2, 2)], max_hops=4, k=1)  # two green hops: nothing is warmer
    True
    >>> warmest_found([(5, 1)], max_hops=4, k=1)  # one red hop: four green ones would be
    False
    >>> warmest_found([(5, 1), (2, 2)], max_hops=4, k=1)  # two green ones are found
    True
    >>> warmest_found([(2, 2)], max_hops=4, k=3)  # fewer than k found: more may exist
    False
    """
    cheapest, dearer = sorted(set(STATE_COST.values()))[:2]
    fewest = min((hops for _, hops in found), default=max_hops)
    floors = []  # the least (cost, hops) of a route not found, of each kind
    if fewest < max_hops:
        floors.append((fewest * cheapest + dearer, fewest + 1))
        green = min((hops for cost, hops in found if cost == hops * cheapest), default=max_hops)
        if green < max_hops:
            floors.append(((green + 1) * cheapest, green + 1))
    ranked = sorted(found)
    return not floors or (len(ranked) >= k and ranked[k - 1] < min(floors))


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
