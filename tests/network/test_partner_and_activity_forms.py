"""The forms that add a partner, record, change and cancel an activity and plan an outreach,
as a signed-in browser posts them, on both stores."""

from __future__ import annotations

import html

import pytest

from graph_models import (
    ContactCreate,
    ContactQuery,
    EngagementQuery,
    OrganizationUpdate,
    ProfileCreate,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipQuery,
    RelationshipState,
    Role,
)
from graph_models.common import stored_text
from tests.conftest import add_orgs, days_from_today


@pytest.fixture
def network(store):
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"), ("lib", "library"))
    store.create_relationship(
        RelationshipCreate(org_a="hub", org_b="wic", state=RelationshipState.GREEN, reason="ok"),
        assessed_by="Lee",
    )


def relationships_of(store, org_id="hub"):
    found = store.list_relationships(RelationshipQuery(org_id=org_id)).items
    return {rel.id: rel.state.value for rel in found}


def activities(store, org_id="hub"):
    return store.list_engagements(EngagementQuery(org_id=org_id)).items


def test_a_leader_adds_a_known_organization_as_a_partner_by_its_name(browser, network, store):
    leader, csrf = browser(Role.LEADER)
    assert "Add a partner" in leader.get("/orgs/hub").text
    posted = leader.post(
        "/orgs/hub/partners/new",
        data={"csrf_token": csrf, "partner": "Lib", "state": "yellow", "reason": "story hours"},
    )
    assert (posted.status_code, posted.headers["location"]) == (303, "/relationships/hub~lib")
    assert relationships_of(store)["hub~lib"] == "yellow"


def test_a_leader_adds_a_new_organization_with_its_sector_and_region(browser, network, store):
    leader, csrf = browser(Role.LEADER)
    posted = leader.post(
        "/orgs/hub/partners/new",
        data={
            "csrf_token": csrf,
            "new_name": "Lane Family Nurses",
            "new_sector": "library",
            "new_region": "Lane",
            "state": "green",
            "reason": "shared families",
        },
    )
    assert posted.status_code == 303, posted.text
    created = store.get_organization("lane-family-nurses")
    assert (created.sector, created.region) == ("library", "Lane")
    assert relationships_of(store)["hub~lane-family-nurses"] == "green"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"partner": "Nobody Here"}, "partner", "no organization is named 'Nobody Here'"),
        ({"partner": "Lib", "reason": ""}, "reason", "fill this in"),
        ({"new_name": "New Org", "new_sector": ""}, "new_sector", "fill this in"),
        ({}, "partner", "type a partner's name"),
    ],
)
def test_a_bad_partner_form_says_what_is_wrong_beside_the_field_and_writes_nothing(
    browser, network, store, fields, field, message
):
    leader, csrf = browser(Role.LEADER)
    before = relationships_of(store)
    posted = leader.post(
        "/orgs/hub/partners/new",
        data={"csrf_token": csrf, "state": "green", "reason": "why not", **fields},
    )
    assert posted.status_code in (404, 422)
    page = html.unescape(posted.text)
    assert message in page
    assert f'id="partner-{field}-error"' in posted.text or f"{field}-error" in posted.text
    assert relationships_of(store) == before


def test_a_planner_is_offered_only_no_dot_and_proposes_a_partner_to_develop(
    browser, network, store
):
    planner, csrf = browser(Role.PLANNER)
    page = planner.get("/orgs/hub/partners/new").text
    assert 'value="no_dot"' in page and 'value="green"' not in page
    refused = planner.post(
        "/orgs/hub/partners/new",
        data={"csrf_token": csrf, "partner": "Lib", "state": "green", "reason": "x"},
    )
    assert refused.status_code == 403
    assert "only as no_dot" in html.unescape(refused.text)
    proposed = planner.post(
        "/orgs/hub/partners/new",
        data={"csrf_token": csrf, "partner": "Lib", "state": "no_dot", "reason": "same families"},
    )
    assert proposed.status_code == 303
    assert relationships_of(store)["hub~lib"] == "no_dot"


def test_a_planner_records_a_planned_activity_and_it_shows_in_the_engagement_plan(
    browser, network, store
):
    planner, csrf = browser(Role.PLANNER)
    when = days_from_today(10).isoformat()
    posted = planner.post(
        "/orgs/hub/engagements/new",
        data={
            "csrf_token": csrf,
            "kind": "meeting",
            "title": "Coffee with WIC",
            "date": when,
            "status": "planned",
            "partner": "Wic",
        },
    )
    assert (posted.status_code, posted.headers["location"]) == (303, "/orgs/hub/engagement-plan")
    plan = planner.get("/orgs/hub/engagement-plan").text
    assert "Coffee with WIC" in plan
    [recorded] = activities(store)
    assert (recorded.org_ids, recorded.status.value) == (["hub", "wic"], "planned")


def test_a_held_activity_dated_in_the_future_is_refused_beside_its_date(browser, network, store):
    planner, csrf = browser(Role.PLANNER)
    posted = planner.post(
        "/orgs/hub/engagements/new",
        data={
            "csrf_token": csrf,
            "kind": "meeting",
            "title": "Visit",
            "date": days_from_today(3).isoformat(),
            "status": "held",
        },
    )
    assert posted.status_code == 422
    assert "a held activity cannot be dated in the future" in posted.text
    assert activities(store) == []


def test_a_planner_changes_then_cancels_an_activity_and_its_record_is_kept(browser, network, store):
    planner, csrf = browser(Role.PLANNER)
    when = days_from_today(10).isoformat()
    planner.post(
        "/orgs/hub/engagements/new",
        data={
            "csrf_token": csrf,
            "kind": "meeting",
            "title": "Visit",
            "date": when,
            "status": "planned",
        },
    )
    [planned] = activities(store)
    address = f"/orgs/hub/engagements/{planned.id}"
    assert "Cancel this planned activity" in planner.get(address).text
    changed = planner.post(
        address,
        data={"csrf_token": csrf, "kind": "webinar", "title": "Webinar", "date": when},
    )
    assert changed.status_code == 303
    assert store.get_engagement(planned.id).title == "Webinar"
    cancelled = planner.post(address, data={"csrf_token": csrf, "status": "cancelled"})
    assert cancelled.status_code == 303
    assert store.get_engagement(planned.id).status.value == "cancelled"
    assert "was cancelled" in planner.get(address).text


def test_one_click_plans_an_outreach_to_a_candidate_which_shows_in_the_plan_to_develop(
    browser, network, store
):
    planner, csrf = browser(Role.PLANNER)
    posted = planner.post("/orgs/hub/outreach", data={"csrf_token": csrf, "candidate": "lib"})
    assert posted.status_code == 303
    assert posted.headers["location"] == "/orgs/hub/engagement-plan#plan-develop"
    assert relationships_of(store)["hub~lib"] == "no_dot"
    plan = planner.get("/orgs/hub/engagement-plan").text
    assert "Outreach to Lib" in plan


def test_an_outreach_writes_the_activity_and_the_proposal_together_as_the_planner(
    browser, network, store
):
    planner, csrf = browser(Role.PLANNER)
    planner.post("/orgs/hub/outreach", data={"csrf_token": csrf, "candidate": "lib"})
    [outreach] = activities(store, "lib")
    assert (outreach.kind.value, outreach.status.value, outreach.org_ids) == (
        "outreach",
        "planned",
        ["hub", "lib"],
    )
    [proposal] = store.relationship_history("hub~lib")
    assert proposal.assessed_by == "planner Lee"
    assert str(outreach.date) in proposal.reason


def test_an_outreach_to_a_partner_whose_stored_name_holds_markup_is_planned_with_that_name(
    browser, network, store
):
    with stored_text():  # as an older version kept it
        store.update_organization("lib", OrganizationUpdate(name="Library <b>East</b>"))
    planner, csrf = browser(Role.PLANNER)
    posted = planner.post("/orgs/hub/outreach", data={"csrf_token": csrf, "candidate": "lib"})
    assert posted.status_code == 303
    [outreach] = activities(store, "lib")
    assert outreach.title == "Outreach to Library <b>East</b>"


def test_an_ended_partner_is_offered_no_outreach_and_cannot_be_related_again(
    browser, network, store
):
    store.create_profile(ProfileCreate(name="wic-only", label="WIC", sectors=["wic"]))
    store.end_relationship("hub~wic", RelationshipEnd(reason="closed"), ended_by="Lee")
    today = days_from_today(0)
    leader, csrf = browser(Role.LEADER)
    page = leader.get("/orgs/hub/missing-partners?profile=wic-only").text
    assert f"relationship ended on {today.isoformat()}" in page
    assert 'name="candidate" value="wic"' not in page
    outreach = leader.post("/orgs/hub/outreach", data={"csrf_token": csrf, "candidate": "wic"})
    assert outreach.status_code == 409
    assert "an ended relationship is not started again" in html.unescape(outreach.text)
    again = leader.post(
        "/orgs/hub/partners/new",
        data={"csrf_token": csrf, "partner": "Wic", "state": "green", "reason": "back"},
    )
    assert again.status_code == 409
    assert f"ended on {today.isoformat()}" in html.unescape(
        again.text.split('id="partner-partner-error"')[1]
    )
    assert activities(store, "wic") == []
    assert store.get_relationship("hub~wic").ended_on == today


def test_a_scoped_leader_edits_only_its_own_organization_and_contacts(
    browser, network, store, client, token_for
):
    store.create_contact(ContactCreate(id="wic-nurse", org_id="wic", name="Nia", role="Nurse"))
    leader, csrf = browser(Role.LEADER, "hub")
    other = leader.post("/orgs/wic/edit", data={"csrf_token": csrf, "name": "Taken over"})
    assert other.status_code == 403
    assert "only where 'hub' takes part" in html.unescape(other.text)
    removed = leader.post("/orgs/wic/contacts/wic-nurse/remove", data={"csrf_token": csrf})
    assert removed.status_code == 403
    own = leader.post("/orgs/hub/edit", data={"csrf_token": csrf, "name": "Lane Hub"})
    assert own.status_code == 303
    bearer = token_for(Role.LEADER, org_id="hub")
    stolen = client.patch("/api/v1/contacts/wic-nurse", json={"org_id": "hub"}, headers=bearer)
    assert stolen.status_code == 403
    assert (store.get_organization("wic").name, store.get_contact("wic-nurse").org_id) == (
        "Wic",
        "wic",
    )
    assert store.get_organization("hub").name == "Lane Hub"


def test_a_caseworker_is_offered_no_activity_form_and_is_refused_with_the_reason(
    browser, network, store
):
    caseworker, csrf = browser(Role.CASEWORKER, "hub")
    page = caseworker.get("/orgs/hub/engagements/new").text
    assert '<form class="write"' not in page
    assert "the caseworker role may not edit" in html.unescape(page)
    today = days_from_today(0).isoformat()
    posted = caseworker.post(
        "/orgs/hub/engagements/new",
        data={"csrf_token": csrf, "kind": "meeting", "title": "x", "date": today},
    )
    assert posted.status_code == 403
    assert activities(store) == []


def test_a_planner_edits_the_organization_and_adds_and_changes_a_contact(browser, network, store):
    planner, csrf = browser(Role.PLANNER)
    assert 'href="/orgs/hub/edit"' in planner.get("/orgs/hub").text
    saved = planner.post(
        "/orgs/hub/edit",
        data={"csrf_token": csrf, "name": "Lane Hub", "region": "Lane County", "internal": "false"},
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/orgs/hub")
    hub = store.get_organization("hub")
    assert (hub.name, hub.region, hub.sector) == ("Lane Hub", "Lane County", "early_learning_hub")
    added = planner.post(
        "/orgs/hub/contacts/new",
        data={"csrf_token": csrf, "name": "Hub Director", "role": "director"},
    )
    assert added.status_code == 303
    [contact] = store.list_contacts(ContactQuery(org_id="hub")).items
    planner.post(
        f"/orgs/hub/contacts/{contact.id}",
        data={"csrf_token": csrf, "name": "Ana Ruiz", "role": "director", "email": "ana@hub.org"},
    )
    assert store.get_contact(contact.id).email == "ana@hub.org"
    page = planner.get("/orgs/hub/edit").text
    assert "Ana Ruiz" in page and "/remove" not in page  # planners do not delete


def test_a_bad_organization_or_contact_form_says_why_beside_the_field(browser, network, store):
    leader, csrf = browser(Role.LEADER)
    bad_region = leader.post(
        "/orgs/hub/edit", data={"csrf_token": csrf, "name": "Hub", "region": "Lane/Douglas"}
    )
    assert bad_region.status_code == 422
    assert 'id="org-region-error"' in bad_region.text
    assert store.get_organization("hub").region == "Lane"
    no_name = leader.post("/orgs/hub/edit", data={"csrf_token": csrf, "name": " ", "notes": "x"})
    assert no_name.status_code == 422 and 'id="org-name-error"' in no_name.text
    assert store.get_organization("hub").notes == ""
    no_role = leader.post("/orgs/hub/contacts/new", data={"csrf_token": csrf, "name": "Ana"})
    assert no_role.status_code == 422
    assert 'id="contact-new-role-error"' in no_role.text
    assert store.list_contacts(ContactQuery(org_id="hub")).items == []


def test_a_leader_removes_a_contact(browser, network, store):
    leader, csrf = browser(Role.LEADER)
    leader.post(
        "/orgs/hub/contacts/new", data={"csrf_token": csrf, "name": "Ana", "role": "director"}
    )
    [contact] = store.list_contacts(ContactQuery(org_id="hub")).items
    removed = leader.post(f"/orgs/hub/contacts/{contact.id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303
    assert store.list_contacts(ContactQuery(org_id="hub")).items == []
