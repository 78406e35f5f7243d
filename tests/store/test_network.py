"""The store contract: what every store does, checked on the embedded store and on Neo4j."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from neo4j import GraphDatabase

from graph_models import (
    AssessmentImport,
    ContactCreate,
    EngagementCreate,
    EngagementQuery,
    EngagementStatus,
    NetworkBundle,
    OrganizationCreate,
    OrganizationQuery,
    OrganizationUpdate,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipImport,
    RelationshipQuery,
    RelationshipState,
    RelationshipUpdate,
)
from service.errors import Conflict, InvalidReference, NotFound
from service.paths.service import find_warm_paths
from service.settings import StoreKind
from tests.conftest import add_orgs

GREEN, YELLOW, RED = RelationshipState.GREEN, RelationshipState.YELLOW, RelationshipState.RED


def at(day: int, month: int = 1, year: int = 2018) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_an_organization_without_an_id_gets_a_slug_of_its_name(store):
    first = store.create_organization(OrganizationCreate(name="Latino Network", sector="wic"))
    second = store.create_organization(OrganizationCreate(name="Latino Network", sector="wic"))
    assert (first.id, second.id) == ("latino-network", "latino-network-2")


def test_a_duplicate_organization_id_is_a_conflict_and_changes_nothing(store):
    add_orgs(store, ("wic-lane", "wic"))
    with pytest.raises(Conflict, match="'wic-lane' already exists"):
        store.create_organization(OrganizationCreate(id="wic-lane", name="Other", sector="wic"))
    assert store.get_organization("wic-lane").name == "Wic Lane"


def test_an_unknown_sector_is_refused_with_the_way_to_find_known_ones(store):
    with pytest.raises(InvalidReference, match="sector 'sports' is not known.*/api/v1/sectors"):
        store.create_organization(OrganizationCreate(name="Club", sector="sports"))


def test_organizations_filter_by_sector_region_and_text_and_page_by_name(store):
    add_orgs(store, ("wic-lane", "wic"), ("wic-marion", "wic"), ("ei-lane", "early_intervention"))
    store.update_organization("wic-marion", OrganizationUpdate(region="Marion"))
    assert [
        o.id for o in store.list_organizations(OrganizationQuery(sector="wic", limit=10)).items
    ] == [
        "wic-lane",
        "wic-marion",
    ]
    assert [
        o.id for o in store.list_organizations(OrganizationQuery(region="Marion", limit=10)).items
    ] == ["wic-marion"]
    assert [
        o.id for o in store.list_organizations(OrganizationQuery(q="LANE", limit=10)).items
    ] == [
        "ei-lane",
        "wic-lane",
    ]
    page = store.list_organizations(OrganizationQuery(limit=2, offset=2))
    assert (page.total, [o.id for o in page.items]) == (3, ["wic-marion"])


def test_deleting_an_organization_removes_its_contacts_and_relationships(store):
    add_orgs(store, ("wic-lane", "wic"), ("ei-lane", "early_intervention"))
    store.create_contact(ContactCreate(id="director", org_id="wic-lane", name="D", role="Director"))
    store.create_relationship(
        RelationshipCreate(org_a="wic-lane", org_b="ei-lane", state=GREEN, reason="ok"),
        assessed_by="tester",
    )
    store.delete_organization("wic-lane")
    with pytest.raises(NotFound):
        store.get_contact("director")
    assert store.list_relationships(RelationshipQuery(org_id="ei-lane", limit=10)).total == 0
    assert "wic-lane" not in store.partner_graph()


def test_contacts_read_together_come_in_the_order_asked_and_an_unknown_one_is_named(store):
    add_orgs(store, ("wic-lane", "wic"), ("ei-lane", "early_intervention"))
    store.create_contact(ContactCreate(id="ana", org_id="wic-lane", name="Ana", role="Director"))
    store.create_contact(ContactCreate(id="bo", org_id="ei-lane", name="Bo", role="Liaison"))
    found = store.get_contacts(["bo", "ana"])
    assert [(c.name, c.org_id) for c in found] == [("Bo", "ei-lane"), ("Ana", "wic-lane")]
    assert store.get_contacts([]) == []
    with pytest.raises(NotFound, match="contact 'nobody' does not exist"):
        store.get_contacts(["ana", "nobody"])


def test_a_contact_at_an_unknown_organization_is_refused(store):
    with pytest.raises(InvalidReference, match="organization 'nowhere' does not exist"):
        store.create_contact(ContactCreate(org_id="nowhere", name="A", role="Director"))


def test_relationship_history_keeps_every_assessment_in_order_and_the_latest_is_current(store):
    add_orgs(store, ("eld", "state_agency"), ("hub-lane", "early_learning_hub"))
    rel = store.create_relationship(
        RelationshipCreate(
            org_a="hub-lane", org_b="eld", state=RED, reason="missed meetings", assessed_at=at(1)
        ),
        assessed_by="Ana",
    )
    assert rel.id == "eld~hub-lane"
    store.assess_relationship(
        rel.id,
        RelationshipUpdate(state=GREEN, reason="co-hosted the webinar", assessed_at=at(20)),
        assessed_by="Ben",
    )
    store.assess_relationship(
        rel.id,
        RelationshipUpdate(state=YELLOW, reason="survey response was slow", assessed_at=at(10)),
        assessed_by="Cy",
    )
    history = store.relationship_history(rel.id)
    assert [(h.state, h.assessed_by, h.reason) for h in history] == [
        (RED, "Ana", "missed meetings"),
        (YELLOW, "Cy", "survey response was slow"),
        (GREEN, "Ben", "co-hosted the webinar"),
    ]
    current = store.get_relationship(rel.id)
    assert (current.state, current.action, current.assessments) == (GREEN, "keep", 3)
    edge = store.partner_graph("eld")["eld"]["hub-lane"]
    assert edge["state"] is GREEN
    assert [state for _, state in edge["history"]] == [RED, YELLOW, GREEN]


def test_a_second_relationship_for_the_same_pair_is_a_conflict_in_either_order(store):
    add_orgs(store, ("eld", "state_agency"), ("hub-lane", "early_learning_hub"))
    store.create_relationship(
        RelationshipCreate(org_a="eld", org_b="hub-lane", state=GREEN, reason="ok"),
        assessed_by="t",
    )
    with pytest.raises(Conflict, match="already have a relationship"):
        store.create_relationship(
            RelationshipCreate(org_a="hub-lane", org_b="eld", state=RED, reason="x"),
            assessed_by="t",
        )
    assert len(store.relationship_history("eld~hub-lane")) == 1


def test_a_relationship_to_an_unknown_organization_is_refused_and_nothing_is_written(store):
    add_orgs(store, ("eld", "state_agency"))
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        store.create_relationship(
            RelationshipCreate(org_a="eld", org_b="ghost", state=GREEN, reason="ok"),
            assessed_by="t",
        )
    assert store.list_relationships(RelationshipQuery(limit=10)).total == 0


def test_relationships_filter_by_organization_and_current_state(store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"), ("wic", "wic"))
    for other, state in (("hub", GREEN), ("wic", RED)):
        store.create_relationship(
            RelationshipCreate(org_a="eld", org_b=other, state=state, reason="r"),
            assessed_by="t",
        )
    store.assess_relationship(
        "eld~wic", RelationshipUpdate(state=GREEN, reason="healed"), assessed_by="t"
    )
    greens = store.list_relationships(RelationshipQuery(state=GREEN, limit=10))
    assert [r.id for r in greens.items] == ["eld~hub", "eld~wic"]
    assert store.list_relationships(RelationshipQuery(state=RED, limit=10)).total == 0
    assert [
        r.id for r in store.list_relationships(RelationshipQuery(org_id="hub", limit=10)).items
    ] == ["eld~hub"]


def test_engagements_filter_by_organization_kind_and_dates(store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"))
    store.create_contact(
        ContactCreate(id="hub-director", org_id="hub", name="Hub Director", role="Hub Director")
    )
    store.create_engagement(
        EngagementCreate(
            kind="webinar",
            title="Hub webinar",
            date="2017-09-19",
            org_ids=["eld", "hub"],
            contact_ids=["hub-director"],
        )
    )
    store.create_engagement(
        EngagementCreate(
            kind="survey",
            title="Staff survey",
            date="2018-02-01",
            status="planned",
            org_ids=["eld"],
        )
    )
    webinar = store.get_engagement("2017-09-19-hub-webinar")
    assert (webinar.org_ids, webinar.contact_ids) == (["eld", "hub"], ["hub-director"])
    assert [
        e.title for e in store.list_engagements(EngagementQuery(org_id="hub", limit=10)).items
    ] == ["Hub webinar"]
    assert [
        e.kind
        for e in store.list_engagements(
            EngagementQuery(since=date(2018, 1, 1), limit=10, offset=0)
        ).items
    ] == ["survey"]
    assert (
        store.list_engagements(EngagementQuery(status=EngagementStatus.PLANNED, limit=10)).total
        == 1
    )


def test_an_organizations_engagements_are_read_in_as_many_statements_however_many_they_are(
    store, settings
):
    if settings.store is not StoreKind.EMBEDDED:
        pytest.skip("Neo4j reads them in the plan's one statement (test_neo4j_reads)")
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"), ("wic", "wic"))
    for number in range(30):
        store.create_engagement(
            EngagementCreate(
                kind="meeting",
                title=f"Meeting {number}",
                date=date(2018, 1, 1 + number),
                org_ids=["hub", "wic" if number % 2 else "eld"],
            )
        )
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    try:
        activities = {org: store.plan_records(org).engagements for org in ("eld", "hub")}
    finally:
        store._db.set_trace_callback(None)
    assert [len(activities[org]) for org in ("eld", "hub")] == [15, 30]
    assert activities["hub"][1].org_ids == ["hub", "wic"]
    reads = [line for line in statements if "engagement" in line]
    assert len(reads) == 6  # per organization: the activities, their organizations, contacts


def test_an_engagement_with_an_unknown_contact_is_refused_and_not_written(store):
    add_orgs(store, ("eld", "state_agency"))
    with pytest.raises(InvalidReference, match="contact 'nobody' does not exist"):
        store.create_engagement(
            EngagementCreate(
                kind="meeting",
                title="M",
                date="2018-01-05",
                org_ids=["eld"],
                contact_ids=["nobody"],
            )
        )
    assert store.list_engagements(EngagementQuery(limit=10)).total == 0


def bundle(*relationships: RelationshipImport) -> NetworkBundle:
    return NetworkBundle(
        name="test",
        title="Test network",
        organizations=[
            OrganizationCreate(id="eld", name="ELD", sector="state_agency"),
            OrganizationCreate(id="hub", name="Hub", sector="early_learning_hub"),
        ],
        relationships=list(relationships),
    )


def test_a_bundle_imports_organizations_and_relationship_histories(store):
    summary = store.import_bundle(
        bundle(
            RelationshipImport(
                org_a="eld",
                org_b="hub",
                history=[
                    AssessmentImport(state=RED, reason="r1", assessed_by="seed", assessed_at=at(1)),
                    AssessmentImport(
                        state=GREEN, reason="r2", assessed_by="seed", assessed_at=at(9)
                    ),
                ],
            )
        )
    )
    assert (summary.organizations, summary.relationships, summary.assessments) == (2, 1, 2)
    assert store.get_relationship("eld~hub").state is GREEN
    assert store.partner_graph("eld").number_of_edges() == 1


def test_a_bundle_with_one_bad_record_writes_nothing(store):
    broken = bundle(
        RelationshipImport(
            org_a="eld",
            org_b="ghost",
            history=[
                AssessmentImport(state=RED, reason="r", assessed_by="seed", assessed_at=at(1))
            ],
        )
    )
    with pytest.raises(InvalidReference, match="'ghost'"):
        store.import_bundle(broken)
    assert store.list_organizations(OrganizationQuery(limit=10)).total == 0
    assert store.partner_graph().number_of_nodes() == 0


def test_every_write_is_still_there_after_the_store_is_reopened(store, reopen):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"))
    store.create_relationship(
        RelationshipCreate(org_a="eld", org_b="hub", state=RED, reason="first"), assessed_by="a"
    )
    store.assess_relationship(
        "eld~hub", RelationshipUpdate(state=YELLOW, reason="second"), assessed_by="b"
    )
    store.close()
    again = reopen()
    try:
        assert [h.reason for h in again.relationship_history("eld~hub")] == ["first", "second"]
        graph = again.partner_graph("hub")
        assert sorted(graph.nodes) == ["eld", "hub"]
        assert graph["eld"]["hub"]["state"] is YELLOW
    finally:
        again.close()


def test_the_partner_graph_of_an_organization_reaches_as_deep_as_asked(store):
    add_orgs(store, ("a", "wic"), ("b", "wic"), ("c", "wic"), ("d", "wic"))
    for x, y in (("a", "b"), ("b", "c"), ("c", "d")):
        store.create_relationship(
            RelationshipCreate(org_a=x, org_b=y, state=GREEN, reason="r"), assessed_by="t"
        )
    assert sorted(store.partner_graph("a", depth=1).nodes) == ["a", "b"]
    assert sorted(store.partner_graph("a", depth=2).nodes) == ["a", "b", "c"]
    assert store.partner_graph("a", depth=2).nodes["c"]["sector"] == "wic"
    with pytest.raises(NotFound):
        store.partner_graph("zzz")


def warmest(store, from_org: str, to_org: str, *, max_hops: int, k: int):
    """The warmest routes, searched in the graph the store lends."""
    return find_warm_paths(store, from_org=from_org, to_org=to_org, max_hops=max_hops, k=k).paths


def test_the_warmest_paths_pass_through_a_hub_and_reach_no_further_than_max_hops(store):
    spokes = [f"p{n}" for n in range(12)]
    add_orgs(store, *[(org, "wic") for org in ["a", "hub", "x", "b", "c", "e", "f", "d", *spokes]])
    ties = [(spoke, "hub", GREEN) for spoke in spokes]
    ties += [("a", "hub", YELLOW), ("p7", "x", GREEN), ("x", "d", RED)]
    ties += [(x, y, GREEN) for x, y in (("a", "b"), ("b", "c"), ("c", "e"), ("e", "f"), ("f", "d"))]
    for x, y, state in ties:
        store.create_relationship(
            RelationshipCreate(org_a=x, org_b=y, state=state, reason="r"), assessed_by="t"
        )
    [route] = warmest(store, "a", "d", max_hops=4, k=3)
    assert (route.org_ids, route.states, route.cost) == (
        ["a", "hub", "p7", "x", "d"],
        [YELLOW, GREEN, GREEN, RED],
        9,
    )
    assert route.names == ["A", "Hub", "P7", "X", "D"]
    further = warmest(store, "a", "d", max_hops=5, k=3)
    assert [(p.org_ids, p.cost) for p in further] == [
        (["a", "b", "c", "e", "f", "d"], 5),
        (["a", "hub", "p7", "x", "d"], 9),
    ]
    assert warmest(store, "a", "p3", max_hops=1, k=1) == []
    for from_org, to_org in (("zzz", "a"), ("a", "zzz")):
        with pytest.raises(NotFound, match="'zzz' does not exist"):
            warmest(store, from_org, to_org, max_hops=4, k=1)


def test_warm_paths_between_partners_of_the_same_large_hubs_are_answered(store):
    # Thousands of routes of four hops cross four hubs of 2,000 partners each, which once
    # took Neo4j past its memory for one statement: the answer stays the shortest.
    hubs, partners = ["hub-1", "hub-2", "hub-3", "hub-4"], [f"p{n:04}" for n in range(2_000)]
    first = [AssessmentImport(state=GREEN, reason="r", assessed_by="t", assessed_at=at(1))]
    store.import_bundle(
        NetworkBundle(
            name="hubs",
            title="Hubs",
            organizations=[
                OrganizationCreate(id=org_id, name=org_id.upper(), sector="wic")
                for org_id in ["a", "b", *hubs, *partners]
            ],
            relationships=[
                RelationshipImport(org_a=hub, org_b=other, history=first)
                for hub in hubs
                for other in ["a", "b", *partners]
            ],
        )
    )
    routes = warmest(store, "a", "b", max_hops=4, k=4)
    assert [route.org_ids for route in routes] == [
        ["a", "hub-1", "b"],
        ["a", "hub-2", "b"],
        ["a", "hub-3", "b"],
        ["a", "hub-4", "b"],
    ]


def test_no_warm_path_passes_an_organization_twice_even_round_a_circle_near_either_end(store):
    add_orgs(store, *[(org, "wic") for org in "abcdefgz"])
    # Circles of three round each end, and a chain between: a-b-c-a, c-d-e, e-f-g-e.
    ties = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")]
    ties += [("e", "f"), ("f", "g"), ("g", "e"), ("z", "g")]
    for x, y in ties:
        store.create_relationship(
            RelationshipCreate(org_a=x, org_b=y, state=GREEN, reason="r"), assessed_by="t"
        )
    found = warmest(store, "a", "g", max_hops=6, k=10)
    assert [p.org_ids for p in found] == [
        ["a", "c", "d", "e", "g"],
        ["a", "b", "c", "d", "e", "g"],
        ["a", "c", "d", "e", "f", "g"],
        ["a", "b", "c", "d", "e", "f", "g"],
    ]
    assert [p.org_ids for p in warmest(store, "b", "z", max_hops=5, k=10)] == [
        ["b", "c", "d", "e", "g", "z"]
    ]


def test_a_hop_of_a_warm_path_costs_by_its_latest_assessment_not_its_last_recorded(store):
    add_orgs(store, ("a", "wic"), ("b", "wic"), ("c", "wic"))
    for x, y in (("a", "b"), ("b", "c")):
        store.create_relationship(
            RelationshipCreate(org_a=x, org_b=y, state=GREEN, reason="r", assessed_at=at(1, 5)),
            assessed_by="t",
        )
    # Recorded last, but assessed before May: the hop stays green.
    store.assess_relationship(
        "a~b",
        RelationshipUpdate(state=RED, reason="old news", assessed_at=at(1, 4)),
        assessed_by="t",
    )
    [route] = warmest(store, "a", "c", max_hops=2, k=1)
    assert (route.states, route.cost) == ([GREEN, GREEN], 2)


def square(store) -> None:
    """Two routes from a to d, each of two hops assessed in May 2018: a-b-d all green and a-c-d
    yellow then green."""
    add_orgs(store, ("a", "wic"), ("b", "wic"), ("c", "wic"), ("d", "wic"))
    for x, y, state in (
        ("a", "b", GREEN),
        ("b", "d", GREEN),
        ("a", "c", YELLOW),
        ("c", "d", GREEN),
    ):
        store.create_relationship(
            RelationshipCreate(org_a=x, org_b=y, state=state, reason="r", assessed_at=at(1, 5)),
            assessed_by="t",
        )


def square_routes(store) -> list[tuple[list[str], int]]:
    return [(p.org_ids, p.cost) for p in warmest(store, "a", "d", max_hops=2, k=3)]


def test_a_warm_path_follows_each_reassessment_and_end_of_a_relationship_on_it(store):
    square(store)
    assert square_routes(store) == [(["a", "b", "d"], 2), (["a", "c", "d"], 3)]
    store.assess_relationship(
        "a~b",
        RelationshipUpdate(state=RED, reason="fell out", assessed_at=at(1, 6)),
        assessed_by="t",
    )
    assert square_routes(store) == [(["a", "c", "d"], 3), (["a", "b", "d"], 6)]
    # A green assessment from before the fall-out, recorded late, changes nothing.
    store.assess_relationship(
        "a~b",
        RelationshipUpdate(state=GREEN, reason="spring", assessed_at=at(1, 4)),
        assessed_by="t",
    )
    assert square_routes(store) == [(["a", "c", "d"], 3), (["a", "b", "d"], 6)]
    store.end_relationship(
        "c~d", RelationshipEnd(ended_on=date(2018, 7, 1), reason="closed"), ended_by="t"
    )
    assert square_routes(store) == [(["a", "b", "d"], 6)]


def test_warm_paths_of_a_neo4j_database_written_before_links_kept_their_state_are_the_same(
    store, settings, reopen
):
    if settings.store is not StoreKind.NEO4J:
        pytest.skip("only the Neo4j store keeps a relationship's state on a link")
    square(store)
    store.assess_relationship(
        "a~b", RelationshipUpdate(state=RED, reason="fell out"), assessed_by="t"
    )
    store.end_relationship("c~d", RelationshipEnd(reason="closed"), ended_by="t")
    assert square_routes(store) == [(["a", "b", "d"], 6)]
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        for older in (
            "MATCH ()-[r:RELATED]->() REMOVE r.state, r.ended_on",
            "MATCH (m:StoreMark {name: 'route_facts'}) DELETE m",
        ):
            driver.execute_query(older, database_=settings.neo4j_database)
    again = reopen()
    try:
        assert square_routes(again) == [(["a", "b", "d"], 6)]
    finally:
        again.close()
