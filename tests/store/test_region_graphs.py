"""The store's region graph, on both stores."""

from __future__ import annotations

from graph_models import OrganizationCreate, RelationshipCreate, RelationshipState
from tests.conftest import add_orgs


def test_the_region_graph_holds_the_region_and_only_the_relationships_inside_it(store):
    add_orgs(store, ("a", "wic"), ("b", "library"))
    store.create_organization(
        OrganizationCreate(id="far", name="Far", sector="wic", region="Marion")
    )
    for x, y in (("a", "b"), ("a", "far")):
        store.create_relationship(
            RelationshipCreate(org_a=x, org_b=y, state=RelationshipState.RED, reason="r"),
            assessed_by="t",
        )
    graph = store.region_graph("Lane")
    assert sorted(graph.nodes) == ["a", "b"]
    assert graph.nodes["b"] == {
        "name": "B",
        "sector": "library",
        "region": "Lane",
        "internal": False,
    }
    assert [(data["id"], data["state"]) for _, _, data in graph.edges(data=True)] == [
        ("a~b", RelationshipState.RED)
    ]
    assert [state for _, state in graph.edges["a", "b"]["history"]] == [RelationshipState.RED]
    assert sorted(store.region_graph("Marion").nodes) == ["far"]


def test_a_region_without_organizations_has_an_empty_graph(store):
    add_orgs(store, ("a", "wic"))
    assert len(store.region_graph("Atlantis")) == 0
    assert len(store.region_graph("lane")) == 0
