"""Who sees which case-level records: role by route by owning organization, every read audited.

Three organizations and three referrals:

- ``plain``: clinic → ei, case C-1;
- ``dv``: clinic → ei, case C-1, domestic violence (sensitive);
- ``hub``: hub → clinic, case C-2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_models import AuditQuery, ReferralCreate, ReferralQuery, Role
from tests.conftest import add_orgs

READERS = {
    # who: (role, org_id, the referrals it sees)
    "admin": (Role.ADMIN, None, {"plain", "hub"}),
    "leader": (Role.LEADER, None, None),
    "planner": (Role.PLANNER, None, None),
    "clinic caseworker": (Role.CASEWORKER, "clinic", {"plain", "dv", "hub"}),
    "ei caseworker": (Role.CASEWORKER, "ei", {"plain", "dv"}),
    "hub caseworker": (Role.CASEWORKER, "hub", {"hub"}),
}
CASE_OF = {"plain": "C-1", "dv": "C-1", "hub": "C-2"}


@pytest.fixture
def network(store):
    add_orgs(store, ("clinic", "primary_care"), ("ei", "early_intervention"), ("hub", "wic"))
    for referral_id, from_org, to_org, category in (
        ("plain", "clinic", "ei", "other"),
        ("dv", "clinic", "ei", "domestic_violence"),
        ("hub", "hub", "clinic", "child_care"),
    ):
        store.create_referral(
            ReferralCreate(
                id=referral_id,
                case_ref=CASE_OF[referral_id],
                from_org=from_org,
                to_org=to_org,
                sent_at=datetime(2018, 1, 5, tzinfo=UTC),
                consent=True,
                category=category,
            ),
            recorded_by="seed",
        )
    return store


class Audited:
    """Requests of one reader, each checked to leave one audit entry, in the reader's name, per
    case it names or asks for."""

    def __init__(self, store, client, token_for, role, org_id):
        self.store, self.client = store, client
        self.headers = token_for(role, org_id=org_id)
        self.reader = (role, org_id)

    def get(self, path, asked=None, **params):
        before = self.store.list_audit(AuditQuery(limit=1)).total
        response = self.client.get(path, headers=self.headers, params=params)
        log = self.store.list_audit(AuditQuery(limit=500))
        new = log.items[: log.total - before]
        is_json = response.headers["content-type"] == "application/json"
        named = set(_case_refs(response.json())) if is_json and response.is_success else set()
        if asked and response.status_code in (200, 404):
            named.add(asked)
        assert sorted(e.case_ref for e in new) == sorted(named), (path, response.text)
        assert all((e.role, e.org_id) == self.reader for e in new)
        return response


def _case_refs(body):
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "case_ref":
                yield value
            else:
                yield from _case_refs(value)
    elif isinstance(body, list):
        for item in body:
            yield from _case_refs(item)


@pytest.mark.parametrize("who", list(READERS))
def test_each_reader_sees_exactly_its_referrals_on_every_route_and_each_read_is_audited(
    client, network, token_for, who
):
    role, org_id, sees = READERS[who]
    audited = Audited(network, client, token_for, role, org_id)
    listed = audited.get("/api/v1/referrals")
    if sees is None:
        assert listed.status_code == 403
        for path in ("/api/v1/referrals/plain", "/api/v1/cases/C-1/trace", "/cases/C-1"):
            assert audited.get(path).status_code == 403
        return
    assert {r["id"] for r in listed.json()["items"]} == sees
    for referral_id, case_ref in CASE_OF.items():
        one = audited.get(f"/api/v1/referrals/{referral_id}")
        assert one.status_code == (200 if referral_id in sees else 404)
        wanted = {r for r in sees if CASE_OF[r] == case_ref}
        trace = audited.get(f"/api/v1/cases/{case_ref}/trace", asked=case_ref)
        assert trace.status_code == (200 if wanted else 404)
        if wanted:
            assert {r["id"] for r in trace.json()["referrals"]} == wanted
        page = audited.get(f"/cases/{case_ref}", asked=case_ref)
        assert page.status_code == (200 if wanted else 404)
        by_case = audited.get("/api/v1/referrals", asked=case_ref, case_ref=case_ref)
        assert {r["id"] for r in by_case.json()["items"]} == wanted


@pytest.mark.parametrize("who", list(READERS))
def test_a_status_event_reaches_only_referrals_the_reader_may_see(client, network, token_for, who):
    role, org_id, sees = READERS[who]
    headers = token_for(role, org_id=org_id)
    for referral_id in CASE_OF:
        response = client.post(
            f"/api/v1/referrals/{referral_id}/events",
            headers=headers,
            json={"status": "received", "at": "2018-01-01T00:00:00Z"},
        )
        if sees is None:
            assert response.status_code == 403
        elif referral_id in sees:
            assert "before the referral was sent" in response.json()["detail"]
        else:
            assert (response.status_code, response.json()["detail"]) == (
                404,
                f"referral '{referral_id}' does not exist",
            )


@pytest.mark.parametrize(
    ("role", "org_id", "from_org", "status"),
    [
        (Role.CASEWORKER, "clinic", "clinic", 201),
        (Role.CASEWORKER, "ei", "clinic", 403),
        (Role.ADMIN, None, "hub", 201),
        (Role.LEADER, None, "clinic", 403),
        (Role.PLANNER, None, "clinic", 403),
    ],
)
def test_a_caseworker_records_referrals_only_for_its_own_organization(
    client, network, token_for, role, org_id, from_org, status
):
    response = client.post(
        "/api/v1/referrals",
        headers=token_for(role, org_id=org_id),
        json={
            "case_ref": "C-3",
            "from_org": from_org,
            "to_org": "ei",
            "sent_at": "2018-01-05T00:00:00Z",
            "consent": True,
        },
    )
    assert response.status_code == status
    if status == 403:
        assert (
            network.list_referrals(ReferralQuery(case_ref="C-3", limit=5), visible_to="ei").total
            == 0
        )


@pytest.mark.parametrize("who", list(READERS))
def test_everyone_sees_the_gap_aggregates_and_none_of_them_names_a_case(
    client, network, token_for, who
):
    role, org_id, _ = READERS[who]
    response = client.get("/api/v1/feedback-gaps", headers=token_for(role, org_id=org_id))
    assert response.json()["totals"]["sent"] == 3
    assert "C-1" not in response.text and "C-2" not in response.text
    page = client.get("/feedback-gaps", headers=token_for(role, org_id=org_id))
    assert page.status_code == 200 and "C-1" not in page.text


@pytest.mark.parametrize("who", list(READERS))
def test_only_an_admin_reads_the_audit_log(client, network, token_for, who):
    role, org_id, _ = READERS[who]
    response = client.get("/api/v1/audit", headers=token_for(role, org_id=org_id))
    assert response.status_code == (200 if role is Role.ADMIN else 403)
