"""Warm routes between two organizations, as a request asks for them."""

from __future__ import annotations

from graph_models import STATE_COST, WarmPaths
from service.errors import InvalidInput
from service.paths.analytics import warmest_paths
from service.store import Store


def find_warm_paths(
    store: Store, *, from_org: str, to_org: str, max_hops: int, k: int
) -> WarmPaths:
    """The ``k`` warmest routes of at most ``max_hops`` between two organizations."""
    if from_org == to_org:
        raise InvalidInput("from_org and to_org are the same organization")
    with store.lent_graph([from_org, to_org]) as graph:
        paths = warmest_paths(graph, from_org, to_org, max_hops=max_hops, k=k)
    return WarmPaths(
        from_org=from_org,
        to_org=to_org,
        max_hops=max_hops,
        k=k,
        costs=STATE_COST,
        paths=paths,
    )
