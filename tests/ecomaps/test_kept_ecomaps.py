"""A serving process keeps today's eco-maps and gives them again while nothing on them has
changed: every write, made through this process or another serving the same data, shows on
the next request of the eco-map it touches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.ecomaps import service as ecomaps_service
from service.web.reuse import SHARED_FROM_BYTES
from tests.conftest import ADMIN_TOKEN, add_hub, add_orgs


def serving(settings, store) -> TestClient:
    client = TestClient(create_app(settings, store=store))
    client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    return client


@pytest.fixture
def two_processes(settings, store, reopen) -> Iterator[tuple[TestClient, TestClient]]:
    """The service twice over one data file: the first keeps eco-maps, the second writes."""
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"), ("ei", "early_intervention"))
    other = reopen()
    with serving(settings, store) as reader, serving(settings, other) as writer:
        related = {"org_a": "hub", "org_b": "wic", "state": "green", "reason": "shared plan"}
        assert writer.post("/api/v1/relationships", json=related).status_code == 201
        yield reader, writer
    other.close()


def partners(client: TestClient) -> dict[str, dict]:
    response = client.get("/api/v1/organizations/hub/ecomap")
    assert response.status_code == 200, response.text
    return {p["organization"]["id"]: p for p in response.json()["partners"]}


def test_an_eco_map_asked_again_shows_each_write_made_through_another_process(two_processes):
    reader, writer = two_processes

    def after(method: str, path: str, body: dict | None = None) -> dict[str, dict]:
        partners(reader)  # kept by the reader before the write
        response = writer.request(method, path, json=body)
        assert response.status_code < 300, response.text
        return partners(reader)

    renamed = after("PATCH", "/api/v1/organizations/wic", {"name": "WIC of Lane County"})
    assert renamed["wic"]["organization"]["name"] == "WIC of Lane County"
    assessed = after("PATCH", "/api/v1/relationships/hub~wic", {"state": "red", "reason": "left"})
    assert assessed["wic"]["state"] == "red"
    referral = {"case_ref": "C-1", "from_org": "hub", "to_org": "wic", "consent": True}
    sent = after("POST", "/api/v1/referrals", {**referral, "sent_at": "2026-01-05T09:00:00Z"})
    assert (sent["wic"]["referrals_sent"], sent["wic"]["open_loops"]) == (1, 1)
    [referral_id] = [r["id"] for r in writer.get("/api/v1/referrals").json()["items"]]
    closing = {"status": "declined", "at": "2026-01-06T09:00:00Z"}
    closed = after("POST", f"/api/v1/referrals/{referral_id}/events", closing)
    assert closed["wic"]["open_loops"] == 0
    program = {"name": "Joint screening", "org_ids": ["hub", "wic"], "start": "2020-01-01"}
    assert after("POST", "/api/v1/joint-programs", program)["wic"]["partnership_level"] == 3
    related = {"org_a": "ei", "org_b": "hub", "state": "yellow", "reason": "met once"}
    assert after("POST", "/api/v1/relationships", related)["ei"]["state"] == "yellow"
    assert "ei" not in after("DELETE", "/api/v1/organizations/ei")


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The organizations whose eco-maps are computed, in order, as the test goes on."""
    organizations: list[str] = []
    compute = ecomaps_service.load_ecomap_fields

    def counted(store, org_id, **options):
        organizations.append(org_id)
        return compute(store, org_id, **options)

    monkeypatch.setattr(ecomaps_service, "load_ecomap_fields", counted)
    return organizations


def test_an_unchanged_eco_map_is_not_computed_again_and_a_write_elsewhere_keeps_it(
    two_processes, store, computed
):
    if store.organization_stamp("hub") is None:
        pytest.skip("this store keeps no change stamps: its answers are read afresh each time")
    reader, writer = two_processes
    first = reader.get("/api/v1/organizations/hub/ecomap").content
    assert reader.get("/api/v1/organizations/hub/ecomap").content == first
    related = {"org_a": "ei", "org_b": "wic", "state": "green", "reason": "co-located"}
    assert writer.post("/api/v1/relationships", json=related).status_code == 201
    assert reader.get("/api/v1/organizations/hub/ecomap").content == first
    assert computed == ["hub"]
    writer.patch("/api/v1/relationships/hub~wic", json={"state": "yellow", "reason": "slower"})
    assert reader.get("/api/v1/organizations/hub/ecomap").content != first
    assert computed == ["hub", "hub"]


@pytest.fixture
def two_workers(settings, store, reopen, tmp_path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two workers of one ``serve`` (a folder to share answers through), and a hub whose
    eco-map is big enough to be shared."""
    if store.organization_stamp("hub") is None:
        pytest.skip("this store keeps no change stamps: its answers are read afresh each time")
    add_hub(store, 400)
    (tmp_path / "shared").mkdir()
    shared = settings.model_copy(update={"shared_answers_dir": tmp_path / "shared"})
    other = reopen()
    with serving(shared, store) as first, serving(shared, other) as second:
        yield first, second
    other.close()


def test_a_hubs_eco_map_is_computed_by_one_worker_and_every_write_shows_through_both(
    two_workers, computed
):
    first, second = two_workers
    answer = first.get("/api/v1/organizations/hub/ecomap").content
    assert len(answer) >= SHARED_FROM_BYTES
    assert second.get("/api/v1/organizations/hub/ecomap").content == answer
    assert computed == ["hub"]

    red = {"state": "red", "reason": "stopped answering"}
    assert second.patch("/api/v1/relationships/hub~partner-007", json=red).status_code == 200
    for worker in (first, second):
        assert partners(worker)["partner-007"]["state"] == "red"
    assert computed == ["hub", "hub"]


def test_a_hubs_eco_map_after_a_write_waits_for_an_analysis_while_a_typical_one_goes_on(
    settings, store, computed
):
    if store.organization_stamp("hub") is None:
        pytest.skip("this store keeps no change stamps: its answers are read afresh each time")
    add_hub(store, 400)
    with serving(settings, store) as client:
        assert len(client.get("/api/v1/organizations/hub/ecomap").content) >= SHARED_FROM_BYTES
        red = {"state": "red", "reason": "stopped answering"}
        assert client.patch("/api/v1/relationships/hub~partner-007", json=red).status_code == 200
        with ThreadPoolExecutor(1) as browser:
            # Missing partners, say, hold the worker's lane.
            with client.portal.wrap_async_context_manager(client.app.state.analysis_lane):
                asked = browser.submit(partners, client)
                typical = client.get("/api/v1/organizations/partner-007/ecomap")
                assert typical.json()["partners"][0]["state"] == "red"
                time.sleep(0.2)  # time enough for the hub to be computed, were it let
                assert not asked.done()
            assert asked.result(timeout=30)["partner-007"]["state"] == "red"
    assert computed == ["hub", "partner-007", "hub"]
