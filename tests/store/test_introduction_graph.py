"""The store's introduction graph and the graph it lends for ranking candidates, the
missing-partners question, on both stores."""

from __future__ import annotations

import contextlib

import pytest

from graph_models import (
    OrganizationCreate,
    OrganizationUpdate,
    RelationshipCreate,
    RelationshipState,
)
from service.errors import NotFound
from service.missing_partners.analytics import rank_candidates
from tests.conftest import add_orgs

GREEN, RED = RelationshipState.GREEN, RelationshipState.RED


def ranked(store, org_ids, *, referral_counts, limit):
    """The candidates for WIC, ranked in the graph the store lends."""
    with store.lent_graph(org_ids) as graph:
        return rank_candidates(
            graph, org_ids, ["wic"], referral_counts=referral_counts, limit=limit
        )


def relate(store, *pairs: tuple[str, str, RelationshipState]) -> None:
    for a, b, state in pairs:
        store.create_relationship(
            RelationshipCreate(org_a=a, org_b=b, state=state, reason="test"), assessed_by="t"
        )


@pytest.fixture
def network(store):
    """eld - oha - wic, oha - library, oha - esd - wic-far, hub alone with eld as a partner."""
    add_orgs(
        store,
        ("eld", "state_agency"),
        ("oha", "state_agency"),
        ("hub", "early_learning_hub"),
        ("wic", "wic"),
        ("library", "library"),
        ("esd", "early_intervention"),
        ("wic-far", "wic"),
    )
    relate(
        store,
        ("eld", "oha", GREEN),
        ("hub", "eld", RED),
        ("oha", "wic", GREEN),
        ("oha", "library", RED),
        ("oha", "esd", GREEN),
        ("esd", "wic-far", GREEN),
    )
    return store


def test_it_holds_the_partners_and_what_they_relate_to_in_the_asked_sectors(network):
    graph = network.introduction_graph(["eld"], sectors=["wic"])
    assert sorted(graph.nodes) == ["eld", "hub", "oha", "wic"]
    assert sorted(tuple(sorted(edge)) for edge in graph.edges) == [
        ("eld", "hub"),
        ("eld", "oha"),
        ("oha", "wic"),
    ]
    assert graph["oha"]["wic"]["state"] is GREEN
    assert graph["eld"]["hub"]["state"] is RED
    assert graph.nodes["wic"] == {
        "name": "Wic",
        "sector": "wic",
        "region": "Lane",
        "internal": False,
    }


def test_for_a_group_it_joins_the_members_neighbourhoods(network):
    graph = network.introduction_graph(["hub", "esd"], sectors=["wic", "library"])
    assert sorted(graph.nodes) == ["eld", "esd", "hub", "library", "oha", "wic", "wic-far"]
    assert graph.has_edge("esd", "wic-far") and graph.has_edge("oha", "library")


def test_an_organization_without_relationships_stands_alone(network):
    add_orgs(network, ("alone", "wic"))
    assert list(network.introduction_graph(["alone"], sectors=["wic"]).nodes) == ["alone"]


def test_an_unknown_organization_is_named(network):
    with pytest.raises(NotFound, match="organization 'ghost' does not exist"):
        network.introduction_graph(["eld", "ghost"], sectors=["wic"])


def test_changing_the_graph_it_hands_out_changes_nothing_in_the_store(network):
    graph = network.introduction_graph(["eld"], sectors=["wic"])
    # A store may hand out read-only views of its own organizations and relationships.
    for a, b in (("eld", "hub"), ("oha", "wic")):
        with contextlib.suppress(TypeError):
            graph[a][b]["state"] = GREEN if a == "eld" else RED
    with contextlib.suppress(TypeError):
        graph.nodes["wic"]["name"] = "<b>renamed</b>"

    again = network.introduction_graph(["eld"], sectors=["wic"])
    assert (again["eld"]["hub"]["state"], again["oha"]["wic"]["state"]) == (RED, GREEN)
    assert again.nodes["wic"]["name"] == "Wic"
    assert network.get_organization("wic").name == "Wic"


def test_candidates_are_ranked_over_every_organization_of_the_sector(network):
    candidates = ranked(network, ["eld"], referral_counts={}, limit=10)
    assert [(c.organization.id, c.score) for c in candidates["wic"]] == [
        ("wic", 1.0),
        ("wic-far", 0.0),
    ]
    assert [i.org_id for i in candidates["wic"][0].via] == ["oha"]


def test_referrals_with_us_lift_a_candidate_nobody_of_ours_knows(network):
    candidates = ranked(network, ["hub"], referral_counts={("wic-far", "hub"): 2}, limit=1)
    assert [(c.organization.id, c.referrals) for c in candidates["wic"]] == [("wic-far", 2)]


def test_candidates_of_an_unknown_organization_are_refused_by_name(network):
    with pytest.raises(NotFound, match="organization 'nobody' does not exist"):
        ranked(network, ["eld", "nobody"], referral_counts={}, limit=5)


def test_candidates_nobody_knows_rank_by_what_each_organization_is_now(network):
    for org_id, name in (("wic-a", "Alpha WIC"), ("wic-z", "Zeta WIC"), ("wic-q", "Quail WIC")):
        network.create_organization(
            OrganizationCreate(id=org_id, name=name, sector="wic", region="Coos")
        )

    def first_three() -> list[str]:
        found = ranked(network, ["hub"], referral_counts={}, limit=3)
        return [candidate.organization.id for candidate in found["wic"]]

    assert first_three() == ["wic", "wic-far", "wic-a"]  # Lane first, then by name
    network.update_organization("wic-z", OrganizationUpdate(name="Aardvark WIC"))
    assert first_three() == ["wic", "wic-far", "wic-z"]
    network.update_organization("wic-z", OrganizationUpdate(sector="library"))
    assert first_three() == ["wic", "wic-far", "wic-a"]
    network.update_organization("wic-q", OrganizationUpdate(region="Lane"))
    assert first_three() == ["wic-q", "wic", "wic-far"]
    network.delete_organization("wic-q")
    assert first_three() == ["wic", "wic-far", "wic-a"]


def test_a_copy_of_the_whole_graph_ranks_what_it_holds_after_the_store_has_changed(network):
    whole = network.partner_graph()
    network.create_organization(
        OrganizationCreate(id="wic-new", name="A New WIC", sector="wic", region="Lane")
    )
    found = rank_candidates(whole, ["hub"], ["wic"], limit=10)
    assert [candidate.organization.id for candidate in found["wic"]] == ["wic", "wic-far"]
