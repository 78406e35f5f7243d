"""Relationships that end, activities that change or are cancelled, and leaders and planners
held to their own organization: through the API, on both stores."""

from __future__ import annotations

from datetime import timedelta

from graph_models import Role
from tests.conftest import add_orgs, days_from_today


def related(client, store, state="green"):
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"), ("lib", "library"))
    for partner in ("wic", "lib"):
        response = client.post(
            "/api/v1/relationships",
            json={
                "org_a": "hub",
                "org_b": partner,
                "state": state,
                "reason": "monthly referrals",
                "assessed_at": f"{days_from_today(-365)}T10:00:00Z",
            },
        )
        assert response.status_code == 201


def partners(client, **params):
    body = client.get("/api/v1/organizations/hub/ecomap", params=params).json()
    return [p["organization"]["id"] for p in body["partners"]]


def test_an_ended_relationship_is_gone_from_its_end_day_and_present_before(client, store):
    related(client, store)
    last_month = days_from_today(-30)
    ended = client.post(
        "/api/v1/relationships/hub~wic/end",
        json={"ended_on": last_month.isoformat(), "reason": "the program closed"},
    )
    assert ended.status_code == 200
    assert (ended.json()["ended_on"], ended.json()["end_reason"]) == (
        last_month.isoformat(),
        "the program closed",
    )
    assert partners(client) == ["lib"]
    assert partners(client, as_of=last_month.isoformat()) == ["lib"]
    the_day_before = (last_month - timedelta(days=1)).isoformat()
    assert partners(client, as_of=the_day_before) == ["lib", "wic"]
    history = client.get("/api/v1/relationships/hub~wic/history").json()
    assert [step["reason"] for step in history] == ["monthly referrals"]


def test_changed_since_lists_an_ended_relationship_among_the_partners_gone(client, store):
    related(client, store)
    client.post("/api/v1/relationships/hub~wic/end", json={"reason": "moved away"})
    last_month = days_from_today(-30).isoformat()
    changes = client.get(
        "/api/v1/organizations/hub/ecomap/changes", params={"since": last_month}
    ).json()
    assert [gone["organization"]["id"] for gone in changes["gone"]] == ["wic"]


def test_an_ended_relationship_leaves_the_plan_the_measures_and_the_paths(client, store):
    related(client, store)
    client.post("/api/v1/relationships/hub~wic/end", json={"reason": "moved away"})
    plan = client.get("/api/v1/organizations/hub/engagement-plan").json()
    planned = [p["partner_id"] for group in plan["groups"] for p in group["partners"]]
    assert planned == ["lib"]
    measures = client.get("/api/v1/network/measures").json()
    assert measures["ties"] == 1
    paths = client.get("/api/v1/paths", params={"from_org": "wic", "to_org": "lib"}).json()
    assert paths["paths"] == []


def test_an_end_in_the_future_twice_or_before_the_last_assessment_is_refused(client, store):
    related(client, store)
    tomorrow = days_from_today(1).isoformat()
    future = client.post(
        "/api/v1/relationships/hub~wic/end", json={"ended_on": tomorrow, "reason": "x"}
    )
    assert future.status_code == 422
    assert "an end cannot be dated in the future" in future.json()["detail"]
    early = client.post(
        "/api/v1/relationships/hub~wic/end",
        json={"ended_on": days_from_today(-400).isoformat(), "reason": "x"},
    )
    assert early.status_code == 422
    assert "before the latest assessment" in early.json()["detail"]
    no_reason = client.post("/api/v1/relationships/hub~wic/end", json={})
    assert no_reason.status_code == 422
    assert client.get("/api/v1/relationships/hub~wic").json()["ended_on"] is None
    assert client.post("/api/v1/relationships/hub~wic/end", json={"reason": "x"}).status_code == 200
    again = client.post("/api/v1/relationships/hub~wic/end", json={"reason": "y"})
    assert again.status_code == 409
    assessed = client.patch(
        "/api/v1/relationships/hub~wic", json={"state": "red", "reason": "we argued"}
    )
    assert assessed.status_code == 409
    assert client.get("/api/v1/relationships/hub~wic").json()["end_reason"] == "x"


def test_an_ended_relationship_survives_a_restart(client, store, reopen):
    related(client, store)
    client.post("/api/v1/relationships/hub~wic/end", json={"reason": "moved away"})
    again = reopen()
    try:
        assert "ended_at" in again.partner_graph("hub").edges["hub", "wic"]
        assert again.get_relationship("hub~wic").end_reason == "moved away"
    finally:
        again.close()


def engagement(client, **fields):
    body = {
        "kind": "outreach",
        "title": "First call",
        "date": days_from_today(1).isoformat(),
        "status": "planned",
        "org_ids": ["hub", "wic"],
        **fields,
    }
    return client.post("/api/v1/engagements", json=body)


def test_a_held_activity_dated_in_the_future_is_refused_on_recording_and_on_change(client, store):
    related(client, store)
    held = engagement(client, status="held")
    assert held.status_code == 422
    assert "a held activity cannot be dated in the future" in held.json()["detail"]
    planned = engagement(client).json()
    changed = client.patch(f"/api/v1/engagements/{planned['id']}", json={"status": "held"})
    assert changed.status_code == 422
    assert "a held activity cannot be dated in the future" in changed.json()["detail"]
    assert client.get(f"/api/v1/engagements/{planned['id']}").json()["status"] == "planned"


def test_an_activity_is_changed_and_cancelled_and_its_record_kept(client, store):
    related(client, store)
    planned = engagement(client).json()
    changed = client.patch(
        f"/api/v1/engagements/{planned['id']}",
        json={"title": "Coffee with WIC", "org_ids": ["hub", "wic", "lib"]},
    )
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["org_ids"]) == (
        "Coffee with WIC",
        ["hub", "lib", "wic"],
    )
    cancelled = client.patch(f"/api/v1/engagements/{planned['id']}", json={"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"
    plan = client.get("/api/v1/organizations/hub/engagement-plan").json()
    assert not [a for g in plan["groups"] for p in g["partners"] for a in p["planned"]]
    listed = client.get("/api/v1/engagements", params={"status": "cancelled"}).json()
    assert [e["id"] for e in listed["items"]] == [planned["id"]]


def test_a_held_activity_cannot_be_cancelled_nor_linked_to_an_unknown_organization(client, store):
    related(client, store)
    held = engagement(client, status="held", date=days_from_today(-30).isoformat()).json()
    refused = client.patch(f"/api/v1/engagements/{held['id']}", json={"status": "cancelled"})
    assert refused.status_code == 422
    assert "only a planned activity can be cancelled" in refused.json()["detail"]
    unknown = client.patch(f"/api/v1/engagements/{held['id']}", json={"org_ids": ["ghost"]})
    assert unknown.status_code == 422
    assert client.get(f"/api/v1/engagements/{held['id']}").json()["org_ids"] == ["hub", "wic"]


def test_a_scoped_leader_assesses_and_ends_only_relationships_of_their_own_organization(
    client, store, token_for
):
    related(client, store)
    add_orgs(store, ("eld", "state_agency"))
    client.post(
        "/api/v1/relationships",
        json={"org_a": "eld", "org_b": "wic", "state": "yellow", "reason": "slow"},
    )
    leader = token_for(Role.LEADER, org_id="hub")
    own = client.patch(
        "/api/v1/relationships/hub~wic", json={"state": "red", "reason": "x"}, headers=leader
    )
    assert own.status_code == 200
    other = client.patch(
        "/api/v1/relationships/eld~wic", json={"state": "red", "reason": "x"}, headers=leader
    )
    assert other.status_code == 403
    assert "belongs to 'hub'" in other.json()["detail"]
    ending = client.post("/api/v1/relationships/eld~wic/end", json={"reason": "x"}, headers=leader)
    assert ending.status_code == 403
    assert client.get("/api/v1/relationships/eld~wic").json()["state"] == "yellow"


def test_a_planner_proposes_a_new_partner_only_as_no_dot(client, store, token_for):
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"), ("lib", "library"))
    planner = token_for(Role.PLANNER, org_id="hub")
    body = {"org_a": "hub", "org_b": "wic", "reason": "they serve our families"}
    green = client.post("/api/v1/relationships", json={**body, "state": "green"}, headers=planner)
    assert green.status_code == 403
    assert "only as no_dot" in green.json()["detail"]
    proposed = client.post(
        "/api/v1/relationships", json={**body, "state": "no_dot"}, headers=planner
    )
    assert proposed.status_code == 201
    elsewhere = client.post(
        "/api/v1/relationships",
        json={**body, "org_a": "lib", "state": "no_dot"},
        headers=planner,
    )
    assert elsewhere.status_code == 403
    activity = engagement(client, org_ids=["lib"])
    assert activity.status_code == 201
    refused = client.patch(
        f"/api/v1/engagements/{activity.json()['id']}", json={"title": "x"}, headers=planner
    )
    assert refused.status_code == 403
