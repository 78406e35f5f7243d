"""On Neo4j, a question about one organization, region, case or pair reads only what it needs:
every read the store makes starts from an index, never from every node of a label, except the
few that are about the whole graph or a whole catalog by their nature."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase, ManagedTransaction, Session

from graph_models import (
    ContactCreate,
    EngagementCreate,
    Principal,
    ProfileCreate,
    ReferralCreate,
    ReferralEventCreate,
    RelationshipCreate,
    RelationshipState,
    Role,
)
from graph_models.common import AsOf
from graph_models.evidence import AgreementCreate, JointProgramCreate
from graph_models.referrals import FeedbackGapsQuery
from service.ecomaps.service import load_ecomap
from service.missing_partners.service import organization_gaps
from service.partnerships.service import health_of, levels_of, plan_of
from service.paths.service import find_warm_paths
from service.referrals.service import gap_report
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
    "NETWORK_LOOPS",
    "EXPORT_COPIED",
    "SCHEMA_NAMES",
}
"""Reads of the whole graph (network measures of all of it, the feedback-gap report of the
whole network, a copy of the whole store, every referral when its loop is worked out again
under a new rule) or of a small catalog."""
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
    "worst": 10,
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


def test_relationships_are_written_finding_each_link_between_its_two_organizations(tmp_path):
    """Found by its id, the ``RELATED`` link of each row was planned as a scan of the index of
    the links' ids, so that copying a statewide network slowed down batch after batch."""
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    open_store(settings).close()  # its constraints and indexes in place
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    rows = [{"id": "a~b", "org_a": "a", "org_b": "b"}]
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        plan = driver.execute_query(f"EXPLAIN {cypher.MERGE_RELATIONSHIPS}", rows=rows).summary.plan
    found = list(operators(plan))
    assert not [operator for operator in found if "Scan" in operator], found
    assert sum(operator.startswith("Expand(Into)") for operator in found) == 3


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


def test_an_ecomap_levels_health_the_plan_and_gaps_are_one_auto_commit_read_missing_partners_two(
    tmp_path, monkeypatch
):
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    wipe_neo4j(settings)
    store = open_store(settings)
    try:
        store.upsert_sectors(SECTORS)
        add_orgs(store, ("hub", "wic"), ("eld", "wic"), ("ccr", "wic"), ("lib", "library"))
        for org_a, org_b in (("hub", "eld"), ("hub", "ccr"), ("eld", "lib")):
            store.create_relationship(
                RelationshipCreate(
                    org_a=org_a, org_b=org_b, state=RelationshipState.GREEN, reason="r"
                ),
                assessed_by="t",
            )
        store.create_profile(ProfileCreate(name="p", label="P", sectors=["wic", "library"]))
        store.create_joint_program(
            JointProgramCreate(name="Pilot", org_ids=["hub", "eld"], start=date(2017, 1, 1))
        )
        store.create_agreement(
            AgreementCreate(kind="liaison", org_ids=["hub", "ccr"], start=date(2017, 3, 1))
        )
        lee = store.create_contact(ContactCreate(name="Lee", role="liaison", org_id="eld"))
        store.create_engagement(
            EngagementCreate(
                kind="outreach",
                title="Visit",
                date=date.today() + timedelta(days=7),
                status="planned",
                org_ids=["hub", "eld"],
                contact_ids=[lee.id],
            )
        )
        for case, day in (("C-1", 1), ("C-2", 3)):  # loops closed after 4 and 2 days
            store.create_referral(
                ReferralCreate(
                    id=case.lower(),
                    case_ref=case,
                    from_org="hub",
                    to_org="eld",
                    sent_at=_day(day),
                    consent=True,
                ),
                recorded_by="t",
            )
            store.add_referral_event(
                case.lower(), ReferralEventCreate(status="closed", at=_day(5)), recorded_by="t"
            )
        store.partner_graph()  # the live graph brought up to the writes above, once
        began: list[str] = []
        for owner, name in ((Session, "execute_read"), (Session, "execute_write")):
            monkeypatch.setattr(owner, name, _noted(began, getattr(owner, name), name))
        monkeypatch.setattr(
            Driver, "execute_query", _noted(began, Driver.execute_query, "execute_query")
        )
        monkeypatch.setattr(Session, "run", _noted(began, Session.run, "auto-commit read"))
        statements: list[str] = []
        monkeypatch.setattr(
            ManagedTransaction, "run", _noted(statements, ManagedTransaction.run, "run")
        )
        today, leader = AsOf.of(None), Principal(token_id="t", name="L", role=Role.ADMIN)
        answers = {
            "eco-map": lambda: load_ecomap(store, "hub", as_of=today),
            "levels": lambda: levels_of(store, "hub", principal=leader, as_of=today),
            "health": lambda: health_of(store, "hub", as_of=today),
            "plan": lambda: plan_of(store, "hub", as_of=today),
            "missing partners": lambda: organization_gaps(store, "hub", profile="p", limit=10),
            "feedback gaps": lambda: gap_report(store, FeedbackGapsQuery(org_id="hub")),
        }
        transactions, runs = {}, {}
        for name, answer in answers.items():
            began.clear()
            statements.clear()
            answered = answer()
            transactions[name], runs[name] = list(began), len(statements)
            assert answered.model_dump()  # answered in full
        assert transactions == {
            "eco-map": ["auto-commit read"],  # one statement, no COMMIT to wait for
            "levels": ["auto-commit read"],
            "health": ["auto-commit read"],
            "plan": ["auto-commit read"],
            # the profile with the live graph's counter, then the flows: the library is a gap
            "missing partners": ["auto-commit read", "auto-commit read"],
            # its pairs and their days to feedback at once: all of its pairs fit on the page
            "feedback gaps": ["auto-commit read"],
        }
        assert set(runs.values()) == {0}
        levels = levels_of(store, "hub", principal=leader, as_of=today).partners
        assert {p.partner_id: int(p.level) for p in levels} == {"eld": 3, "ccr": 4}
        gaps = organization_gaps(store, "hub", profile="p", limit=10)
        [library] = gaps.missing_sectors
        assert [c.organization.id for c in library.candidates] == ["lib"]
        assert [i.org_id for i in library.candidates[0].via] == ["eld"]
        [pair] = gap_report(store, FeedbackGapsQuery(org_id="hub")).pairs
        assert (pair.to_org, pair.closed, pair.median_days_to_feedback) == ("eld", 2, 3.0)
        plan = plan_of(store, "hub", as_of=today)
        [eld] = [p for group in plan.groups for p in group.partners if p.partner_id == "eld"]
        assert [c.name for activity in eld.planned for c in activity.who] == ["Lee"]
    finally:
        store.close()


def _day(day: int) -> datetime:
    return datetime(2024, 1, day, tzinfo=UTC)


def _noted(began: list[str], method: Any, name: str) -> Any:
    """``method``, noting ``name`` in ``began`` each time it is called."""

    def noted(*args: Any, **kwargs: Any) -> Any:
        began.append(name)
        return method(*args, **kwargs)

    return noted
