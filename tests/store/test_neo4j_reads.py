"""On Neo4j, a question about one organization, region, case or pair reads only what it needs:
every read the store makes starts from an index, never from every node of a label, except the
few that are about the whole graph or a whole catalog by their nature."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import GraphDatabase

from graph_models import RelationshipCreate, RelationshipState
from service.paths.service import find_warm_paths
from service.store import open_store
from service.store.neo4j import cypher
from tests.conftest import SECTORS, add_orgs, neo4j_settings, wipe_neo4j

WHOLE_GRAPH = {
    "ALL_ORGANIZATIONS",
    "ALL_EDGES",
    "LIST_SECTORS",
    "LIST_PROFILES",
    "LIST_TOKENS",
    "COUNT_COPIED",
    "REFERRAL_LOOPS",
    "EXPORT_COPIED",
}
"""Reads of the whole graph (network measures of all of it, a copy of the whole store, every
referral when its loop is worked out again under a new rule) or of
a small catalog."""
SCANS = ("AllNodesScan", "NodeByLabelScan", "UnionNodeByLabelsScan", "RelationshipTypeScan")
PARAMETERS: dict[str, Any] = {
    **dict.fromkeys(
        (
            "id",
            "org_id",
            "anchor",
            "case_ref",
            "region",
            "sector",
            "name",
            "token_hash",
            "id_hash",
        ),
        "x",
    ),
    **dict.fromkeys(("from_org", "to_org", "party"), "x"),
    **{name: ["x"] for name in ("ids", "keys", "sectors")},
    **dict.fromkeys(("as_of", "before", "since", "until", "after"), "2018-01-01"),
    **dict.fromkeys(("visible_to", "status", "kind", "q", "state", "action"), None),
    "limit": 10,
    "offset": 0,
}


def reads() -> Iterator[tuple[str, str]]:
    """``(name, query)`` of every read of :mod:`cypher` that is not about the whole graph;
    an ``all`` variant of a list is about the whole graph."""
    for name, value in vars(cypher).items():
        if name.startswith("_") or name in WHOLE_GRAPH:
            continue
        queries = value.items() if isinstance(value, dict) else [("", value)]
        for variant, query in queries:
            if not isinstance(query, str) or "RETURN" not in query or variant == "all":
                continue
            if any(word in query for word in ("MERGE", "SET ", "DELETE", "CREATE")):
                continue
            yield f"{name}[{variant}]" if variant else name, query


def operators(plan: dict[str, Any]) -> Iterator[str]:
    yield plan["operatorType"]
    for child in plan.get("children", []):
        yield from operators(child)


def test_every_read_about_part_of_the_graph_starts_from_an_index(tmp_path):
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    open_store(settings).close()  # its constraints and indexes in place
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    scanning = []
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        for name, query in reads():
            plan = driver.execute_query(f"EXPLAIN {query}", PARAMETERS).summary.plan
            if any(scan in operator for operator in operators(plan) for scan in SCANS):
                scanning.append(name)
    assert scanning == []
    assert len(list(reads())) > 40


def test_through_a_routing_uri_every_read_sees_the_writes_acknowledged_before_it(tmp_path):
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    wipe_neo4j(settings)
    # neo4j:// asks the server for its routing table: reads go to readers, writes to the leader.
    routed = settings.model_copy(update={"neo4j_uri": settings.neo4j_uri.replace("bolt", "neo4j")})
    assert routed.neo4j_uri.startswith("neo4j://")
    store = open_store(routed)
    try:
        store.upsert_sectors(SECTORS)
        add_orgs(store, ("a", "wic"), ("b", "wic"), ("c", "wic"))
        for x, y in (("a", "b"), ("b", "c")):
            store.create_relationship(
                RelationshipCreate(org_a=x, org_b=y, state=RelationshipState.GREEN, reason="r"),
                assessed_by="t",
            )
        assert sorted(store.partner_graph("b").nodes) == ["a", "b", "c"]
        [route] = find_warm_paths(store, from_org="a", to_org="c", max_hops=2, k=3).paths
        assert (route.org_ids, route.cost) == (["a", "b", "c"], 2)
        assert store.get_organization("c").sector == "wic"
    finally:
        store.close()
