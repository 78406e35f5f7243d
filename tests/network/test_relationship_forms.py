"""The relationship page's forms, as a signed-in browser posts them: assessing and ending a
relationship on the API's own models and rules, on both stores."""

from __future__ import annotations

import html

import pytest

from graph_models import RelationshipCreate, RelationshipState, Role
from service.store import Store
from tests.conftest import add_orgs, days_from_today


@pytest.fixture
def related(store: Store) -> str:
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"), ("eld", "state_agency"))
    for org_a, org_b in (("hub", "wic"), ("eld", "wic")):
        store.create_relationship(
            RelationshipCreate(
                org_a=org_a,
                org_b=org_b,
                state=RelationshipState.GREEN,
                reason="monthly referrals",
                assessed_at=f"{days_from_today(-100)}T10:00:00Z",
            ),
            assessed_by="Lee",
        )
    return "hub~wic"


def test_a_leader_assesses_a_relationship_and_sees_the_new_state_in_its_history(
    browser, related, store
):
    leader, csrf = browser(Role.LEADER)
    page = leader.get(f"/relationships/{related}")
    assert 'action="/relationships/hub~wic/assess"' in page.text
    posted = leader.post(
        f"/relationships/{related}/assess",
        data={"csrf_token": csrf, "state": "yellow", "reason": "calls go unanswered"},
    )
    assert (posted.status_code, posted.headers["location"]) == (303, "/relationships/hub~wic")
    shown = leader.get(posted.headers["location"]).text
    assert "calls go unanswered" in shown and "monthly referrals" in shown
    assert store.get_relationship(related).state is RelationshipState.YELLOW


def test_an_assessment_without_a_reason_is_shown_again_with_the_message_and_changes_nothing(
    browser, related, store
):
    leader, csrf = browser(Role.LEADER)
    posted = leader.post(
        f"/relationships/{related}/assess", data={"csrf_token": csrf, "state": "red", "reason": " "}
    )
    assert posted.status_code == 422
    assert "a change of state needs a reason" in posted.text
    assert store.get_relationship(related).state is RelationshipState.GREEN
    assert len(store.relationship_history(related)) == 1


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ('<script>alert("x")</script> calls', "holds markup (&#34;&lt;s&#34; at position 1)"),
        ("=HYPERLINK(0)", "which a spreadsheet would run as a formula"),
    ],
)
def test_a_reason_with_markup_or_a_formula_is_refused_beside_the_field_and_changes_nothing(
    browser, related, store, reason, message
):
    leader, csrf = browser(Role.LEADER)
    posted = leader.post(
        f"/relationships/{related}/assess",
        data={"csrf_token": csrf, "state": "yellow", "reason": reason},
    )
    assert posted.status_code == 422
    assert message in posted.text
    assert "<script>alert" not in posted.text
    assert store.get_relationship(related).state is RelationshipState.GREEN
    assert len(store.relationship_history(related)) == 1


def test_a_leader_ends_a_relationship_and_it_leaves_the_eco_map_but_keeps_its_history(
    browser, related, store
):
    leader, csrf = browser(Role.LEADER)
    today = days_from_today(0).isoformat()
    posted = leader.post(
        f"/relationships/{related}/end",
        data={"csrf_token": csrf, "ended_on": today, "reason": "the program closed"},
    )
    assert posted.status_code == 303
    shown = leader.get(f"/relationships/{related}").text
    assert "the program closed" in shown and "monthly referrals" in shown
    assert "You cannot assess or end this relationship" in shown
    ecomap = leader.get("/api/v1/organizations/hub/ecomap").json()
    assert ecomap["partners"] == []


def test_an_end_in_the_future_is_refused_next_to_its_day_and_changes_nothing(
    browser, related, store
):
    leader, csrf = browser(Role.LEADER)
    tomorrow = days_from_today(1).isoformat()
    posted = leader.post(
        f"/relationships/{related}/end",
        data={"csrf_token": csrf, "ended_on": tomorrow, "reason": "closing"},
    )
    assert posted.status_code == 422
    assert 'id="end-ended_on-error"' in posted.text or 'id="end-problem"' in posted.text
    assert "cannot be dated in the future" in posted.text
    assert store.get_relationship(related).ended_on is None


@pytest.mark.parametrize(
    ("role", "org_id", "why"),
    [
        (Role.PLANNER, None, "the planner role may not assess relationships"),
        (Role.CASEWORKER, "wic", "the caseworker role may not assess relationships"),
        (Role.LEADER, "eld", "belongs to 'eld'"),
    ],
)
def test_who_may_not_assess_is_not_offered_the_forms_and_is_refused_with_the_reason(
    browser, related, store, role, org_id, why
):
    user, csrf = browser(role, org_id)
    page = user.get(f"/relationships/{related}")
    assert page.status_code == 200
    assert "/assess" not in page.text and why in html.unescape(page.text)
    for action in ("assess", "end"):
        posted = user.post(
            f"/relationships/{related}/{action}",
            data={"csrf_token": csrf, "state": "red", "reason": "x"},
        )
        assert posted.status_code == 403 and why in html.unescape(posted.text)
    assert store.get_relationship(related).state is RelationshipState.GREEN


def test_a_form_posted_without_the_session_csrf_token_is_refused(browser, related, store):
    leader, _ = browser(Role.LEADER)
    posted = leader.post(
        f"/relationships/{related}/assess", data={"state": "red", "reason": "forged"}
    )
    assert posted.status_code == 403
    assert store.get_relationship(related).state is RelationshipState.GREEN
