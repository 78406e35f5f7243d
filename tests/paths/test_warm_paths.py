"""Warm routes on small named graphs, costs worked out by hand (green 1, yellow 2, no dot 3,
red 5)."""

from __future__ import annotations

import random
from itertools import pairwise

import networkx as nx
import pytest

from graph_models import RelationshipState
from service.paths import analytics as paths
from service.paths.analytics import STATE_COST, warmest_paths

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


def test_a_route_through_a_hub_is_found_and_one_of_five_hops_only_within_five():
    spokes = [(f"p{n}", "hub", GREEN) for n in range(150)]  # more than FEW_PARTNERS
    g = graph(
        *spokes,
        ("a", "hub", YELLOW),
        ("p7", "x", GREEN),
        ("x", "d", GREEN),
        ("a", "b", GREEN),
        ("b", "c", GREEN),
        ("c", "e", GREEN),
        ("e", "f", GREEN),
        ("f", "d", GREEN),
    )
    assert routes(g) == [(["a", "hub", "p7", "x", "d"], 5)]
    assert routes(g, max_hops=5) == [
        (["a", "hub", "p7", "x", "d"], 5),
        (["a", "b", "c", "e", "f", "d"], 5),
    ]


def test_a_route_may_leave_the_targets_neighbourhood_and_come_back_within_max_hops():
    # b is three hops from d, beyond the two the search maps around d, and still on a route.
    g = graph(("a", "b", GREEN), ("b", "c", GREEN), ("c", "e", GREEN), ("e", "d", GREEN))
    assert routes(g, max_hops=4) == [(["a", "b", "c", "e", "d"], 4)]
    assert routes(g, "b", "d", max_hops=3) == [(["b", "c", "e", "d"], 3)]


@pytest.mark.parametrize("few_partners", [0, paths.FEW_PARTNERS])
@pytest.mark.parametrize("seed", range(40))
def test_routes_are_exactly_the_k_cheapest_simple_routes_in_order(seed, few_partners, monkeypatch):
    monkeypatch.setattr(paths, "FEW_PARTNERS", few_partners)
    rng = random.Random(seed)
    states = [GREEN, YELLOW, NO_DOT, RED]
    nodes = [f"n{n}" for n in range(rng.randint(4, 14))]
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for _ in range(rng.randint(3, 30)):
        a, b = rng.sample(nodes, 2)
        g.add_edge(a, b, state=rng.choice(states))
    source, target = rng.sample(nodes, 2)
    max_hops, k = rng.randint(1, 6), rng.randint(1, 12)
    every = sorted(
        (sum(STATE_COST[g[a][b]["state"]] for a, b in pairwise(p)), len(p) - 1, p)
        for p in nx.all_simple_paths(g, source, target, cutoff=max_hops)
    )
    expected = [(p, cost) for cost, _, p in every[:k]]
    assert routes(g, source, target, max_hops=max_hops, k=k) == expected
