"""Two openings of the same store, as two processes serving one data file would hold: each
sees what the other committed on its next read, on both stores."""

from __future__ import annotations

from graph_models import (
    OrganizationCreate,
    OrganizationUpdate,
    RelationshipCreate,
    RelationshipState,
    RelationshipUpdate,
)
from service.data.generator import generate_network
from service.store import open_store
from tests.conftest import add_orgs


def relate(store, a: str, b: str, state: RelationshipState = RelationshipState.GREEN) -> None:
    store.create_relationship(
        RelationshipCreate(org_a=a, org_b=b, state=state, reason="works together"),
        assessed_by="tester",
    )


def edges(graph) -> dict[str, tuple[str, list]]:
    return {
        data["id"]: (data["state"], [state for _, state in data["history"]])
        for _, _, data in graph.edges(data=True)
    }


def test_an_organization_and_relationship_added_through_one_opening_are_read_by_another(
    store, reopen
):
    other = reopen()
    try:
        assert len(other.partner_graph()) == 0
        add_orgs(store, ("wic-lane", "wic"), ("library-lane", "library"))
        relate(store, "wic-lane", "library-lane")
        graph = other.partner_graph("wic-lane")
        assert sorted(graph.nodes) == ["library-lane", "wic-lane"]
        assert graph.nodes["library-lane"]["name"] == "Library Lane"
        assert edges(graph) == {"library-lane~wic-lane": ("green", ["green"])}
    finally:
        other.close()


def test_a_reassessment_and_an_edit_through_one_opening_change_what_another_reads(store, reopen):
    add_orgs(store, ("wic-lane", "wic"), ("library-lane", "library"))
    relate(store, "wic-lane", "library-lane")
    other = reopen()
    try:
        other.partner_graph("wic-lane")
        store.assess_relationship(
            "library-lane~wic-lane",
            RelationshipUpdate(state=RelationshipState.RED, reason="stopped calling"),
            assessed_by="tester",
        )
        store.update_organization("library-lane", OrganizationUpdate(region="Marion"))
        graph = other.partner_graph("wic-lane")
        assert edges(graph) == {"library-lane~wic-lane": ("red", ["green", "red"])}
        assert graph.nodes["library-lane"]["region"] == "Marion"
        assert sorted(other.region_graph("Marion").nodes) == ["library-lane"]
    finally:
        other.close()


def test_an_organization_deleted_through_one_opening_is_gone_from_another_with_its_edges(
    store, reopen
):
    add_orgs(
        store, ("wic-lane", "wic"), ("library-lane", "library"), ("ei-lane", "early_intervention")
    )
    relate(store, "wic-lane", "library-lane")
    relate(store, "wic-lane", "ei-lane")
    other = reopen()
    try:
        assert len(other.partner_graph("wic-lane")) == 3
        store.delete_organization("library-lane")
        assert sorted(other.partner_graph("wic-lane").nodes) == ["ei-lane", "wic-lane"]
        assert "library-lane" not in other.partner_graph()
    finally:
        other.close()


def test_a_network_imported_through_one_opening_is_read_whole_by_another(store, reopen):
    add_orgs(store, ("wic-lane", "wic"))
    other = reopen()
    try:
        other.partner_graph()
        for batch in generate_network(scale="tiny", seed=3):
            store.import_bundle(batch)
        store.create_organization(OrganizationCreate(id="late", name="Late", sector="wic"))
        fresh = reopen()
        try:
            expected = fresh.partner_graph()
        finally:
            fresh.close()
        seen = other.partner_graph()
        assert dict(seen.nodes(data=True)) == dict(expected.nodes(data=True))
        assert edges(seen) == edges(expected)
        assert len(seen) > 100
    finally:
        other.close()


def test_an_opening_that_builds_its_graph_at_the_first_read_reads_what_it_wrote_before(
    store, settings
):
    lazy = open_store(settings, lazy=True)
    try:
        add_orgs(lazy, ("wic-lane", "wic"), ("library-lane", "library"))
        relate(lazy, "wic-lane", "library-lane")
        assert edges(lazy.partner_graph("wic-lane")) == {
            "library-lane~wic-lane": ("green", ["green"])
        }
        add_orgs(store, ("ei-lane", "early_intervention"))
        relate(store, "wic-lane", "ei-lane", RelationshipState.RED)
        assert sorted(lazy.partner_graph("wic-lane").nodes) == [
            "ei-lane",
            "library-lane",
            "wic-lane",
        ]
    finally:
        lazy.close()
