"""The referral API on both stores: recording, bad input, traces, gaps, paths and the audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from graph_models import (
    AuditEntry,
    CaseTrace,
    FeedbackGaps,
    Referral,
    ReferralCreate,
    ReferralEventCreate,
    ReferralImport,
    RelationshipCreate,
)
from graph_models.referrals import describe_transitions
from tests.conftest import add_orgs


@pytest.fixture
def orgs(store):
    add_orgs(
        store,
        ("clinic", "primary_care"),
        ("ei", "early_intervention"),
        ("hv", "state_agency"),
        ("wic", "wic"),
    )
    return store


def send(client, case_ref, from_org, to_org, sent_at, **extra):
    body = {
        "case_ref": case_ref,
        "from_org": from_org,
        "to_org": to_org,
        "sent_at": sent_at,
        "consent": True,
        **extra,
    }
    response = client.post("/api/v1/referrals", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def event(client, referral_id, status, moment):
    return client.post(
        f"/api/v1/referrals/{referral_id}/events", json={"status": status, "at": moment}
    )


def record(client, referral_id, *steps):
    for status, moment in steps:
        response = event(client, referral_id, status, moment)
        assert response.status_code == 201, response.text


def test_a_referral_moves_through_its_statuses_and_its_loop_closes_at_the_outcome(client, orgs):
    referral_id = send(client, "C-1", "clinic", "ei", "2018-01-05T10:00:00Z", screening=True)
    record(client, referral_id, ("received", "2018-01-06"))
    accepted = event(client, referral_id, "accepted", "2018-01-08").json()
    assert (accepted["status"], accepted["loop_closed"]) == ("accepted", False)
    response = event(client, referral_id, "enrolled", "2018-01-20T12:00:00+02:00")
    body = response.json()
    assert (body["status"], body["status_at"], body["loop_closed"], body["loop_closed_at"]) == (
        "enrolled",
        "2018-01-20T10:00:00Z",
        True,
        "2018-01-20T10:00:00Z",
    )
    assert [e["status"] for e in body["events"]] == ["sent", "received", "accepted", "enrolled"]
    later = event(client, referral_id, "feedback_returned", "2018-01-21").json()
    assert (later["loop_closed"], later["loop_closed_at"]) == (True, "2018-01-20T10:00:00Z")
    assert client.get(f"/api/v1/referrals/{referral_id}").json() == later


def written(client) -> tuple[int, str]:
    """What the store holds of referrals: how many, and the gap report's totals and funnel."""
    gaps = client.get("/api/v1/feedback-gaps").json()
    total = client.get("/api/v1/referrals").json()["total"]
    return total, json.dumps([gaps["totals"], gaps["funnel"], gaps["pairs"]])


GOOD = {
    "case_ref": "C-1",
    "from_org": "clinic",
    "to_org": "ei",
    "sent_at": "2018-01-05T10:00:00Z",
    "consent": True,
}


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"from_org": "ghost"}, 422, "organization 'ghost' does not exist"),
        ({"consent": False}, 422, "body.consent: a referral needs the family's consent"),
        ({"consent": None}, 422, "body.consent: Input should be a valid boolean"),
        ({"to_org": "clinic"}, 422, "a referral goes from one organization to another"),
        ({"case_ref": "Maria Lopez"}, 422, "body.case_ref: a case_ref holds no spaces"),
        ({"case_ref": "lopez-2017-03-04"}, 422, "must not hold a date (it may be a birth date)"),
        ({"family_name": "Lopez"}, 422, "body.family_name: Extra inputs are not permitted"),
        ({"birth_date": "2017-03-04"}, 422, "body.birth_date: Extra inputs are not permitted"),
        ({"sent_at": "2999-01-01T00:00:00Z"}, 422, "is in the future"),
        ({"category": "gossip"}, 422, "body.category: Input should be"),
    ],
)
def test_a_bad_referral_gets_a_4xx_saying_what_is_wrong_and_nothing_is_written(
    client, orgs, change, status, detail
):
    before = written(client)
    response = client.post("/api/v1/referrals", json={**GOOD, **change})
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert written(client) == before


def test_a_referral_without_consent_is_refused_with_the_missing_field(client, orgs):
    body = {key: value for key, value in GOOD.items() if key != "consent"}
    response = client.post("/api/v1/referrals", json=body)
    assert (response.status_code, response.json()["detail"]) == (
        422,
        "body.consent: Field required",
    )
    assert client.get("/api/v1/referrals").json()["total"] == 0


@pytest.mark.parametrize(
    ("status", "moment", "code", "detail"),
    [
        ("enrolled", "2018-01-09", 409, "a declined referral cannot become enrolled"),
        ("feedback_returned", "2018-01-07", 422, "is before the previous event (declined at"),
        ("closed", "2018-01-01", 422, "is before the referral was sent"),
        ("sent", "2018-01-09", 422, "'sent' is recorded when the referral is created"),
        ("lost", "2018-01-09", 422, "body.status: Input should be"),
        ("closed", "2999-01-01", 422, "is in the future"),
    ],
)
def test_a_bad_event_gets_a_4xx_saying_what_is_wrong_and_nothing_is_written(
    client, orgs, status, moment, code, detail
):
    referral_id = send(client, "C-1", "clinic", "ei", "2018-01-05T10:00:00Z")
    record(client, referral_id, ("declined", "2018-01-08"))
    before = (client.get(f"/api/v1/referrals/{referral_id}").json(), written(client))
    response = event(client, referral_id, status, moment)
    assert response.status_code == code
    assert detail in response.json()["detail"]
    assert (client.get(f"/api/v1/referrals/{referral_id}").json(), written(client)) == before


def test_an_event_for_a_referral_that_does_not_exist_is_404(client, orgs):
    response = event(client, "ref-nope", "received", "2018-01-06")
    assert (response.status_code, response.json()["detail"]) == (
        404,
        "referral 'ref-nope' does not exist",
    )


def build_history(client):
    """One family's referrals: declined (which reports back), enrolled late, never answered,
    re-referred and accepted (which does not report an outcome yet)."""
    declined = send(client, "C-7", "clinic", "ei", "2018-01-01")
    record(client, declined, ("declined", "2018-01-03"), ("feedback_returned", "2018-01-04"))
    late = send(client, "C-7", "clinic", "hv", "2018-01-05", category="home_visiting")
    record(
        client,
        late,
        ("accepted", "2018-01-08"),
        ("enrolled", "2018-02-20"),
        ("closed", "2018-02-21"),
    )
    never = send(client, "C-7", "hv", "wic", "2018-01-10", category="basic_needs")
    record(client, never, ("received", "2018-01-11"))
    again = send(client, "C-7", "clinic", "ei", "2018-03-01", screening=True)
    record(client, again, ("received", "2018-03-02"), ("accepted", "2018-03-03"))
    return declined, late, never, again


def test_a_case_trace_shows_the_path_its_open_loops_and_its_directions(client, orgs):
    declined, late, never, again = build_history(client)
    response = client.get("/api/v1/cases/C-7/trace", params={"overdue_after_days": 30})
    trace = CaseTrace.model_validate(response.json())
    assert [r.id for r in trace.referrals] == [declined, late, never, again]
    assert [r.re_referral for r in trace.referrals] == [False, False, False, True]
    assert [r.days_to_feedback for r in trace.referrals] == [2.0, 46.0, None, None]
    assert [r.closed_late for r in trace.referrals] == [False, True, False, False]
    assert [loop.referral_id for loop in trace.open_loops] == [never, again]
    assert all(loop.overdue for loop in trace.open_loops)
    assert trace.directions == 3
    assert [o.name for o in trace.organizations] == ["Clinic", "Ei", "Hv", "Wic"]


def test_tracing_a_case_with_no_referrals_is_404(client, orgs):
    response = client.get("/api/v1/cases/C-404/trace")
    assert (response.status_code, response.json()["detail"]) == (
        404,
        "case 'C-404' has no referrals you may see",
    )


def test_feedback_gaps_give_each_pair_its_closure_rate_median_and_overdue_loops(client, orgs):
    build_history(client)
    report = FeedbackGaps.model_validate(client.get("/api/v1/feedback-gaps").json())
    pairs = {(p.from_org, p.to_org): p for p in report.pairs}
    clinic_ei = pairs[("clinic", "ei")]
    assert (clinic_ei.sent, clinic_ei.closed, clinic_ei.closure_rate) == (2, 1, 0.5)
    assert (clinic_ei.median_days_to_feedback, clinic_ei.overdue) == (2.0, 1)
    clinic_hv = pairs[("clinic", "hv")]
    assert (clinic_hv.closure_rate, clinic_hv.median_days_to_feedback, clinic_hv.closed_late) == (
        1.0,
        46.0,
        1,
    )
    assert (pairs[("hv", "wic")].closure_rate, pairs[("hv", "wic")].overdue) == (0.0, 1)
    assert (report.pairs[0].from_org, report.pairs[0].to_org) == ("hv", "wic")
    assert [(s.stage, s.referrals, s.after_screening) for s in report.funnel] == [
        ("sent", 4, 1),
        ("received", 4, 1),
        ("accepted", 2, 1),
        ("enrolled", 1, 0),
        ("completed", 0, 0),
        ("loop_closed", 2, 0),
    ]
    assert (report.totals.closure_rate, report.totals.median_days_to_feedback) == (0.5, 24.0)


def test_the_gap_report_of_one_organization_and_a_longer_threshold(client, orgs):
    build_history(client)
    hv = client.get(
        "/api/v1/feedback-gaps", params={"org_id": "hv", "overdue_after_days": 50}
    ).json()
    assert sorted((p["from_org"], p["to_org"]) for p in hv["pairs"]) == [
        ("clinic", "hv"),
        ("hv", "wic"),
    ]
    [organization] = hv["organizations"]
    assert (organization["org_id"], organization["as_receiver"]["closed_late"]) == ("hv", 0)
    assert organization["as_sender"]["overdue"] == 1
    missing = client.get("/api/v1/feedback-gaps", params={"org_id": "ghost"})
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "organization 'ghost' does not exist",
    )


def test_a_loop_opened_days_ago_is_open_but_not_yet_overdue(client, orgs):
    recent = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    referral_id = send(client, "C-9", "clinic", "wic", recent)
    [loop] = client.get("/api/v1/cases/C-9/trace").json()["open_loops"]
    assert (loop["referral_id"], loop["overdue"]) == (referral_id, False)
    [pair] = client.get("/api/v1/feedback-gaps").json()["pairs"]
    assert (pair["sent"], pair["closed"], pair["overdue"]) == (1, 0, 0)
    assert (
        client.get("/api/v1/feedback-gaps", params={"overdue_after_days": 4}).json()["pairs"][0][
            "overdue"
        ]
        == 1
    )


def test_no_case_ref_appears_in_the_gap_report(client, orgs):
    build_history(client)
    assert "C-7" not in client.get("/api/v1/feedback-gaps").text


def test_referrals_list_filters_by_case_org_and_status_in_the_order_sent(client, orgs):
    declined, late, never, again = build_history(client)
    send(client, "C-8", "wic", "clinic", "2018-01-02")
    by_case = client.get("/api/v1/referrals", params={"case_ref": "C-7", "limit": 2}).json()
    assert (by_case["total"], [r["id"] for r in by_case["items"]]) == (4, [declined, late])
    by_org = client.get("/api/v1/referrals", params={"org_id": "wic"}).json()
    assert [r["case_ref"] for r in by_org["items"]] == ["C-8", "C-7"]
    received = client.get("/api/v1/referrals", params={"status": "received"}).json()
    assert [r["id"] for r in received["items"]] == [never]


def test_warm_paths_come_explained_and_costed_by_state(client, orgs):
    for a, b, state in (("clinic", "ei", "red"), ("clinic", "hv", "green"), ("hv", "ei", "green")):
        orgs.create_relationship(
            RelationshipCreate(org_a=a, org_b=b, state=state, reason="r"), assessed_by="t"
        )
    body = client.get(
        "/api/v1/paths", params={"from_org": "clinic", "to_org": "ei", "max_hops": 2, "k": 5}
    ).json()
    assert body["costs"] == {"green": 1, "yellow": 2, "no_dot": 3, "red": 5}
    assert [(p["org_ids"], p["states"], p["cost"]) for p in body["paths"]] == [
        (["clinic", "hv", "ei"], ["green", "green"], 2),
        (["clinic", "ei"], ["red"], 5),
    ]
    assert body["paths"][0]["explanation"] == (
        "Via Hv (green from Clinic), then to Ei (green); 2 hops, cost 2."
    )


def test_warm_paths_reach_as_far_as_max_hops_and_no_further(client, store):
    chain = ["a", "b", "c", "d", "e"]
    add_orgs(store, *[(org, "wic") for org in chain])
    for a, b in pairwise(chain):
        store.create_relationship(
            RelationshipCreate(org_a=a, org_b=b, state="yellow", reason="r"), assessed_by="t"
        )
    found = client.get("/api/v1/paths", params={"from_org": "a", "to_org": "e", "max_hops": 4})
    assert [p["org_ids"] for p in found.json()["paths"]] == [chain]
    short = client.get("/api/v1/paths", params={"from_org": "a", "to_org": "e", "max_hops": 3})
    assert short.json()["paths"] == []


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"from_org": "ghost", "to_org": "ei"}, 404, "organization 'ghost' does not exist"),
        ({"from_org": "ei", "to_org": "ei"}, 422, "from_org and to_org are the same"),
        ({"from_org": "clinic", "to_org": "ei", "max_hops": 7}, 422, "query.max_hops"),
        ({"from_org": "clinic"}, 422, "query.to_org: Field required"),
    ],
)
def test_a_bad_path_request_says_what_is_wrong(client, orgs, params, status, detail):
    response = client.get("/api/v1/paths", params=params)
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_every_case_read_and_write_through_the_api_is_in_the_audit_log(client, orgs):
    referral_id = send(client, "C-1", "clinic", "ei", "2018-01-05")
    record(client, referral_id, ("received", "2018-01-06"))
    client.get("/api/v1/cases/C-1/trace")
    client.get(f"/api/v1/referrals/{referral_id}")
    client.get("/api/v1/referrals")
    client.get("/api/v1/cases/C-404/trace")
    page = client.get("/api/v1/audit").json()
    entries = [AuditEntry.model_validate(item) for item in page["items"]]
    assert [(e.action.value, e.case_ref) for e in entries] == [
        ("trace_case", "C-404"),
        ("list_referrals", "C-1"),
        ("read_referral", "C-1"),
        ("trace_case", "C-1"),
        ("record_event", "C-1"),
        ("record_referral", "C-1"),
    ]
    assert {(e.actor, e.role.value, e.org_id) for e in entries} == {("admin", "admin", None)}
    only = client.get("/api/v1/audit", params={"case_ref": "C-404"}).json()
    assert only["total"] == 1


def test_no_model_of_a_referral_can_hold_a_family_name_a_birth_date_or_an_address():
    personal = {"name", "family_name", "first_name", "last_name", "birth_date", "dob", "address"}
    for model in (ReferralCreate, ReferralEventCreate, ReferralImport, Referral, CaseTrace):
        fields = set(model.model_fields)
        assert not fields & personal, model.__name__
        assert not any("birth" in field or "name" in field for field in fields), model.__name__


def test_the_transition_table_in_the_readme_and_the_api_docs_is_the_one_enforced(client):
    table = describe_transitions().split("\n\n")[0]
    assert table in (Path(__file__).parents[2] / "README.md").read_text()
    events = client.get("/openapi.json").json()["paths"]["/api/v1/referrals/{referral_id}/events"]
    assert table in events["post"]["description"]


def test_the_eco_map_shows_each_partners_referral_flow_and_open_loops_as_of_its_day(client, orgs):
    orgs.create_relationship(
        RelationshipCreate(
            org_a="clinic", org_b="ei", state="green", reason="r", assessed_at="2017-12-01"
        ),
        assessed_by="t",
    )
    first = send(client, "C-1", "clinic", "ei", "2018-01-05")
    send(client, "C-2", "clinic", "ei", "2018-02-05")
    send(client, "C-3", "ei", "clinic", "2018-02-10")
    record(client, first, ("closed", "2018-01-20"))

    def ei_partner(**params):
        ecomap = client.get("/api/v1/organizations/clinic/ecomap", params=params).json()
        [partner] = ecomap["partners"]
        return partner["referrals_sent"], partner["referrals_received"], partner["open_loops"]

    assert ei_partner() == (2, 1, 2)
    assert ei_partner(as_of="2018-01-10") == (1, 0, 1)
    assert ei_partner(as_of="2018-01-31") == (1, 0, 0)
