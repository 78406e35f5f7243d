"""Missing, weak and fragile sectors and their ranked candidates, on small named graphs."""

from __future__ import annotations

import networkx as nx

from graph_models import RelationshipState
from service.missing_partners.analytics import rank_candidates, sector_coverage

GREEN, YELLOW, RED, NO_DOT = (
    RelationshipState.GREEN,
    RelationshipState.YELLOW,
    RelationshipState.RED,
    RelationshipState.NO_DOT,
)


def network(orgs: dict[str, str], edges: list[tuple[str, str, RelationshipState]]) -> nx.Graph:
    """Organizations ``{id: sector}`` named after their id, in region Lane unless the id ends
    with ``@REGION``; relationships ``(a, b, state)``."""
    graph = nx.Graph()
    for key, sector in orgs.items():
        org_id, _, region = key.partition("@")
        graph.add_node(org_id, name=org_id.upper(), sector=sector, region=region or "Lane")
    for a, b, state in edges:
        graph.add_edge(a, b, state=state)
    return graph


def statuses(graph: nx.Graph, focal: list[str], sectors: list[str]) -> dict[str, str]:
    return {c.sector: c.status.value for c in sector_coverage(graph, focal, sectors)}


def ranked(graph: nx.Graph, focal: list[str], sector: str, **options: object) -> list[str]:
    found = rank_candidates(graph, focal, [sector], **options)[sector]  # type: ignore[arg-type]
    return [candidate.organization.id for candidate in found]


def test_each_sector_is_missing_weak_fragile_or_covered_by_the_standing_of_its_partners():
    graph = network(
        {
            "eld": "state_agency",
            "esd": "early_intervention",
            "esd2": "early_intervention",
            "wic": "wic",
            "wic2": "wic",
            "ped": "primary_care",
            "ped2": "primary_care",
            "lib": "library",
        },
        [
            ("eld", "esd", RED),
            ("eld", "esd2", NO_DOT),
            ("eld", "wic", GREEN),
            ("eld", "wic2", RED),
            ("eld", "ped", YELLOW),
            ("eld", "ped2", YELLOW),
        ],
    )
    sectors = ["library", "early_intervention", "wic", "primary_care"]
    assert statuses(graph, ["eld"], sectors) == {
        "library": "missing",
        "early_intervention": "weak",
        "wic": "fragile",
        "primary_care": "covered",
    }


def test_coverage_keeps_the_profile_order_and_lists_partners_best_first_with_labels():
    graph = network(
        {"eld": "state_agency", "a": "wic", "b": "wic", "c": "wic"},
        [("eld", "a", RED), ("eld", "b", GREEN), ("eld", "c", NO_DOT)],
    )
    coverage = sector_coverage(graph, ["eld"], ["wic", "library"], labels={"wic": "WIC"})
    assert [(c.sector, c.label) for c in coverage] == [("wic", "WIC"), ("library", "library")]
    assert [(p.organization.id, p.state) for p in coverage[0].partners] == [
        ("b", GREEN),
        ("c", NO_DOT),
        ("a", RED),
    ]


def test_a_candidate_through_two_green_partners_ranks_above_one_through_a_single_red_one():
    graph = network(
        {
            "eld": "state_agency",
            "oha": "state_agency",
            "hub": "early_learning_hub",
            "tanf": "state_agency",
            "wic-far@Coos": "wic",
            "wic-near": "wic",
        },
        [
            ("eld", "oha", GREEN),
            ("eld", "hub", GREEN),
            ("eld", "tanf", RED),
            ("oha", "wic-far", GREEN),
            ("hub", "wic-far", GREEN),
            ("tanf", "wic-near", GREEN),
        ],
    )
    first, second = rank_candidates(graph, ["eld"], ["wic"])["wic"]
    assert (first.organization.id, first.score) == ("wic-far", 2.0)
    assert [(i.org_id, i.state) for i in first.via] == [("hub", GREEN), ("oha", GREEN)]
    assert first.reason == "2 green partners work with them: HUB and OHA"
    assert (second.organization.id, second.score) == ("wic-near", 0.0)
    assert [(i.org_id, i.state, i.their_state) for i in second.via] == [("tanf", RED, GREEN)]
    assert second.reason == "1 red partner works with them: TANF; same region (Lane)"


def test_organizations_we_already_relate_to_in_any_state_are_never_candidates():
    graph = network(
        {"eld": "wic", "a": "wic", "b": "wic", "c": "wic", "d": "wic", "e": "wic"},
        [("eld", "a", GREEN), ("eld", "b", YELLOW), ("eld", "c", RED), ("eld", "d", NO_DOT)],
    )
    assert ranked(graph, ["eld"], "wic") == ["e"]


def test_an_introduction_is_worth_both_relationships_it_goes_through():
    graph = network(
        {
            "eld": "state_agency",
            "green": "state_agency",
            "yellow": "state_agency",
            "gg": "wic",
            "gy": "wic",
            "yy": "wic",
            "gr": "wic",
        },
        [
            ("eld", "green", GREEN),
            ("eld", "yellow", YELLOW),
            ("green", "gg", GREEN),
            ("green", "gy", YELLOW),
            ("yellow", "yy", YELLOW),
            ("green", "gr", RED),
        ],
    )
    found = rank_candidates(graph, ["eld"], ["wic"])["wic"]
    assert [(c.organization.id, c.score) for c in found] == [
        ("gg", 1.0),
        ("gy", 0.5),
        ("yy", 0.25),
        ("gr", 0.0),
    ]
    assert found[3].reason == "a red relationship with GREEN; same region (Lane)"


def test_with_equal_introductions_the_same_region_comes_first_then_referrals_with_us_then_name():
    graph = network(
        {
            "eld": "state_agency",
            "oha": "state_agency",
            "a-far@Coos": "wic",
            "b-near": "wic",
            "c-near": "wic",
            "d-near": "wic",
        },
        [("eld", "oha", GREEN)],
    )
    # A partner's referrals (oha's) and referrals between others are not ours.
    referrals = {
        ("eld", "d-near"): 3,
        ("c-near", "eld"): 1,
        ("oha", "b-near"): 40,
        ("a-far", "d-near"): 40,
    }
    found = rank_candidates(graph, ["eld"], ["wic"], referral_counts=referrals)["wic"]
    assert [(c.organization.id, c.referrals) for c in found] == [
        ("d-near", 3),
        ("c-near", 1),
        ("b-near", 0),
        ("a-far", 0),
    ]
    assert found[0].reason == "same region (Lane); 3 referrals with us"
    assert found[3].reason == "no partner of ours works with them yet"


def test_warm_introductions_outrank_the_same_region_and_referral_activity():
    graph = network(
        {"eld": "state_agency", "oha": "state_agency", "warm@Coos": "wic", "busy": "wic"},
        [("eld", "oha", GREEN), ("oha", "warm", YELLOW)],
    )
    referrals = {("eld", "busy"): 100}
    assert ranked(graph, ["eld"], "wic", referral_counts=referrals) == ["warm", "busy"]


def test_the_limit_caps_the_candidates_of_each_sector():
    graph = network({"eld": "state_agency", **{f"wic-{n}": "wic" for n in range(5)}}, [])
    assert ranked(graph, ["eld"], "wic", limit=2) == ["wic-0", "wic-1"]


def test_a_reason_names_three_introducers_and_counts_the_rest():
    partners = {f"p{n}": "state_agency" for n in range(5)}
    graph = network(
        {"eld": "state_agency", **partners, "wic": "wic"},
        [("eld", p, GREEN) for p in partners] + [(p, "wic", GREEN) for p in partners],
    )
    (candidate,) = rank_candidates(graph, ["eld"], ["wic"])["wic"]
    assert candidate.reason.startswith("5 green partners work with them: P0, P1, P2 and 2 more")


def test_a_group_pools_its_partners_in_their_best_state_and_its_members_are_not_candidates():
    graph = network(
        {
            "hub": "early_learning_hub",
            "cbo": "community_based_organization",
            "esd": "early_intervention",
            "wic": "wic",
            "wic2": "wic",
        },
        [("hub", "esd", RED), ("cbo", "esd", GREEN), ("hub", "cbo", GREEN), ("esd", "wic2", GREEN)],
    )
    members = ["hub", "cbo", "wic"]
    assert statuses(graph, members, ["early_intervention", "community_based_organization"]) == {
        "early_intervention": "fragile",
        "community_based_organization": "fragile",
    }
    (candidate,) = rank_candidates(graph, members, ["wic"])["wic"]
    assert (candidate.organization.id, candidate.score) == ("wic2", 1.0)
