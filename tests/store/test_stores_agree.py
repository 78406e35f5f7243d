"""Both stores answer every analytic question alike, on the demo networks and a generated one.

Each network is loaded into an embedded store and into Neo4j, with the same partnership
evidence and referrals added through the stores, and every analytic route is asked the same
questions of both over HTTP; the JSON answers must be equal. Two things are left out of the
comparison, as no two loads or requests share them: ``created_at``, the moment a store wrote a
record, and what is aged to the moment of the request: a case trace's or the feedback-gap
report's own ``as_of`` and an open loop's ``days_open``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from graph_models import NetworkBundle
from service.app import create_app
from service.data.generator import generate_network
from service.data.seeds import read_seed
from service.settings import Settings, StoreKind
from service.store import open_store
from tests.conftest import ADMIN_TOKEN, neo4j_settings, wipe_neo4j
from tests.networks import add_evidence_and_referrals

ARBITRARY = frozenset({"created_at", ".as_of", "days_open"})
"""Keys (anywhere) and paths (from the answer's top) that differ between loads or requests."""


@dataclass
class Network:
    """A network loaded into both stores, and what to ask about it."""

    name: str
    embedded: TestClient
    neo4j: TestClient
    org_ids: list[str]
    """The organizations asked about: all of a small network, a sample of a large one."""
    regions: list[str]
    profiles: list[str]
    case_refs: list[str]


GENERATED = "generated"
"""The generator's ``tiny`` network (a thousand organizations, five thousand referrals)."""


def bundles(name: str) -> Iterator[NetworkBundle]:
    if name == GENERATED:
        yield from generate_network(scale="tiny", seed=7)
    else:
        yield read_seed(name)


@pytest.fixture(scope="module", params=["oregon", "oklahoma", GENERATED])
def network(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp(f"parity-{request.param}")
    neo4j = neo4j_settings(data_dir)
    if neo4j is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    wipe_neo4j(neo4j)
    embedded = Settings(
        data_dir=data_dir, store=StoreKind.EMBEDDED, admin_token=SecretStr(ADMIN_TOKEN)
    )
    stores = [open_store(embedded), open_store(neo4j)]
    for store in stores:
        for bundle in bundles(request.param):
            store.import_bundle(bundle)
        add_evidence_and_referrals(store)
    clients = [
        TestClient(create_app(settings, store=store))
        for settings, store in zip((embedded, neo4j), stores, strict=True)
    ]
    for client in clients:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        client.__enter__()
    yield questions_about(request.param, *clients)
    for client, store in zip(clients, stores, strict=True):
        client.__exit__(None, None, None)
        store.close()


def questions_about(name: str, embedded: TestClient, neo4j: TestClient) -> Network:
    orgs = all_pages(embedded, "/api/v1/organizations")
    org_ids = sorted(org["id"] for org in orgs)
    if len(org_ids) > 60:
        degree = {org_id: 0 for org_id in org_ids}
        for rel in all_pages(embedded, "/api/v1/relationships"):
            degree[rel["org_a"]] += 1
            degree[rel["org_b"]] += 1
        hubs = sorted(org_ids, key=lambda org_id: (-degree[org_id], org_id))[:5]
        org_ids = sorted({*hubs, *random.Random(7).sample(org_ids, 15)})
    referrals = all_pages(embedded, "/api/v1/referrals")
    return Network(
        name=name,
        embedded=embedded,
        neo4j=neo4j,
        org_ids=org_ids,
        regions=sorted({org["region"] for org in orgs if org["region"]})[:3],
        profiles=[profile["name"] for profile in embedded.get("/api/v1/profiles").json()],
        case_refs=sorted({referral["case_ref"] for referral in referrals})[:20],
    )


def all_pages(client: TestClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.get(path, params={"limit": 500, "offset": len(items)}).json()
        items += page["items"]
        if len(items) >= page["total"]:
            return items


def first_difference(left: Any, right: Any, where: str = "") -> str | None:
    """Where two JSON values first differ, ignoring :data:`ARBITRARY` keys; None if equal."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(left.keys() | right.keys()):
            if key in ARBITRARY or f"{where}.{key}" in ARBITRARY:
                continue
            if key not in left or key not in right:
                return f"{where}.{key}: only on {'embedded' if key in left else 'neo4j'}"
            found = first_difference(left[key], right[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{where}: {len(left)} items on embedded, {len(right)} on neo4j"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{where}: {left!r} on embedded, {right!r} on neo4j"


def differences(network: Network, requests: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Ask both stores each ``(path, params)``; what differs, one line per request."""
    found = []
    for path, params in requests:
        answers = [client.get(path, params=params) for client in (network.embedded, network.neo4j)]
        statuses = [answer.status_code for answer in answers]
        if statuses[0] != statuses[1]:
            found.append(f"{path} {params}: status {statuses[0]} on embedded, {statuses[1]}")
            continue
        difference = first_difference(answers[0].json(), answers[1].json())
        if difference:
            found.append(f"{path} {params}: {difference}")
    return found


def per_org(network: Network, template: str, *variants: dict[str, Any]) -> list[tuple[str, dict]]:
    """``template`` for each organization asked about, with the ``variants`` of the query
    taken in turn (organization n gets variant n modulo their number)."""
    chosen = variants or ({},)
    return [
        (template.format(org_id=org_id), chosen[n % len(chosen)])
        for n, org_id in enumerate(network.org_ids)
    ]


def test_eco_maps_and_what_changed_on_them_are_the_same_on_both_stores(network):
    profile = network.profiles[0]
    requests = per_org(
        network,
        "/api/v1/organizations/{org_id}/ecomap",
        {},
        {"depth": 2},
        {"as_of": "2017-06-30"},
        {"profile": profile},
    )
    requests += per_org(
        network, "/api/v1/organizations/{org_id}/ecomap/changes", {"since": "2017-01-01"}
    )
    requests += [(f"/api/v1/regions/{region}/map", {}) for region in network.regions]
    assert differences(network, requests) == []


def test_levels_health_and_engagement_plans_are_the_same_on_both_stores(network):
    requests = []
    for route in ("partnership-levels", "relationship-health", "engagement-plan"):
        requests += per_org(
            network, f"/api/v1/organizations/{{org_id}}/{route}", {}, {"as_of": "2018-03-31"}
        )
    assert differences(network, requests) == []


def test_network_measures_are_the_same_on_both_stores(network):
    requests = [("/api/v1/network/measures", {})]
    requests += [("/api/v1/network/measures", {"region": region}) for region in network.regions]
    requests += [
        ("/api/v1/network/measures", {"org_id": org_id, "depth": 1 + n % 2})
        for n, org_id in enumerate(network.org_ids[::2])
    ]
    assert differences(network, requests) == []


def test_missing_partners_of_organizations_and_regions_are_the_same_on_both_stores(network):
    profiles = [{"profile": profile} for profile in network.profiles]
    requests = per_org(network, "/api/v1/organizations/{org_id}/missing-partners", *profiles)
    requests += [
        (f"/api/v1/regions/{region}/missing-partners", profile)
        for region in network.regions
        for profile in profiles
    ]
    assert differences(network, requests) == []


def test_warm_paths_are_the_same_on_both_stores(network):
    ends = network.org_ids[:8]
    pairs = [(a, b) for a in ends for b in ends if a < b]
    requests = [
        (
            "/api/v1/paths",
            {"from_org": a, "to_org": b, "max_hops": 3 + n % 2, "k": (1, 3, 10)[n % 3]},
        )
        for n, (a, b) in enumerate(pairs)
    ]
    assert differences(network, requests) == []


def test_case_traces_referral_lists_and_feedback_gaps_are_the_same_on_both_stores(network):
    requests = [(f"/api/v1/cases/{case_ref}/trace", {}) for case_ref in network.case_refs]
    requests += [
        ("/api/v1/feedback-gaps", {}),
        ("/api/v1/feedback-gaps", {"overdue_after_days": 7}),
    ]
    requests += [("/api/v1/feedback-gaps", {"org_id": org_id}) for org_id in network.org_ids]
    requests += [("/api/v1/referrals", {"limit": 500})]
    requests += [("/api/v1/referrals", {"org_id": org_id}) for org_id in network.org_ids[::4]]
    assert differences(network, requests) == []
