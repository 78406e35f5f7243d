"""Partnership evidence, levels and relationship health through the HTTP API."""

from __future__ import annotations

import pytest

from graph_models import EngagementCreate, RelationshipCreate, RelationshipState, Role
from tests.conftest import add_orgs


@pytest.fixture
def lane(client, store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"), ("wic", "wic"))
    return client


def levels(client, as_of: str, org_id: str = "eld", **headers: str) -> dict[str, dict]:
    response = client.get(
        f"/api/v1/organizations/{org_id}/partnership-levels",
        params={"as_of": as_of},
        headers=headers or None,
    )
    assert response.status_code == 200, response.text
    return {p["partner_id"]: p for p in response.json()["partners"]}


def post(client, path: str, body: dict, **headers: str) -> dict:
    response = client.post(f"/api/v1/{path}", json=body, headers=headers or None)
    assert response.status_code == 201, response.text
    return response.json()


def test_levels_rise_from_2_to_6_as_evidence_is_recorded_and_each_piece_is_listed(lane):
    as_of = "2018-06-01"
    assert levels(lane, as_of) == {}
    post(
        lane,
        "joint-case-plans",
        {"case_ref": "C-7", "org_ids": ["eld", "hub"], "date": "2018-01-05"},
    )
    assert levels(lane, as_of)["hub"]["level"] == 2
    post(
        lane,
        "joint-programs",
        {"name": "Parent Pathway", "org_ids": ["eld", "hub"], "start": "2018-02-01"},
    )
    assert levels(lane, as_of)["hub"]["level"] == 3
    post(
        lane,
        "agreements",
        {
            "kind": "joint_mis",
            "org_ids": ["eld", "hub"],
            "start": "2018-03-01",
            "end": "2019-02-28",
        },
    )
    assert levels(lane, as_of)["hub"]["level"] == 4
    post(
        lane,
        "collaboratives",
        {
            "name": "Lane Collaborative",
            "scope": "local",
            "governance": "an elected board",
            "member_org_ids": ["eld", "hub", "wic"],
            "start": "2018-04-01",
        },
    )
    assert levels(lane, as_of)["hub"]["level"] == 5
    assert levels(lane, as_of)["wic"]["level"] == 5
    post(
        lane,
        "collaboratives",
        {
            "name": "Children's Cabinet",
            "scope": "state",
            "member_org_ids": ["eld", "hub"],
            "start": "2018-05-01",
        },
    )
    hub = levels(lane, as_of)["hub"]
    assert (hub["level"], hub["label"]) == (6, "state-level collaborative or cabinet")
    assert [(e["level"], e["kind"], e["summary"]) for e in hub["evidence"]] == [
        (
            6,
            "collaborative",
            "members of the state-level collaborative 'Children's Cabinet', since 2018-05-01",
        ),
        (
            5,
            "collaborative",
            "members of the local collaborative 'Lane Collaborative' governed by an elected board, "
            "since 2018-04-01",
        ),
        (
            4,
            "agreement",
            "joint management information system, from 2018-03-01 to 2019-02-28",
        ),
        (3, "joint_program", "joint program 'Parent Pathway', since 2018-02-01"),
        (2, "joint_case_plan", "joint case plan made on 2018-01-05"),
    ]
    assert hub["evidence"][-1]["case_ref"] == "C-7"
    assert [(p, body["level"]) for p, body in levels(lane, "2018-03-15").items()] == [("hub", 4)]
    assert levels(lane, "2019-03-01")["hub"]["evidence"][2]["kind"] == "joint_program"


def test_an_ended_agreement_stops_counting_after_its_end(lane):
    post(
        lane,
        "agreements",
        {
            "kind": "co_location",
            "title": "Nurse at the hub",
            "org_ids": ["eld", "hub"],
            "start": "2017-01-01",
            "end": "2017-12-31",
        },
    )
    assert levels(lane, "2017-12-31")["hub"]["level"] == 4
    assert levels(lane, "2018-01-01") == {}


def test_case_refs_of_joint_case_plans_show_only_to_admins_and_caseworkers_of_a_member(
    lane, token_for
):
    post(
        lane,
        "joint-case-plans",
        {"case_ref": "C-7", "org_ids": ["eld", "hub"], "date": "2018-01-05"},
    )
    readers = {
        "admin": ({}, "C-7"),
        "caseworker at hub": (token_for(Role.CASEWORKER, org_id="hub"), "C-7"),
        "caseworker at wic": (token_for(Role.CASEWORKER, org_id="wic"), None),
        "leader": (token_for(Role.LEADER), None),
        "planner": (token_for(Role.PLANNER), None),
    }
    for who, (headers, shown) in readers.items():
        plans = lane.get(
            "/api/v1/joint-case-plans", params={"org_id": "hub"}, headers=headers or None
        )
        assert [p["case_ref"] for p in plans.json()] == [shown], who
        evidence = levels(lane, "2018-02-01", **headers)["hub"]["evidence"]
        assert [(e["summary"], e["case_ref"]) for e in evidence] == [
            ("joint case plan made on 2018-01-05", shown)
        ], who


def test_a_caseworker_records_joint_case_plans_of_their_own_organization_only(lane, token_for):
    body = {"case_ref": "C-9", "org_ids": ["eld", "hub"], "date": "2018-01-05"}
    refused = lane.post(
        "/api/v1/joint-case-plans", json=body, headers=token_for(Role.CASEWORKER, org_id="wic")
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "a caseworker of 'wic' may record joint case plans only of their own organization"
    )
    assert lane.get("/api/v1/joint-case-plans", params={"org_id": "eld"}).json() == []
    created = post(lane, "joint-case-plans", body, **token_for(Role.CASEWORKER, org_id="hub"))
    assert created["case_ref"] == "C-9"


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        (
            "joint-programs",
            {"name": "P", "org_ids": ["eld", "ghost"], "start": "2018-01-01"},
            "organization 'ghost' does not exist",
        ),
        (
            "agreements",
            {"kind": "liaison", "org_ids": ["eld"], "start": "2018-01-01"},
            "body.org_ids: List should have at least 2 items after validation, not 1",
        ),
        (
            "agreements",
            {
                "kind": "liaison",
                "org_ids": ["eld", "hub"],
                "start": "2018-01-01",
                "end": "2017-06-30",
            },
            "body: end (2017-06-30) is before start (2018-01-01)",
        ),
        (
            "collaboratives",
            {
                "name": "C",
                "scope": "local",
                "member_org_ids": ["eld", "hub"],
                "start": "2018-01-01",
            },
            "body: a local collaborative needs its own governance: say how it governs itself",
        ),
        (
            "collaboratives",
            {
                "name": "C",
                "scope": "county",
                "member_org_ids": ["eld", "hub"],
                "start": "2018-01-01",
            },
            "body.scope: Input should be 'local' or 'state'",
        ),
    ],
)
def test_bad_evidence_gets_422_saying_what_is_wrong_and_writes_nothing(lane, path, body, detail):
    response = lane.post(f"/api/v1/{path}", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == detail
    assert lane.get(f"/api/v1/{path}", params={"org_id": "eld"}).json() == []


def test_levels_of_an_unknown_organization_are_404(client):
    response = client.get("/api/v1/organizations/nowhere/partnership-levels")
    assert response.status_code == 404
    assert response.json()["detail"] == "organization 'nowhere' does not exist"


def test_relationship_health_flags_a_green_partner_not_engaged_for_half_a_year(lane, store):
    for partner, state in (("hub", RelationshipState.GREEN), ("wic", RelationshipState.YELLOW)):
        store.create_relationship(
            RelationshipCreate(
                org_a="eld", org_b=partner, state=state, reason="r", assessed_at="2017-06-01"
            ),
            assessed_by="Ana",
        )
    for partner, day in (("hub", "2017-08-13"), ("wic", "2018-02-20")):
        store.create_engagement(
            EngagementCreate(
                kind="meeting", title=f"Meet {partner}", date=day, org_ids=["eld", partner]
            )
        )
    # Only activities held by the day asked about are touchpoints.
    for title, day, status in (
        ("Later", "2018-02-20", "planned"),
        ("Called off", "2018-02-21", "cancelled"),
        ("After the day", "2018-03-02", "held"),
    ):
        store.create_engagement(
            EngagementCreate(
                kind="meeting", title=title, date=day, status=status, org_ids=["eld", "hub"]
            )
        )
    body = lane.get(
        "/api/v1/organizations/eld/relationship-health", params={"as_of": "2018-03-01"}
    ).json()
    assert (body["as_of"], body["window_days"]) == ("2018-03-01", 90)
    assert [
        (p["partner_id"], p["assessed"], p["suggested"], p["flag"]) for p in body["partners"]
    ] == [
        ("hub", "green", "yellow", "assessed green, but last engagement 200 days ago (2017-08-13)"),
        ("wic", "yellow", "green", "assessed yellow, but last engagement 9 days ago (2018-02-20)"),
    ]
    assert body["partners"][0]["explanation"] == (
        "last engagement 200 days ago (2017-08-13); no partnership evidence on record"
    )


def test_referrals_between_two_organizations_put_them_at_level_1(lane):
    for case_ref, day in (("case-1", "2018-01-05"), ("case-2", "2018-02-07")):
        post(
            lane,
            "referrals",
            {
                "case_ref": case_ref,
                "from_org": "eld",
                "to_org": "hub",
                "sent_at": f"{day}T10:00:00Z",
                "consent": True,
            },
        )
    hub = levels(lane, "2018-06-01")["hub"]
    assert hub["level"] == 1
    assert [e["summary"] for e in hub["evidence"]] == [
        "2 referrals between eld and hub (2 sent, 0 received), from 2018-01-05 to 2018-02-07"
    ]
    assert levels(lane, "2018-01-04") == {}


def test_health_flags_a_green_partner_whose_referrals_get_no_feedback(lane, store):
    store.create_relationship(
        RelationshipCreate(
            org_a="eld",
            org_b="hub",
            state=RelationshipState.GREEN,
            reason="co-hosted the webinar",
            assessed_at="2018-01-02",
        ),
        assessed_by="Ana",
    )
    for n in range(12):
        referral = post(
            lane,
            "referrals",
            {
                "case_ref": f"case-{n}",
                "from_org": "eld",
                "to_org": "hub",
                "sent_at": f"2018-02-{n + 1:02d}T09:00:00Z",
                "consent": True,
            },
        )
        if n >= 9:
            post(
                lane,
                f"referrals/{referral['id']}/events",
                {"status": "closed", "at": "2018-02-20T09:00:00Z"},
            )
    body = lane.get(
        "/api/v1/organizations/eld/relationship-health", params={"as_of": "2018-03-01"}
    ).json()
    hub = next(p for p in body["partners"] if p["partner_id"] == "hub")
    assert (hub["assessed"], hub["suggested"]) == ("green", "red")
    assert hub["flag"].startswith(
        "assessed green, but 9 of 12 referrals in 90 days have had no feedback"
    )


def test_recording_a_joint_case_plan_and_every_read_that_shows_its_case_ref_are_audited(
    lane, token_for
):
    post(
        lane,
        "joint-case-plans",
        {"case_ref": "C-9", "org_ids": ["eld", "hub"], "date": "2018-01-05"},
    )
    caseworker = token_for(Role.CASEWORKER, org_id="hub")
    lane.get("/api/v1/joint-case-plans", params={"org_id": "hub"}, headers=caseworker)
    levels(lane, "2018-02-01", **caseworker)
    levels(lane, "2018-02-01", **token_for(Role.LEADER))
    entries = lane.get("/api/v1/audit", params={"case_ref": "C-9"}).json()["items"]
    assert sorted((e["role"], e["action"]) for e in entries) == [
        ("admin", "record_joint_case_plan"),
        ("caseworker", "read_partnership_evidence"),
        ("caseworker", "read_partnership_evidence"),
    ]
