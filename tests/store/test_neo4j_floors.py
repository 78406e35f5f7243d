"""The hand-written Cypher the Neo4j benchmark holds the service to gives the service's own
answers, the whole feedback-gap report's too: a floor that answered another question would
make any figure look good."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from neo4j import GraphDatabase

from bench import neo4j_floor
from service.app import create_app
from service.data.generator import CLOCK, load_network
from service.store import open_store
from tests.conftest import ADMIN_TOKEN, neo4j_settings, wipe_neo4j
from tests.networks import add_recent_referrals, fill

ROUTES = {
    "ecomap": ("/api/v1/organizations/{}/ecomap", {}),
    "levels": ("/api/v1/organizations/{}/partnership-levels", {}),
    "missing_partners": (
        "/api/v1/organizations/{}/missing-partners",
        {"profile": neo4j_floor.PROFILE},
    ),
    "gaps": ("/api/v1/feedback-gaps", {"org_id": "{}"}),
    "health": ("/api/v1/organizations/{}/relationship-health", {}),
    "plan": ("/api/v1/organizations/{}/engagement-plan", {}),
}


@pytest.fixture
def neo4j(tmp_path):
    """The settings, the store and a bare driver of an emptied Neo4j."""
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    wipe_neo4j(settings)
    store = open_store(settings)
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    try:
        with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
            yield settings, store, driver
    finally:
        store.close()


def test_each_hand_written_floor_answers_as_the_service_does_for_every_organization(neo4j):
    settings, store, driver = neo4j
    fill(store)  # the Oregon network with evidence of every kind and referrals
    graph = store.partner_graph()
    org_ids = sorted(graph.nodes)
    # Around the busiest organization but the one whose survey round the network holds.
    surveyed = store.get_survey_round("spring-round").org_id
    busy = max((org for org in org_ids if org != surveyed), key=graph.degree)
    stranger = next(org for org in org_ids if org != busy and org not in graph[busy])
    add_recent_referrals(store, busy, sorted(graph[busy]), stranger)
    with TestClient(create_app(settings, store=store)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        differing, shown = [], set()
        for method, (path, params) in ROUTES.items():
            floor = neo4j_floor.FLOORS[method][0]
            for org_id in org_ids:
                asked = {key: value.format(org_id) for key, value in params.items()}
                answer = client.get(path.format(org_id), params=asked).json()
                if answer.get("survey_round"):
                    continue  # floors answer as if none ran, as on the benchmark's network
                rows = floor(driver, settings.neo4j_database, org_id)
                if neo4j_floor.differs(method, rows, answer):
                    differing.append((method, org_id))
                if rows:
                    shown.add(method)
        whole = neo4j_floor.FLOORS["whole_gaps"][0](driver, settings.neo4j_database)
        answer = client.get("/api/v1/feedback-gaps").json()
        if neo4j_floor.differs("whole_gaps", whole, answer):
            differing.append(("whole_gaps", None))
    assert differing == []
    assert shown == set(ROUTES)  # every floor had something to say
    assert len(org_ids) > 20


def test_the_health_floor_asked_as_of_the_day_the_generated_network_ends_answers_alike(neo4j):
    """The benchmark asks health as of the generated network's last day, so that its window
    holds referrals: the floor answers as the service does then."""
    settings, store, driver = neo4j
    day = CLOCK.date()
    load_network(store, scale="tiny", seed=7)
    graph = store.partner_graph()
    asked = sorted(graph, key=graph.degree)[-3:]
    with TestClient(create_app(settings, store=store)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        path = "/api/v1/organizations/{}/relationship-health"
        answers = {
            org: client.get(path.format(org), params={"as_of": day.isoformat()}).json()
            for org in asked
        }
    found = {
        org: neo4j_floor.relationship_health(driver, settings.neo4j_database, org, day)
        for org in asked
    }
    assert [org for org in asked if neo4j_floor.differs("health", found[org], answers[org])] == []
    assert any(
        row["signals"]["referrals_sent"] + row["signals"]["referrals_received"]
        for answer in answers.values()
        for row in answer["partners"]
    )
