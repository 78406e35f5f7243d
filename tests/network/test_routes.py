"""The HTTP API of the network: organizations, contacts, relationships, engagements, profiles."""

from __future__ import annotations

from graph_models import MAX_PAGE_SIZE
from tests.conftest import add_orgs


def test_health_needs_no_token_and_names_the_store(client, store):
    response = client.get("/health", headers={"Authorization": ""})
    assert response.json() == {"status": "ok", "store": store.kind}


def test_an_organization_is_created_read_changed_and_deleted(client):
    created = client.post(
        "/api/v1/organizations",
        json={
            "name": "Black Parent Initiative",
            "sector": "early_learning_hub",
            "region": "Multnomah",
        },
    )
    assert created.status_code == 201
    org_id = created.json()["id"]
    assert org_id == "black-parent-initiative"
    changed = client.patch(f"/api/v1/organizations/{org_id}", json={"region": "Portland"})
    assert changed.json()["region"] == "Portland"
    assert client.get(f"/api/v1/organizations/{org_id}").json()["name"] == "Black Parent Initiative"
    assert client.delete(f"/api/v1/organizations/{org_id}").status_code == 204
    missing = client.get(f"/api/v1/organizations/{org_id}")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "organization 'black-parent-initiative' does not exist"


def test_organization_lists_are_filtered_and_paginated(client, store):
    add_orgs(store, *[(f"wic-{n}", "wic") for n in range(5)], ("ei-1", "early_intervention"))
    page = client.get("/api/v1/organizations", params={"sector": "wic", "limit": 2, "offset": 2})
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)
    assert [o["id"] for o in body["items"]] == ["wic-2", "wic-3"]
    assert client.get("/api/v1/organizations", params={"q": "ei"}).json()["total"] == 1


def test_a_page_size_over_the_cap_is_refused_with_the_cap(client):
    response = client.get("/api/v1/organizations", params={"limit": MAX_PAGE_SIZE + 1})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"query.limit: Input should be less than or equal to {MAX_PAGE_SIZE}"
    )


def test_a_duplicate_id_gets_409_and_keeps_the_first(client):
    body = {"id": "wic-lane", "name": "WIC Lane", "sector": "wic"}
    assert client.post("/api/v1/organizations", json=body).status_code == 201
    again = client.post("/api/v1/organizations", json={**body, "name": "Other"})
    assert again.status_code == 409
    assert again.json()["detail"] == "organization 'wic-lane' already exists"
    assert client.get("/api/v1/organizations/wic-lane").json()["name"] == "WIC Lane"


def test_unknown_fields_and_bad_slugs_are_refused(client):
    response = client.post(
        "/api/v1/organizations", json={"name": "X", "sector": "wic", "family_name": "Smith"}
    )
    assert response.status_code == 422
    assert "body.family_name: Extra inputs are not permitted" in response.json()["detail"]
    bad_id = client.post(
        "/api/v1/organizations", json={"id": "Not A Slug", "name": "X", "sector": "wic"}
    )
    assert bad_id.status_code == 422
    assert "body.id: String should match pattern" in bad_id.json()["detail"]


def test_a_relationship_to_an_unknown_organization_gets_422_and_writes_nothing(client, store):
    add_orgs(store, ("eld", "state_agency"))
    response = client.post(
        "/api/v1/relationships",
        json={"org_a": "eld", "org_b": "ghost", "state": "green", "reason": "ok"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "organization 'ghost' does not exist"
    assert client.get("/api/v1/relationships").json()["total"] == 0


def test_a_purple_state_is_refused_with_the_allowed_states(client, store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"))
    response = client.post(
        "/api/v1/relationships",
        json={"org_a": "eld", "org_b": "hub", "state": "purple", "reason": "?"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "body.state: Input should be 'green', 'yellow', 'red' or 'no_dot'"
    )
    assert client.get("/api/v1/relationships").json()["total"] == 0


def test_a_state_change_without_a_reason_is_refused_and_the_state_stays(client, store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"))
    client.post(
        "/api/v1/relationships",
        json={"org_a": "eld", "org_b": "hub", "state": "green", "reason": "co-hosted"},
    )
    response = client.patch("/api/v1/relationships/eld~hub", json={"state": "red"})
    assert response.status_code == 422
    assert "a change of state needs a reason" in response.json()["detail"]
    assert client.get("/api/v1/relationships/eld~hub").json()["state"] == "green"
    assert len(client.get("/api/v1/relationships/eld~hub/history").json()) == 1


def test_the_history_lists_every_assessment_with_who_when_and_why(client, store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"))
    client.post(
        "/api/v1/relationships",
        json={
            "org_a": "hub",
            "org_b": "eld",
            "state": "red",
            "reason": "missed two meetings",
            "assessed_at": "2018-01-05T10:00:00Z",
        },
    )
    client.patch(
        "/api/v1/relationships/eld~hub",
        json={"state": "yellow", "reason": "came to the webinar", "assessed_at": "2018-02-01"},
    )
    history = client.get("/api/v1/relationships/eld~hub/history").json()
    assert [
        (h["state"], h["action"], h["reason"], h["assessed_by"], h["assessed_at"]) for h in history
    ] == [
        ("red", "heal", "missed two meetings", "admin", "2018-01-05T10:00:00Z"),
        ("yellow", "improve", "came to the webinar", "admin", "2018-02-01T00:00:00Z"),
    ]
    listed = client.get("/api/v1/relationships", params={"org_id": "hub", "state": "yellow"})
    assert [r["id"] for r in listed.json()["items"]] == ["eld~hub"]


def test_a_malformed_date_is_refused_and_nothing_is_written(client, store):
    add_orgs(store, ("eld", "state_agency"))
    response = client.post(
        "/api/v1/engagements",
        json={"kind": "webinar", "title": "Hub webinar", "date": "19/09/2017", "org_ids": ["eld"]},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.date: Input should be a valid date")
    assert client.get("/api/v1/engagements").json()["total"] == 0


def test_an_engagement_is_listed_by_organization_and_date(client, store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"))
    client.post(
        "/api/v1/engagements",
        json={
            "kind": "webinar",
            "title": "Hub webinar",
            "date": "2017-09-19",
            "org_ids": ["eld", "hub"],
            "notes": "9/19 webinar for hub directors",
        },
    )
    client.post(
        "/api/v1/engagements",
        json={
            "kind": "survey",
            "title": "Staff survey",
            "date": "2018-02-15",
            "status": "planned",
            "org_ids": ["eld"],
        },
    )
    by_hub = client.get("/api/v1/engagements", params={"org_id": "hub"}).json()
    assert [e["title"] for e in by_hub["items"]] == ["Hub webinar"]
    planned = client.get("/api/v1/engagements", params={"status": "planned"}).json()
    assert [e["kind"] for e in planned["items"]] == ["survey"]


def test_a_profile_naming_an_unknown_sector_is_refused(client):
    response = client.post(
        "/api/v1/profiles", json={"name": "mine", "label": "Mine", "sectors": ["wic", "astronauts"]}
    )
    assert response.status_code == 422
    assert "sector 'astronauts' is not known" in response.json()["detail"]
    assert client.get("/api/v1/profiles/mine").status_code == 404


def test_a_profile_keeps_its_sectors_in_order(client):
    client.post(
        "/api/v1/profiles",
        json={"name": "mine", "label": "Mine", "sectors": ["wic", "library", "early_intervention"]},
    )
    assert client.get("/api/v1/profiles/mine").json()["sectors"] == [
        "wic",
        "library",
        "early_intervention",
    ]
    assert (
        client.get("/api/v1/profiles/nope")
        .json()["detail"]
        .startswith("profile 'nope' does not exist")
    )


def test_sectors_are_listed_with_their_labels(client):
    sectors = {s["slug"]: s["label"] for s in client.get("/api/v1/sectors").json()}
    assert sectors["early_intervention"] == "Early intervention"
