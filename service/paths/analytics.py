"""Warm routes through the partner graph: how to reach one organization from another, each
hop costing by the state of its relationship (:data:`graph_models.paths.STATE_COST`).
"""

from __future__ import annotations

import heapq
from itertools import pairwise
from typing import Any

import networkx as nx

from graph_models import STATE_COST, RelationshipState, WarmPath

FEW_PARTNERS = 100
"""The most partners of a node whose next hops are taken all at once; those of a hub wait in
the frontier, ring by ring, until the search reaches them."""


def warmest_paths(
    graph: nx.Graph, source: Any, target: Any, *, max_hops: int, k: int
) -> list[WarmPath]:
    """The ``k`` warmest simple routes from ``source`` to ``target`` of at most ``max_hops``.

    Parameters
    ----------
    graph : networkx.Graph
        The partner graph, or any part of it holding every route of at most ``max_hops``:
        edges carry ``state`` (a :class:`RelationshipState`), nodes may carry ``name``.
        It is only read, never copied.
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

    Only the rings of nodes up to ``max_hops // 2`` hops from ``target`` are worked out, with
    set operations, and nothing is copied; a node outside them is at least one hop further.
    A route's next hops are taken from the rings near enough to ``target``, by set
    intersection. Through a hub (more than :data:`FEW_PARTNERS` partners) each ring waits in
    the frontier under its own bound: so a hub's thousands of partners are looked at only when
    no warmer route is left.

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
    adjacency = graph._adj  # plain dicts, as networkx's own searches read them: fast set operations
    rings = _rings(adjacency, target, depth=max_hops // 2)
    # Nodes in no ring are at least ``outside`` hops from target; None when they cannot reach it.
    outside = len(rings) if len(rings) > max_hops // 2 else None
    inside: set[Any] = set().union(*rings)
    start = next((hops for hops, ring in enumerate(rings) if source in ring), outside)
    if start is None or start > max_hops:
        return []
    # (cost bound, hops bound, route, cost so far, ring): ring -1 is the route itself; ring
    # ``r`` stands for the routes one hop longer whose last node is in ring ``r``.
    frontier: list[tuple[int, int, tuple[Any, ...], int, int]] = [(start, start, (source,), 0, -1)]

    def extend(route: tuple[Any, ...], cost: int, ring: int) -> None:
        """Push the routes one hop longer whose last node is in ``ring``."""
        partners = adjacency[route[-1]]
        nexts = partners.keys() & rings[ring] if ring < len(rings) else partners.keys() - inside
        hops = len(route) + ring
        for partner in nexts:
            if partner not in route and "ended_at" not in partners[partner]:
                spent = cost + STATE_COST[partners[partner]["state"]]
                heapq.heappush(frontier, (spent + ring, hops, (*route, partner), spent, -1))

    found: list[WarmPath] = []
    while frontier and len(found) < k:
        _, _, route, cost, ring = heapq.heappop(frontier)
        node = route[-1]
        if ring >= 0:
            extend(route, cost, ring)
        elif node == target:
            found.append(_explained(graph, route, cost))
        else:
            hops, left = len(route), max_hops - len(route)  # after one more hop
            nears = [*range(min(left, len(rings) - 1) + 1)]
            if outside is not None and left >= outside:
                nears.append(outside)
            for near in nears:
                if len(adjacency[node]) > FEW_PARTNERS:
                    heapq.heappush(frontier, (cost + 1 + near, hops + near, route, cost, near))
                else:
                    extend(route, cost, near)
    return found


def _rings(adjacency: Any, root: Any, *, depth: int) -> list[set[Any]]:
    """The nodes exactly 0, 1, ..., ``depth`` hops from ``root``; fewer rings when the nodes
    run out first.

    >>> _rings({"a": {"b": {}}, "b": {"a": {}, "c": {}}, "c": {"b": {}}}, "a", depth=1)
    [{'a'}, {'b'}]
    """
    rings = [{root}]
    for _ in range(depth):
        ring = set().union(*[adjacency[node] for node in rings[-1]])
        ring -= rings[-1]
        if len(rings) > 1:
            ring -= rings[-2]
        if not ring:
            break
        rings.append(ring)
    return rings


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
