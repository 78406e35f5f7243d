"""Warm routes asked through the API on both stores: the cases where the routes of the fewest
hops are not the warmest, ended relationships, ties and routes out of reach. On Neo4j each is
answered by the shortest-route search alone or with the wider search after it."""

from __future__ import annotations

import pytest

from graph_models import RelationshipCreate, RelationshipEnd, relationship_id
from tests.conftest import add_orgs


@pytest.fixture
def relate(store):
    """``relate(("a", "b", "green"), ...)``: the organizations and their relationships."""

    known: set[str] = set()

    def make(*edges: tuple[str, str, str]) -> None:
        new = sorted({org for a, b, _ in edges for org in (a, b)} - known)
        add_orgs(store, *[(org, "wic") for org in new])
        known.update(new)
        for a, b, state in edges:
            store.create_relationship(
                RelationshipCreate(org_a=a, org_b=b, state=state, reason="r"), assessed_by="t"
            )

    return make


def end(store, a: str, b: str) -> None:
    store.end_relationship(relationship_id(a, b), RelationshipEnd(reason="closed"), ended_by="t")


def routes(client, *, k=1, max_hops=4, from_org="a", to_org="d"):
    params = {"from_org": from_org, "to_org": to_org, "k": k, "max_hops": max_hops}
    response = client.get("/api/v1/paths", params=params)
    assert response.status_code == 200, response.text
    return [(p["org_ids"], p["cost"]) for p in response.json()["paths"]]


def test_one_route_asked_is_the_warmest_even_when_a_shorter_one_is_stressed(client, relate):
    relate(("a", "d", "red"), ("a", "b", "green"), ("b", "c", "green"), ("c", "e", "green"))
    relate(("e", "d", "green"))
    assert routes(client) == [(["a", "b", "c", "e", "d"], 4)]
    assert routes(client, k=2) == [(["a", "b", "c", "e", "d"], 4), (["a", "d"], 5)]


def test_a_route_neither_shortest_nor_all_green_is_found_when_it_is_the_warmest(client, relate):
    # The shortest route is red and the shortest green one has three hops; a green and a
    # yellow hop (cost 3, two hops) beat both.
    relate(("a", "d", "red"), ("a", "b", "green"), ("b", "c", "green"), ("c", "d", "green"))
    relate(("a", "x", "green"), ("x", "d", "yellow"))
    assert routes(client) == [(["a", "x", "d"], 3)]
    assert routes(client, k=3) == [(["a", "x", "d"], 3), (["a", "b", "c", "d"], 3), (["a", "d"], 5)]


def test_an_ended_relationship_on_the_only_short_route_sends_the_route_the_long_way(
    client, relate, store
):
    relate(("a", "b", "green"), ("b", "d", "green"), ("a", "c", "yellow"), ("c", "e", "green"))
    relate(("e", "d", "no_dot"))
    assert routes(client) == [(["a", "b", "d"], 2)]
    end(store, "b", "d")
    assert routes(client) == [(["a", "c", "e", "d"], 6)]
    assert routes(client, max_hops=2) == []


def test_an_ended_relationship_is_left_out_of_the_wider_search_too(client, relate, store):
    relate(("a", "d", "red"), ("a", "b", "green"), ("b", "d", "yellow"), ("a", "c", "green"))
    relate(("c", "d", "green"))
    end(store, "c", "d")
    assert routes(client) == [(["a", "b", "d"], 3)]
    assert routes(client, k=5) == [(["a", "b", "d"], 3), (["a", "d"], 5)]


def test_equally_warm_routes_come_shorter_first_then_by_ids_whichever_search_finds_them(
    client, relate
):
    relate(("a", "c", "green"), ("c", "d", "green"), ("a", "b", "green"), ("b", "d", "green"))
    assert routes(client) == [(["a", "b", "d"], 2)]
    relate(("a", "d", "yellow"))
    assert routes(client) == [(["a", "d"], 2)]
    assert routes(client, k=3) == [(["a", "d"], 2), (["a", "b", "d"], 2), (["a", "c", "d"], 2)]


def test_equally_warm_longer_routes_are_told_apart_by_ids(client, relate):
    relate(("a", "d", "red"), ("a", "y", "yellow"), ("y", "d", "green"), ("a", "x", "green"))
    relate(("x", "d", "yellow"))
    assert routes(client) == [(["a", "x", "d"], 3)]
    assert routes(client, k=2) == [(["a", "x", "d"], 3), (["a", "y", "d"], 3)]


def test_no_route_within_max_hops_gives_an_empty_answer_for_one_route_or_many(client, relate):
    relate(("a", "b", "green"), ("b", "c", "green"), ("c", "e", "green"), ("e", "f", "green"))
    relate(("f", "d", "green"), ("g", "h", "green"))
    for k in (1, 3):
        assert routes(client, k=k) == []
        assert routes(client, k=k, from_org="a", to_org="h") == []
    assert routes(client, max_hops=5) == [(["a", "b", "c", "e", "f", "d"], 5)]


def test_one_route_from_or_to_an_unknown_organization_names_it(client, relate):
    relate(("a", "d", "green"))
    for params in ({"from_org": "ghost", "to_org": "d"}, {"from_org": "a", "to_org": "ghost"}):
        response = client.get("/api/v1/paths", params={**params, "k": 1})
        assert response.status_code == 404
        assert "organization 'ghost' does not exist" in response.json()["detail"]
