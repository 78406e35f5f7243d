"""The form that records partnership evidence with partners picked by name, as a signed-in
browser posts it, on both stores."""

from __future__ import annotations

import html
import re

import pytest

from graph_models import Role
from tests.conftest import add_orgs, days_from_today

START_DAYS = -30
"""When the evidence starts, in days from today: dated when a test runs, not on import."""


@pytest.fixture
def network(store):
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"), ("lib", "library"))


def test_a_leader_records_a_program_an_agreement_and_a_collaborative_and_the_levels_rise(
    browser,
    network,
    store,
):
    start = days_from_today(START_DAYS).isoformat()
    leader, csrf = browser(Role.LEADER)
    assert 'href="/orgs/hub/evidence"' in leader.get("/orgs/hub/partnership-levels").text
    program = leader.post(
        "/orgs/hub/evidence/joint-program",
        data={"csrf_token": csrf, "name": "Story time", "start": start, "partner_1": "Lib"},
    )
    assert (program.status_code, program.headers["location"]) == (
        303,
        "/orgs/hub/partnership-levels",
    )
    agreement = leader.post(
        "/orgs/hub/evidence/agreement",
        data={"csrf_token": csrf, "kind": "co_location", "start": start, "partner_1": "Wic"},
    )
    assert agreement.status_code == 303
    collaborative = leader.post(
        "/orgs/hub/evidence/collaborative",
        data={
            "csrf_token": csrf,
            "name": "Lane Early Years",
            "scope": "local",
            "governance": "steering committee",
            "start": start,
            "partner_1": "Wic",
            "partner_2": "Lib",
        },
    )
    assert collaborative.status_code == 303
    levels = leader.get("/api/v1/organizations/hub/partnership-levels").json()
    assert {p["partner_id"]: p["level"] for p in levels["partners"]} == {"lib": 5, "wic": 5}
    assert [c.name for c in store.list_collaboratives(org_id="hub")] == ["Lane Early Years"]


@pytest.mark.parametrize(
    ("kind", "fields", "where", "message"),
    [
        (
            "joint-program",
            {"name": "X", "start": START_DAYS, "partner_1": "Ghost"},
            "partner_1",
            "no organization is named 'Ghost'",
        ),
        (
            "joint-program",
            {"name": "X", "start": START_DAYS},
            "partner_1",
            "type the name of at least one partner",
        ),
        (
            "joint-program",
            {"name": "X", "start": START_DAYS, "end": "2001-01-01", "partner_1": "Wic"},
            "end",
            "is before start",
        ),
        (
            "joint-program",
            {"name": "X", "start": "2024-02-30", "partner_1": "Wic"},
            "start",
            "day value is outside expected range",
        ),
        (
            "collaborative",
            {"name": "X", "scope": "local", "start": START_DAYS, "partner_1": "Wic"},
            "governance",
            "needs its own governance",
        ),
        ("agreement", {"kind": "liaison", "partner_1": "Wic"}, "start", "fill this in"),
    ],
)
def test_bad_evidence_is_refused_beside_its_field_and_nothing_is_recorded(
    browser,
    network,
    store,
    kind,
    fields,
    where,
    message,
):
    if isinstance(fields.get("start"), int):  # days from today: dated when the test runs
        fields = {**fields, "start": days_from_today(fields["start"]).isoformat()}
    leader, csrf = browser(Role.LEADER)
    posted = leader.post(f"/orgs/hub/evidence/{kind}", data={"csrf_token": csrf, **fields})
    assert posted.status_code == 422
    beside = re.search(rf'id="{kind}-{where}-error"[^>]*>([^<]*)<', posted.text)
    assert beside is not None and message in html.unescape(beside.group(1))
    assert store.list_joint_programs(org_id="hub") == []
    assert store.list_agreements(org_id="hub") == []
    assert store.list_collaboratives(org_id="hub") == []


def test_a_scoped_leader_records_evidence_only_where_its_organization_takes_part(
    browser, network, store, client, token_for
):
    start = days_from_today(START_DAYS).isoformat()
    leader, csrf = browser(Role.LEADER, "hub")
    assert 'action="/orgs/wic/evidence/' not in leader.get("/orgs/wic/evidence").text
    elsewhere = leader.post(
        "/orgs/wic/evidence/joint-program",
        data={"csrf_token": csrf, "name": "X", "start": start, "partner_1": "Lib"},
    )
    assert elsewhere.status_code == 403
    bearer = token_for(Role.LEADER, org_id="hub")
    program = {"name": "Y", "org_ids": ["wic", "lib"], "start": start}
    refused = client.post("/api/v1/joint-programs", json=program, headers=bearer)
    assert refused.status_code == 403
    assert "only where 'hub' takes part" in refused.json()["detail"]
    assert store.list_joint_programs(org_id="wic") == []
    program["org_ids"] = ["wic", "hub"]
    assert client.post("/api/v1/joint-programs", json=program, headers=bearer).status_code == 201


def test_a_caseworker_is_not_offered_the_evidence_forms_and_is_refused(browser, network, store):
    start = days_from_today(START_DAYS).isoformat()
    caseworker, csrf = browser(Role.CASEWORKER, "hub")
    page = caseworker.get("/orgs/hub/evidence").text
    assert 'action="/orgs/hub/evidence/' not in page
    posted = caseworker.post(
        "/orgs/hub/evidence/joint-program",
        data={"csrf_token": csrf, "name": "X", "start": start, "partner_1": "Lib"},
    )
    assert posted.status_code == 403
    assert store.list_joint_programs(org_id="hub") == []
