"""A caseworker's referral pages on both stores: listing, recording and moving referrals on
through forms, with the API's own rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from graph_models import ReferralQuery, Role, TokenCreate
from service.access.csrf import csrf_token_for
from service.access.permissions import issue_token
from service.access.sessions import SESSION_COOKIE
from service.app import create_app
from tests.conftest import add_orgs, days_from_today

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def orgs(store):
    add_orgs(store, ("clinic", "primary_care"), ("ei", "early_intervention"), ("wic", "wic"))
    return store


class Signed:
    """A browser signed in with a session: ``get``, and ``post`` of forms with the CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = csrf_token_for(client.cookies[SESSION_COOKIE])

    def get(self, url: str, **params: str):
        return self.client.get(url, params=params)

    def post(self, url: str, **form: str):
        return self.client.post(url, data={"csrf_token": self.csrf, **form})


@pytest.fixture
def signed_in(settings, orgs) -> Iterator[Callable[..., Signed]]:
    app = create_app(settings, store=orgs)
    opened: list[TestClient] = []

    def make(role: Role, org_id: str | None = None) -> Signed:
        token, _ = issue_token(
            orgs, TokenCreate(name=f"{role.value} of {org_id}", role=role, org_id=org_id)
        )
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        opened.append(client)
        assert client.post("/login", data={"token": token}).status_code == 303
        return Signed(client)

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def record(browser: Signed, **fields: str):
    form = {"case_ref": "OR-C-0412", "to_name": "Ei", "category": "early_intervention"}
    return browser.post("/my/referrals/new", **{"consent": "yes", **form, **fields})


def referral_ids(store) -> list[str]:
    return [r.id for r in store.list_referrals(ReferralQuery(), visible_to=None).items]


def test_a_caseworker_records_a_referral_picked_by_name_and_sees_it_among_open_loops(
    signed_in, orgs
):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    response = record(clinic)
    assert response.status_code == 303
    [referral_id] = referral_ids(orgs)
    assert response.headers["location"] == f"/my/referrals/{referral_id}"
    referral = orgs.get_referral(referral_id)
    assert (referral.from_org, referral.to_org, referral.consent) == ("clinic", "ei", True)
    page = clinic.get(response.headers["location"]).text
    assert re.findall(r'name="status" value="(\w+)"', page) == [
        "received",
        "accepted",
        "declined",
        "unable_to_contact",
        "closed",
    ]
    listed = clinic.get("/my/referrals").text
    assert "Open loops (1)" in listed and "Answered (0)" in listed
    assert "OR-C-0412" in listed and "sent to" in listed


def test_the_same_referral_twice_on_one_day_is_flagged_and_saved_only_when_confirmed(
    signed_in, orgs
):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    assert record(clinic).status_code == 303
    [earlier] = referral_ids(orgs)
    again = record(clinic)
    assert again.status_code == 409
    assert "Recorded already today?" in again.text and f"/my/referrals/{earlier}" in again.text
    assert 'name="confirm_duplicate"' in again.text
    assert referral_ids(orgs) == [earlier]
    assert record(clinic, confirm_duplicate="yes").status_code == 303
    assert len(referral_ids(orgs)) == 2


def test_the_api_answers_a_repeated_referral_409_with_the_earlier_id_unless_confirmed(client, orgs):
    body = {
        "case_ref": "C-9",
        "from_org": "clinic",
        "to_org": "ei",
        "sent_at": "2018-01-05T09:00:00Z",
        "consent": True,
    }
    first = client.post("/api/v1/referrals", json=body).json()["id"]
    later_that_day = {**body, "sent_at": "2018-01-05T17:00:00Z"}
    repeated = client.post("/api/v1/referrals", json=later_that_day)
    assert repeated.status_code == 409
    assert repeated.json()["earlier_referral_id"] == first
    assert "confirm" in repeated.json()["detail"]
    next_day = client.post("/api/v1/referrals", json={**body, "sent_at": "2018-01-06T09:00:00Z"})
    assert next_day.status_code == 201
    confirmed = client.post(
        "/api/v1/referrals", json=later_that_day, params={"confirm_duplicate": "true"}
    )
    assert confirmed.status_code == 201
    assert len(referral_ids(orgs)) == 3


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ({"case_ref": "Maria Lopez"}, "case_ref", "no spaces (it may be a person's name)"),
        ({"case_ref": "Lopez"}, "case_ref", "a word alone may be a person's name"),
        ({"case_ref": "C-2019-04-03"}, "case_ref", "must not hold a date (it may be a birth date)"),
        ({"case_ref": HOSTILE}, "case_ref", "starting with a letter or digit"),
        ({"consent": ""}, "consent", "needs the family's consent"),
        ({"to_name": "Nowhere Agency"}, "to_name", "no organization is named 'Nowhere Agency'"),
        ({"to_name": HOSTILE}, "to_name", "no organization is named"),
        ({"to_name": "Clinic"}, "to_name", "a referral goes from one organization to another"),
        # two days ahead, not one: tomorrow's 00:00 UTC is within the 5-minute clock allowance
        ({"sent_on": 2}, "sent_on", "is in the future"),
        ({"sent_on": "2026-02-30"}, "sent_on", "day value is outside expected range"),
        ({"sent_on": "last tuesday"}, "sent_on", "should be a valid datetime or date"),
    ],
)
def test_bad_input_comes_back_next_to_its_field_and_records_nothing(
    signed_in, orgs, fields, where, message
):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    form = {"consent": "yes", **fields}
    if isinstance(form.get("sent_on"), int):  # days from today: dated when the test runs
        form["sent_on"] = days_from_today(form["sent_on"]).isoformat()
    if form["consent"] == "":
        del form["consent"]
    response = clinic.post(
        "/my/referrals/new",
        **{"case_ref": "OR-C-0412", "to_name": "Ei", "category": "other", **form},
    )
    assert response.status_code in (403, 409, 422)
    error = (
        re.search(rf'id="{where}-error"[^>]*>([^<]*)<', response.text) if where != "form" else None
    )
    shown = error.group(1) if error else response.text
    assert message.replace("'", "&#39;") in shown or message in shown
    assert "<script>alert" not in response.text
    assert referral_ids(orgs) == []


def test_a_referral_sent_on_an_earlier_day_is_recorded_on_that_day(signed_in, orgs):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    today, last_week = days_from_today(0).isoformat(), days_from_today(-7).isoformat()
    form = clinic.get("/my/referrals/new").text
    assert re.search(rf'id="sent_on" name="sent_on" type="date" value="{today}"', form)
    assert record(clinic, sent_on=last_week).status_code == 303
    [referral] = orgs.list_referrals(ReferralQuery(case_ref="OR-C-0412"), visible_to=None).items
    assert referral.sent_at.date().isoformat() == last_week
    assert record(clinic, case_ref="OR-C-0413", sent_on=today).status_code == 303
    [sent_today] = orgs.list_referrals(ReferralQuery(case_ref="OR-C-0413"), visible_to=None).items
    assert sent_today.sent_at.date().isoformat() == today


def test_the_receiver_records_enrolled_and_the_loop_shows_closed_for_both(signed_in, orgs):
    clinic, ei = signed_in(Role.CASEWORKER, "clinic"), signed_in(Role.CASEWORKER, "ei")
    referral_id = record(clinic).headers["location"].rsplit("/", 1)[1]
    inbox = ei.get("/my/referrals", direction="received").text
    assert "OR-C-0412" in inbox and "received from" in inbox
    assert ei.post(f"/my/referrals/{referral_id}/events", status="accepted").status_code == 303
    assert ei.post(f"/my/referrals/{referral_id}/events", status="enrolled").status_code == 303
    for side in (clinic, ei):
        page = side.get(f"/my/referrals/{referral_id}").text
        assert re.search(r"data-loop>closed<", page)
        listed = side.get("/my/referrals").text
        assert "Open loops (0)" in listed and "Answered (1)" in listed
    assert orgs.get_referral(referral_id).loop_closed


def test_a_move_the_table_does_not_allow_says_why_and_changes_nothing(signed_in, orgs):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    referral_id = record(clinic).headers["location"].rsplit("/", 1)[1]
    assert clinic.post(f"/my/referrals/{referral_id}/events", status="declined").status_code == 303
    refused = clinic.post(f"/my/referrals/{referral_id}/events", status="enrolled")
    assert refused.status_code == 409
    assert "a declined referral cannot become enrolled" in refused.text
    bogus = clinic.post(f"/my/referrals/{referral_id}/events", status=HOSTILE)
    assert bogus.status_code == 422 and "<script>alert" not in bogus.text
    assert [e.status.value for e in orgs.get_referral(referral_id).events] == ["sent", "declined"]


def test_a_form_post_without_the_csrf_token_is_refused_and_records_nothing(signed_in, orgs):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    response = clinic.client.post(
        "/my/referrals/new", data={"case_ref": "OR-C-1", "to_name": "Ei", "consent": "yes"}
    )
    assert response.status_code == 403
    assert referral_ids(orgs) == []


def test_my_referrals_filter_by_status_and_find_a_case_by_its_ref(signed_in, orgs):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    record(clinic, case_ref="C-1")
    record(clinic, case_ref="C-2", to_name="Wic")
    declined = clinic.get("/my/referrals", status="declined").text
    assert "C-1" not in declined and "No open loops match these filters" in declined
    found = clinic.get("/my/referrals", case_ref="C-2")
    assert (found.status_code, found.headers["location"]) == (303, "/cases/C-2")
    refused = clinic.get("/my/referrals", case_ref="Jane Doe")
    assert refused.status_code == 422 and "it may be a person&#39;s name" in refused.text


def test_an_admin_picks_the_organization_by_name_and_leaders_and_planners_see_no_cases(
    signed_in, orgs
):
    clinic = signed_in(Role.CASEWORKER, "clinic")
    record(clinic, case_ref="C-1")
    admin = signed_in(Role.ADMIN)
    assert "Type an organization" in admin.get("/my/referrals").text
    assert "C-1" in admin.get("/my/referrals", org="Ei").text
    for role in (Role.LEADER, Role.PLANNER):
        other = signed_in(role)
        for url in ("/my/referrals", "/my/referrals/new", f"/my/referrals/{referral_ids(orgs)[0]}"):
            response = other.get(url)
            assert response.status_code == 403 and "C-1" not in response.text
        assert "My referrals" not in other.get("/organizations").text


def test_the_api_lists_an_organizations_open_loops_in_one_direction(client, orgs):
    for case_ref, from_org, to_org in (("C-1", "clinic", "ei"), ("C-2", "ei", "clinic")):
        body = {
            "case_ref": case_ref,
            "from_org": from_org,
            "to_org": to_org,
            "sent_at": "2018-01-05T09:00:00Z",
            "consent": True,
        }
        client.post("/api/v1/referrals", json=body)
    listed = client.get(
        "/api/v1/referrals", params={"org_id": "clinic", "direction": "received", "loop": "open"}
    ).json()
    assert [r["case_ref"] for r in listed["items"]] == ["C-2"]
    closed = client.get("/api/v1/referrals", params={"org_id": "clinic", "loop": "closed"})
    assert closed.json()["total"] == 0
    no_org = client.get("/api/v1/referrals", params={"direction": "sent"})
    assert no_org.status_code == 422 and "give org_id too" in no_org.json()["detail"]
