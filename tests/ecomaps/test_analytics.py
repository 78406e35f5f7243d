"""Eco-maps as pure functions, on small named graphs whose answers are worked out by hand.

The graph "hub" (an early learning hub) has this history, oldest first:

- wic: red on 2019-01-10, yellow on 2019-06-01 ("joint WIC clinic days"), green on 2020-02-01;
- ei (early intervention): no_dot on 2019-03-01, yellow on 2020-03-15;
- lib (library): green on 2020-01-20 (it did not exist before);
- ei is also related to clinic (primary care, green 2019-05-01), and wic to clinic
  (yellow 2020-04-01), so clinic is a partner of two partners.
"""

from __future__ import annotations

from datetime import UTC, datetime

import networkx as nx
import pytest

from graph_models import Assessment, ReferralFlow, RelationshipState
from service.ecomaps.analytics import (
    changed_partners,
    ecomap,
    ecomap_changes,
    region_map,
    standing_at,
)

GREEN, YELLOW, RED, NO_DOT = (
    RelationshipState.GREEN,
    RelationshipState.YELLOW,
    RelationshipState.RED,
    RelationshipState.NO_DOT,
)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hub_graph() -> nx.Graph:
    graph = nx.Graph()
    for org_id, sector, region in [
        ("hub", "early_learning_hub", "Lane"),
        ("wic", "wic", "Lane"),
        ("ei", "early_intervention", "Lane"),
        ("lib", "library", "Marion"),
        ("clinic", "primary_care", "Lane"),
    ]:
        graph.add_node(
            org_id, name=f"{org_id.upper()} org", sector=sector, region=region, internal=False
        )
    histories = {
        ("hub", "wic"): [("2019-01-10", RED), ("2019-06-01", YELLOW), ("2020-02-01", GREEN)],
        ("hub", "ei"): [("2019-03-01", NO_DOT), ("2020-03-15", YELLOW)],
        ("hub", "lib"): [("2020-01-20", GREEN)],
        ("ei", "clinic"): [("2019-05-01", GREEN)],
        ("wic", "clinic"): [("2020-04-01", YELLOW)],
    }
    for (a, b), steps in histories.items():
        graph.add_edge(a, b, id=f"{a}~{b}", history=[(day(at), state) for at, state in steps])
    return graph


def states(m):
    return {p.organization.id: p.state for p in m.partners}


def test_the_map_lists_every_partner_with_the_state_it_has_now():
    m = ecomap(hub_graph(), "hub")
    assert m.focal.id == "hub"
    assert [p.organization.id for p in m.partners] == ["ei", "lib", "wic"]
    assert states(m) == {"wic": GREEN, "ei": YELLOW, "lib": GREEN}
    wic = m.partners[2]
    assert (wic.action, wic.state_since, wic.first_assessed_at) == (
        "keep",
        day("2020-02-01"),
        day("2019-01-10"),
    )


def test_as_of_answers_from_history_and_leaves_out_relationships_not_yet_assessed():
    m = ecomap(hub_graph(), "hub", as_of=day("2019-12-31"))
    assert states(m) == {"wic": YELLOW, "ei": NO_DOT}
    assert m.partners[1].state_since == day("2019-06-01")
    assert states(ecomap(hub_graph(), "hub", as_of=day("2019-02-01"))) == {"wic": RED}
    assert ecomap(hub_graph(), "hub", as_of=day("2018-01-01")).partners == []


def test_an_assessment_made_at_the_moment_asked_counts():
    assert states(ecomap(hub_graph(), "hub", as_of=day("2019-06-01")))["wic"] is YELLOW


def test_depth_two_adds_partners_of_partners_with_the_partners_they_are_reached_through():
    m = ecomap(hub_graph(), "hub", depth=2)
    [clinic] = m.partners_of_partners
    assert clinic.organization.id == "clinic"
    assert [(link.partner_id, link.state) for link in clinic.via] == [
        ("ei", GREEN),
        ("wic", YELLOW),
    ]
    assert ecomap(hub_graph(), "hub").partners_of_partners == []


def test_depth_two_as_of_keeps_only_the_links_that_existed_then():
    m = ecomap(hub_graph(), "hub", depth=2, as_of=day("2019-12-31"))
    [clinic] = m.partners_of_partners
    assert [link.partner_id for link in clinic.via] == ["ei"]


def test_missing_sectors_are_the_profile_sectors_without_any_partner_in_profile_order():
    m = ecomap(
        hub_graph(),
        "hub",
        profile="oregon",
        profile_sectors=["tribe", "wic", "library", "child_care"],
        sector_labels={"tribe": "Tribes"},
    )
    assert [(s.sector, s.label) for s in m.missing_sectors] == [
        ("tribe", "Tribes"),
        ("child_care", "child_care"),
    ]
    assert m.profile == "oregon"


def test_a_sector_covered_later_is_missing_as_of_before():
    m = ecomap(hub_graph(), "hub", as_of=day("2019-12-31"), profile_sectors=["library"])
    assert [s.sector for s in m.missing_sectors] == ["library"]


def test_levels_and_referral_flows_given_are_carried_to_their_partners():
    m = ecomap(
        hub_graph(),
        "hub",
        levels={"wic": 4},
        flows={"wic": ReferralFlow(referrals_sent=7, referrals_received=2, open_loops=3)},
    )
    wic = next(p for p in m.partners if p.organization.id == "wic")
    lib = next(p for p in m.partners if p.organization.id == "lib")
    assert (wic.partnership_level, wic.referrals_sent, wic.referrals_received, wic.open_loops) == (
        4,
        7,
        2,
        3,
    )
    assert (lib.partnership_level, lib.referrals_sent, lib.open_loops) == (None, 0, 0)


def test_an_unknown_focal_is_refused():
    with pytest.raises(nx.NodeNotFound):
        ecomap(hub_graph(), "nobody")


def test_standing_takes_the_later_recorded_of_two_assessments_at_the_same_moment():
    at = day("2020-01-01")
    assert standing_at([(at, RED), (at, GREEN)]) == (GREEN, at, at)


def assessment(state: RelationshipState, at: str, reason: str) -> Assessment:
    return Assessment(
        state=state,
        action=state.action,
        reason=reason,
        assessed_by="tester",
        assessed_at=day(at),
        recorded_at=day(at),
    )


def test_changes_since_a_date_list_partners_added_and_states_moved_with_when_and_why():
    graph = hub_graph()
    before = ecomap(graph, "hub", as_of=day("2019-12-31"))
    histories = {
        "wic": [
            assessment(RED, "2019-01-10", "missed meetings"),
            assessment(YELLOW, "2019-06-01", "joint WIC clinic days"),
            assessment(GREEN, "2020-02-01", "shared <b>outreach</b> plan"),
        ],
        "ei": [
            assessment(NO_DOT, "2019-03-01", "not yet met"),
            assessment(YELLOW, "2020-03-15", "first joint screening"),
        ],
        "lib": [assessment(GREEN, "2020-01-20", "story time for toddlers")],
    }
    changes = ecomap_changes(before, ecomap(graph, "hub"), histories=histories)
    assert [
        (m.organization.id, m.from_state, m.to_state, m.at, m.reason) for m in changes.moved
    ] == [
        ("ei", NO_DOT, YELLOW, day("2020-03-15"), "first joint screening"),
        ("wic", YELLOW, GREEN, day("2020-02-01"), "shared <b>outreach</b> plan"),
    ]
    assert [(a.organization.id, a.state, a.at, a.reason) for a in changes.added] == [
        ("lib", GREEN, day("2020-01-20"), "story time for toddlers")
    ]
    assert changes.gone == []
    assert (changes.since, changes.until) == (day("2019-12-31"), None)


def test_a_state_that_moved_and_came_back_is_not_a_change():
    graph = nx.Graph()
    for org in ("hub", "wic"):
        graph.add_node(org, name=org, sector="wic", region=None, internal=False)
    steps = [(day("2019-01-01"), RED), (day("2019-05-01"), GREEN), (day("2019-09-01"), RED)]
    graph.add_edge("hub", "wic", id="hub~wic", history=steps)
    changes = ecomap_changes(ecomap(graph, "hub", as_of=day("2019-02-01")), ecomap(graph, "hub"))
    assert (changes.added, changes.gone, changes.moved) == ([], [], [])


def test_a_partner_on_the_earlier_map_but_not_the_later_one_is_gone_with_its_last_state():
    graph = hub_graph()
    later = graph.copy()
    later.remove_edge("hub", "ei")
    changes = ecomap_changes(ecomap(graph, "hub"), ecomap(later, "hub"))
    assert [(g.organization.id, g.state, g.at, g.reason) for g in changes.gone] == [
        ("ei", YELLOW, None, None)
    ]


def test_without_histories_changes_have_no_reason():
    graph = hub_graph()
    changes = ecomap_changes(ecomap(graph, "hub", as_of=day("2019-12-31")), ecomap(graph, "hub"))
    assert {m.reason for m in changes.moved} == {None}


def test_changed_partners_are_those_assessed_after_the_moment():
    assert changed_partners(hub_graph(), "hub", day("2020-01-31")) == {"wic", "ei"}
    assert changed_partners(hub_graph(), "hub", day("2020-12-31")) == set()


def test_a_region_map_holds_its_organizations_and_the_relationships_among_them():
    m = region_map(hub_graph(), "Lane")
    assert [o.id for o in m.organizations] == ["clinic", "ei", "hub", "wic"]
    assert [(r.id, r.state) for r in m.relationships] == [
        ("ei~clinic", GREEN),
        ("hub~ei", YELLOW),
        ("hub~wic", GREEN),
        ("wic~clinic", YELLOW),
    ]
    assert [r.org_a for r in m.relationships] == ["clinic", "ei", "hub", "clinic"]


def test_a_region_map_as_of_leaves_out_relationships_not_yet_assessed():
    m = region_map(hub_graph(), "Lane", as_of=day("2019-04-01"))
    assert [(r.id, r.state) for r in m.relationships] == [("hub~ei", NO_DOT), ("hub~wic", RED)]
