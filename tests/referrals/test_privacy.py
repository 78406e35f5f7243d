"""What no one may learn or leave behind about a family: sensitive referrals stay with the two
organizations involved, hidden referrals cannot be probed, and a case reference that may name
a family is refused on reads as on writes, before anything is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_models import AuditQuery, ReferralCreate, ReferralQuery, Role
from tests.conftest import add_orgs

SENT = "2018-01-05T09:00:00Z"
NAME_AND_BIRTH_DATE = "Jane Doe 2019-04-03"


@pytest.fixture
def network(store):
    add_orgs(store, ("clinic", "primary_care"), ("ei", "early_intervention"), ("hub", "wic"))
    store.create_referral(
        ReferralCreate(
            id="hidden-1",
            case_ref="C-1",
            from_org="clinic",
            to_org="ei",
            sent_at=datetime(2018, 1, 5, tzinfo=UTC),
            consent=True,
            category="substance_use",
        ),
        recorded_by="seed",
    )
    return store


def referral(**changes):
    return {
        "case_ref": "C-2",
        "from_org": "clinic",
        "to_org": "ei",
        "sent_at": SENT,
        "consent": True,
        **changes,
    }


@pytest.mark.parametrize("category", ["substance_use", "domestic_violence", "child_protection"])
def test_an_admin_cannot_record_a_sensitive_referral_and_nothing_is_written(
    client, network, category
):
    response = client.post("/api/v1/referrals", json=referral(category=category))
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"a {category} referral is sensitive: only the two organizations involved see it, so "
        "a caseworker of 'clinic' records it"
    )
    assert network.list_referrals(ReferralQuery(case_ref="C-2"), visible_to="clinic").total == 0


def test_a_caseworker_of_the_sender_records_a_sensitive_referral_and_the_admin_still_cannot_see_it(
    client, network, token_for
):
    caseworker = token_for(Role.CASEWORKER, org_id="clinic")
    created = client.post(
        "/api/v1/referrals", json=referral(category="domestic_violence"), headers=caseworker
    )
    assert created.status_code == 201
    referral_id = created.json()["id"]
    assert client.get(f"/api/v1/referrals/{referral_id}", headers=caseworker).status_code == 200
    assert client.get(f"/api/v1/referrals/{referral_id}").status_code == 404


def test_a_caseworker_cannot_learn_that_a_hidden_referral_exists_by_posting_its_id(
    client, network, token_for
):
    outsider = token_for(Role.CASEWORKER, org_id="hub")
    answers = [
        client.post(
            "/api/v1/referrals",
            json=referral(id=referral_id, from_org="hub", to_org="ei"),
            headers=outsider,
        )
        for referral_id in ("hidden-1", "never-used-1")
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert (
        answers[0].json()
        == answers[1].json()
        == {"detail": "body.id: Extra inputs are not permitted"}
    )
    assert client.get("/api/v1/referrals/hidden-1", headers=outsider).status_code == 404


def test_a_referral_recorded_through_the_api_gets_an_id_made_by_the_service(
    client, network, token_for
):
    caseworker = token_for(Role.CASEWORKER, org_id="hub")
    made = [
        client.post(
            "/api/v1/referrals",
            json=referral(from_org="hub", to_org="ei"),
            params={"confirm_duplicate": "true"},
            headers=caseworker,
        ).json()["id"]
        for _ in range(2)
    ]
    assert made[0] != made[1] and all(m.startswith("ref-") for m in made)


@pytest.mark.parametrize(
    ("case_ref", "why"),
    [
        (NAME_AND_BIRTH_DATE, "a case_ref holds no spaces (it may be a person's name)"),
        ("doe-2019-04-03", "a case_ref must not hold a date (it may be a birth date)"),
        ("JaneDoe", "a case_ref holds at least one digit (a word alone may be a person's name)"),
    ],
)
def test_a_case_ref_that_may_name_a_family_is_refused_on_every_read_and_never_audited(
    client, network, token_for, case_ref, why
):
    caseworker = token_for(Role.CASEWORKER, org_id="clinic")
    listed = client.get("/api/v1/referrals", params={"case_ref": case_ref}, headers=caseworker)
    assert listed.status_code == 422
    assert listed.json()["detail"].startswith(f"query.case_ref: {why}")
    traced = client.get(f"/api/v1/cases/{case_ref}/trace", headers=caseworker)
    assert traced.status_code == 422
    assert traced.json()["detail"].startswith(why)
    page = client.get(f"/cases/{case_ref}", headers=caseworker)
    assert page.status_code == 422
    assert why.replace("'", "&#39;") in page.text
    assert network.list_audit(AuditQuery(limit=500)).total == 0


def test_a_joint_case_plan_with_a_name_for_a_case_ref_is_refused(client, network):
    plan = {"case_ref": "Jane Doe", "org_ids": ["clinic", "ei"], "date": "2018-01-05"}
    response = client.post("/api/v1/joint-case-plans", json=plan)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.case_ref: a case_ref holds no spaces")


def test_recording_a_joint_case_plan_is_audited_with_its_case(client, network, token_for):
    caseworker = token_for(Role.CASEWORKER, org_id="clinic")
    plan = {"case_ref": "C-7", "org_ids": ["clinic", "ei"], "date": "2018-01-05"}
    assert client.post("/api/v1/joint-case-plans", json=plan, headers=caseworker).status_code == 201
    [entry] = network.list_audit(AuditQuery(case_ref="C-7")).items
    assert (entry.role, entry.org_id, entry.action) == (
        Role.CASEWORKER,
        "clinic",
        "record_joint_case_plan",
    )
