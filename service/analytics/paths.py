"""Warm routes through the partner graph: how to reach one organization from another.

Each hop costs by the state of its relationship: a warm (green) relationship is the cheapest
way through, a stressed (red) one the dearest. No dot sits between yellow and red: the two
barely know each other, which is a weaker introduction than a relationship being improved but
not a stressed one. Every hop costs at least 1, so of two equally warm routes the shorter
wins, and two green hops (cost 2) beat one no-dot hop (cost 3) or one red hop (cost 5).
"""

from __future__ import annotations

import heapq
from itertools import pairwise
from typing import Any

import networkx as nx

from graph_models import RelationshipState, WarmPath

STATE_COST: dict[RelationshipState, int] = {
    RelationshipState.GREEN: 1,
    RelationshipState.YELLOW: 2,
    RelationshipState.NO_DOT: 3,
    RelationshipState.RED: 5,
}
"""What one hop costs, by the state of its relationship."""


def warmest_paths(
    graph: nx.Graph, source: Any, target: Any, *, max_hops: int, k: int
) -> list[WarmPath]:
    """The ``k`` warmest simple routes from ``source`` to ``target`` of at most ``max_hops``.

    Parameters
    ----------
    graph : networkx.Graph
        The partner graph: edges carry ``state`` (a :class:`RelationshipState`), nodes may
        carry ``name``.
    source, target : node
        Where the route starts and ends; they must differ.
    max_hops : int
        The most relationships a route may pass through.
    k : int
        How many routes to return at most.

    Returns
    -------
    list of WarmPath
        Cheapest first (costs in :data:`STATE_COST`); on equal cost the shorter, then the
        first in alphabetical order of ids. Empty when no route of at most ``max_hops``
        exists or either end is not in ``graph``.

    Notes
    -----
    A best-first search over partial routes, ordered by a lower bound of (cost, hops, ids)
    of every route they can grow into: every hop costs at least 1, and a node more hops away
    from ``target`` than the route has left is never entered. Routes therefore come out in
    exact order, and the search stops after the ``k``-th.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_edge("a", "b", state=RelationshipState.GREEN)
    >>> g.add_edge("b", "d", state=RelationshipState.GREEN)
    >>> g.add_edge("a", "c", state=RelationshipState.YELLOW)
    >>> g.add_edge("c", "d", state=RelationshipState.RED)
    >>> g.add_edge("a", "d", state=RelationshipState.NO_DOT)
    >>> [(p.org_ids, p.cost) for p in warmest_paths(g, "a", "d", max_hops=2, k=5)]
    [(['a', 'b', 'd'], 2), (['a', 'd'], 3), (['a', 'c', 'd'], 7)]
    >>> warmest_paths(g, "a", "d", max_hops=2, k=1)[0].explanation
    'Via b (green from a), then to d (green); 2 hops, cost 2.'
    """
    if source == target:
        raise ValueError("a route needs two different organizations")
    if source not in graph or target not in graph:
        return []
    to_target = nx.single_source_shortest_path_length(graph, target, cutoff=max_hops)
    if source not in to_target:
        return []
    start = to_target[source]
    frontier: list[tuple[int, int, tuple[Any, ...], int]] = [(start, start, (source,), 0)]
    found: list[WarmPath] = []
    while frontier and len(found) < k:
        _, _, route, cost = heapq.heappop(frontier)
        node = route[-1]
        if node == target:
            found.append(_explained(graph, route, cost))
            continue
        hops = len(route)
        for neighbour, edge in graph[node].items():
            left = to_target.get(neighbour)
            if left is None or hops + left > max_hops or neighbour in route:
                continue
            spent = cost + STATE_COST[edge["state"]]
            heapq.heappush(frontier, (spent + left, hops + left, (*route, neighbour), spent))
    return found


def _explained(graph: nx.Graph, route: tuple[Any, ...], cost: int) -> WarmPath:
    names = [str(graph.nodes[node].get("name", node)) for node in route]
    states = [RelationshipState(graph[a][b]["state"]) for a, b in pairwise(route)]
    words = [state.value.replace("_", " ") for state in states]
    hops = len(states)
    if hops == 1:
        explanation = f"Directly: the relationship is {words[0]}; cost {cost}."
    else:
        steps = [f"Via {names[1]} ({words[0]} from {names[0]})"]
        steps += [f"then {names[i + 1]} ({words[i]})" for i in range(1, hops - 1)]
        steps.append(f"then to {names[-1]} ({words[-1]}); {hops} hops, cost {cost}.")
        explanation = ", ".join(steps)
    return WarmPath(
        org_ids=list(route),
        names=names,
        states=states,
        cost=cost,
        hops=hops,
        explanation=explanation,
    )
