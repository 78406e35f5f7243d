"""Network measures checked against values worked out by hand on small named graphs."""

from __future__ import annotations

import networkx as nx
import pytest

from graph_models import OrganizationUpdate, RelationshipCreate, RelationshipState
from service.partnerships.measures import network_measures
from tests.conftest import add_orgs


def graph(edges: list[tuple[str, str]], **attributes: tuple[str, str | None]) -> nx.Graph:
    """A partner graph; ``attributes`` gives each node's ``(sector, region)``."""
    built = nx.Graph(edges)
    for node in built:
        sector, region = attributes.get(node, ("wic", "Lane"))
        built.nodes[node].update(name=node.upper(), sector=sector, region=region)
    return built


def path_a_b_c_d() -> nx.Graph:
    return graph(
        [("a", "b"), ("b", "c"), ("c", "d")],
        a=("wic", "Lane"),
        b=("wic", "Lane"),
        c=("library", "Lane"),
        d=("library", "Marion"),
    )


def test_a_path_of_four_has_half_its_ties_and_two_equal_brokers_in_the_middle():
    # 3 ties of the 6 possible. b lies on the shortest paths a-c and a-d, c on a-d and b-d:
    # 2 of the 3 pairs that do not include them, so 2/3 each.
    measures = network_measures(path_a_b_c_d())
    assert (measures.organizations, measures.ties, measures.density) == (4, 3, 0.5)
    assert measures.mean_degree == 1.5
    assert [(b.org_id, b.degree, b.betweenness) for b in measures.brokers] == [
        ("b", 2, pytest.approx(2 / 3)),
        ("c", 2, pytest.approx(2 / 3)),
    ]
    assert measures.betweenness_samples is None


def test_a_path_of_four_per_sector_and_per_region():
    measures = network_measures(path_a_b_c_d())
    by_sector = {g.group: g for g in measures.by_sector}
    # library = {c, d}: the tie c-d inside, b-c across; wic = {a, b}: a-b inside, b-c across.
    assert [g.group for g in measures.by_sector] == ["library", "wic"]
    assert (by_sector["library"].ties_within, by_sector["library"].ties_across) == (1, 1)
    assert (by_sector["library"].density, by_sector["library"].mean_degree) == (1.0, 1.5)
    assert (by_sector["library"].broker, by_sector["wic"].broker) == ("c", "b")
    by_region = {g.group: g for g in measures.by_region}
    # Lane = {a, b, c}: a-b and b-c inside of 3 possible, c-d across; Marion = {d} alone.
    lane, marion = by_region["Lane"], by_region["Marion"]
    assert (lane.organizations, lane.ties_within, lane.ties_across) == (3, 2, 1)
    assert lane.density == pytest.approx(2 / 3)
    assert lane.mean_degree == pytest.approx(5 / 3)
    assert lane.broker == "b"
    assert (marion.organizations, marion.density, marion.mean_degree, marion.broker) == (
        1,
        0.0,
        1.0,
        None,
    )


def test_the_centre_of_a_star_brokers_every_pair_of_leaves():
    # 4 ties of the 10 possible; all 6 pairs of leaves meet only through the hub.
    star = graph([("hub", leaf) for leaf in ("l1", "l2", "l3", "l4")])
    measures = network_measures(star)
    assert (measures.density, measures.mean_degree) == (0.4, 1.6)
    assert [(b.org_id, b.degree, b.betweenness) for b in measures.brokers] == [("hub", 4, 1.0)]
    assert [(g.group, g.ties_within, g.density) for g in measures.by_sector] == [("wic", 4, 0.4)]


def test_two_triangles_joined_by_a_bridge_have_the_bridge_ends_as_brokers():
    # 7 ties of 15. c carries the 6 pairs between {a, b} and {d, e, f}; d the 6 between
    # {e, f} and {a, b, c}; normalized by the 10 pairs without them: 0.6 each.
    bridged = graph(
        [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("d", "e"), ("e", "f"), ("d", "f")],
        d=("tribe", None),
        e=("tribe", None),
        f=("tribe", None),
    )
    measures = network_measures(bridged, top=1)
    assert measures.density == pytest.approx(7 / 15)
    assert [(b.org_id, b.betweenness) for b in measures.brokers] == [("c", pytest.approx(0.6))]
    assert [(g.group, g.ties_within, g.ties_across, g.broker) for g in measures.by_sector] == [
        ("tribe", 3, 1, "d"),
        ("wic", 3, 1, "c"),
    ]
    assert [g.group for g in measures.by_region] == ["Lane", None]


def test_betweenness_is_estimated_only_when_fewer_samples_than_organizations_are_asked_for():
    star = graph([("hub", leaf) for leaf in ("l1", "l2", "l3", "l4")])
    assert network_measures(star, betweenness_samples=10).betweenness_samples is None
    sampled = network_measures(star, betweenness_samples=3, seed=1)
    assert sampled.betweenness_samples == 3
    assert sampled.brokers[0].org_id == "hub"


def test_an_empty_graph_measures_zero():
    measures = network_measures(nx.Graph())
    assert (measures.organizations, measures.density, measures.brokers) == (0, 0.0, [])


def test_the_measures_route_covers_the_whole_graph_a_neighbourhood_or_a_region(client, store):
    add_orgs(store, ("a", "wic"), ("b", "wic"), ("c", "library"), ("d", "library"))
    store.update_organization("d", OrganizationUpdate(region="Marion"))
    for x, y in (("a", "b"), ("b", "c"), ("c", "d")):
        store.create_relationship(
            RelationshipCreate(org_a=x, org_b=y, state=RelationshipState.GREEN, reason="r"),
            assessed_by="t",
        )
    whole = client.get("/api/v1/network/measures").json()
    assert (whole["organizations"], whole["density"], whole["org_id"]) == (4, 0.5, None)
    assert [b["org_id"] for b in whole["brokers"]] == ["b", "c"]
    near = client.get("/api/v1/network/measures", params={"org_id": "a", "depth": 2}).json()
    # a - b - c: b carries the one pair (a, c).
    assert (near["organizations"], near["depth"]) == (3, 2)
    assert [(b["org_id"], b["betweenness"]) for b in near["brokers"]] == [("b", 1.0)]
    lane = client.get("/api/v1/network/measures", params={"region": "Lane"}).json()
    assert (lane["organizations"], lane["ties"], lane["region"]) == (3, 2, "Lane")
    missing = client.get("/api/v1/network/measures", params={"org_id": "nowhere"})
    assert missing.status_code == 404


def test_sampled_betweenness_is_the_same_however_the_graph_was_built():
    edges = [(f"o{i}", f"o{(i * 7 + 3) % 40}") for i in range(40)] + [("o1", "o2"), ("o5", "o9")]
    forward, backward = nx.Graph(edges), nx.Graph(list(reversed(edges)))
    for graph in (forward, backward):
        nx.set_node_attributes(
            graph, {n: {"name": n, "sector": "wic", "region": None} for n in graph}
        )
    assert network_measures(forward, betweenness_samples=5) == network_measures(
        backward, betweenness_samples=5
    )
