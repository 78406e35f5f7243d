"""Warm routes on small named graphs, costs worked out by hand (green 1, yellow 2, no dot 3,
red 5)."""

from __future__ import annotations

import networkx as nx
import pytest

from graph_models import RelationshipState
from service.analytics.paths import warmest_paths

GREEN, YELLOW, NO_DOT, RED = (
    RelationshipState.GREEN,
    RelationshipState.YELLOW,
    RelationshipState.NO_DOT,
    RelationshipState.RED,
)


def graph(*edges: tuple[str, str, RelationshipState]) -> nx.Graph:
    g = nx.Graph()
    for a, b, state in edges:
        g.add_edge(a, b, state=state)
    return g


def routes(g, source="a", target="d", *, max_hops=4, k=10):
    return [(p.org_ids, p.cost) for p in warmest_paths(g, source, target, max_hops=max_hops, k=k)]


def test_two_green_hops_are_warmer_than_one_red_or_no_dot_hop():
    diamond = graph(
        ("a", "b", GREEN),
        ("b", "d", GREEN),
        ("a", "d", RED),
        ("a", "c", NO_DOT),
        ("c", "d", NO_DOT),
    )
    assert routes(diamond) == [(["a", "b", "d"], 2), (["a", "d"], 5), (["a", "c", "d"], 6)]


def test_of_equally_warm_routes_the_shorter_comes_first_then_by_ids():
    square = graph(
        ("a", "d", YELLOW),
        ("a", "b", GREEN),
        ("b", "d", GREEN),
        ("a", "c", GREEN),
        ("c", "d", GREEN),
    )
    assert routes(square) == [(["a", "d"], 2), (["a", "b", "d"], 2), (["a", "c", "d"], 2)]


def test_no_route_longer_than_max_hops_is_returned():
    chain = graph(("a", "b", GREEN), ("b", "c", GREEN), ("c", "d", GREEN), ("d", "e", GREEN))
    assert routes(chain, "a", "e", max_hops=3) == []
    assert routes(chain, "a", "e", max_hops=4) == [(["a", "b", "c", "d", "e"], 4)]


def test_routes_are_simple_and_at_most_k_are_returned():
    ring = graph(("a", "b", GREEN), ("b", "c", GREEN), ("c", "a", GREEN), ("c", "d", YELLOW))
    assert routes(ring) == [(["a", "c", "d"], 3), (["a", "b", "c", "d"], 4)]
    assert routes(ring, k=1) == [(["a", "c", "d"], 3)]


def test_each_route_is_explained_with_names_and_states_in_order():
    g = graph(("a", "b", GREEN), ("b", "c", YELLOW), ("c", "d", RED))
    g.nodes["b"]["name"] = "Hub"
    [route] = warmest_paths(g, "a", "d", max_hops=3, k=1)
    assert route.states == [GREEN, YELLOW, RED]
    assert route.names == ["a", "Hub", "c", "d"]
    assert (
        route.explanation
        == "Via Hub (green from a), then c (yellow), then to d (red); 3 hops, cost 8."
    )
    [direct] = warmest_paths(g, "c", "d", max_hops=1, k=1)
    assert direct.explanation == "Directly: the relationship is red; cost 5."


def test_an_unreachable_or_unknown_end_gives_no_route_and_the_same_end_is_refused():
    g = graph(("a", "b", GREEN), ("c", "d", GREEN))
    assert routes(g) == []
    assert routes(g, "a", "zzz") == []
    with pytest.raises(ValueError, match="two different organizations"):
        warmest_paths(g, "a", "a", max_hops=2, k=1)
