"""Who may do what, role by role: every write control a page offers is one the API lets
through for the same token, and every control a page leaves out is one the API refuses; the
navigation links exactly the pages a role may open. On both stores."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from graph_models import (
    ContactCreate,
    EngagementCreate,
    EngagementStatus,
    ProfileCreate,
    RelationshipCreate,
    RelationshipState,
    Role,
    TokenCreate,
)
from service.access.permissions import issue_token
from service.app import create_app
from service.settings import Settings
from service.store import Store
from tests.conftest import ADMIN_TOKEN, add_orgs, days_from_today

ROLES = {
    "admin": None,
    "leader": (Role.LEADER, None),
    "leader of hub": (Role.LEADER, "hub"),
    "leader of eld": (Role.LEADER, "eld"),
    "planner": (Role.PLANNER, None),
    "planner of hub": (Role.PLANNER, "hub"),
    "caseworker of hub": (Role.CASEWORKER, "hub"),
}


@pytest.fixture
def network(store: Store) -> str:
    """hub related to wic, candidates new-0 to new-3, a contact at hub, and a planned activity
    of hub's."""
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"), ("eld", "state_agency"))
    add_orgs(store, *[(f"new-{n}", "library") for n in range(4)])
    store.create_relationship(
        RelationshipCreate(org_a="hub", org_b="wic", state=RelationshipState.GREEN, reason="ok"),
        assessed_by="Lee",
    )
    planned = EngagementCreate(
        id="visit",
        kind="meeting",
        title="Visit",
        date=days_from_today(7),
        status=EngagementStatus.PLANNED,
        org_ids=["hub", "wic"],
    )
    store.create_profile(ProfileCreate(name="libraries", label="Libraries", sectors=["library"]))
    store.create_contact(
        ContactCreate(id="hub-director", org_id="hub", name="Dee", role="Director")
    )
    return store.create_engagement(planned).id


def signed_in(settings: Settings, store: Store, who: str) -> tuple[TestClient, dict[str, str]]:
    """A browser signed in as ``who`` through the sign-in form, and the same token as API
    headers."""
    if ROLES[who] is None:
        token = ADMIN_TOKEN
    else:
        role, org_id = ROLES[who]
        token, _ = issue_token(store, TokenCreate(name=who, role=role, org_id=org_id))
    browser = TestClient(create_app(settings, store=store), follow_redirects=False)
    browser.__enter__()
    assert browser.post("/login", data={"token": token}).status_code == 303
    return browser, {"Authorization": f"Bearer {token}"}


def offered(browser: TestClient, page: str, control: str) -> bool:
    """Whether ``page`` holds ``control`` (a form's action, a link or an option)."""
    shown = browser.get(page)
    assert shown.status_code == 200, shown.text
    return control in shown.text


Check = Callable[[TestClient, dict[str, str]], int]


@pytest.mark.parametrize("who", list(ROLES))
def test_each_page_offers_exactly_the_writes_the_api_lets_through(settings, store, network, who):
    browser, bearer = signed_in(settings, store, who)
    api = TestClient(create_app(settings, store=store))
    api.__enter__()
    try:
        rows = []
        # the one-click outreach to a candidate of the profile's library sector, before any
        # candidate becomes a partner below
        outreach = offered(
            browser, "/orgs/hub/missing-partners?profile=libraries", "/orgs/hub/outreach"
        )
        # each state a new partner may start in, on a partner of its own
        for n, state in enumerate(RelationshipState):
            shown = offered(browser, "/orgs/hub/partners/new", f'<option value="{state.value}"')
            answer = api.post(
                "/api/v1/relationships",
                json={"org_a": "hub", "org_b": f"new-{n}", "state": state.value, "reason": "x"},
                headers=bearer,
            ).status_code
            rows.append((f"add a partner as {state.value}", shown, answer))
        # recording an activity of hub's; changing hub's planned one
        rows.append(
            (
                "record an activity",
                offered(browser, "/orgs/hub/engagements/new", 'action="/orgs/hub/engagements/new"'),
                api.post(
                    "/api/v1/engagements",
                    json={
                        "kind": "meeting",
                        "title": "x",
                        "date": days_from_today(7).isoformat(),
                        "status": "planned",
                        "org_ids": ["hub"],
                    },
                    headers=bearer,
                ).status_code,
            )
        )
        rows.append(("plan an outreach", outreach, rows[-1][2]))
        plan_link = offered(browser, "/orgs/hub/engagement-plan", "/orgs/hub/engagements/new")
        rows.append(("plan from the engagement plan", plan_link, rows[-1][2]))
        rows.append(
            (
                "change an activity",
                offered(
                    browser,
                    f"/orgs/hub/engagements/{network}",
                    f'action="/orgs/hub/engagements/{network}"',
                ),
                api.patch(
                    f"/api/v1/engagements/{network}", json={"title": "Visit"}, headers=bearer
                ).status_code,
            )
        )
        # an organization, its contacts and its evidence: hub's, and eld's, which hub's leader
        # and planner may not touch
        for org in ("hub", "eld"):
            rows.append(
                (
                    f"edit the organization {org}",
                    offered(browser, f"/orgs/{org}", f'href="/orgs/{org}/edit"'),
                    api.patch(
                        f"/api/v1/organizations/{org}", json={"notes": "x"}, headers=bearer
                    ).status_code,
                )
            )
            rows.append(
                (
                    f"add a contact at {org}",
                    offered(browser, f"/orgs/{org}/edit", f'action="/orgs/{org}/contacts/new"'),
                    api.post(
                        "/api/v1/contacts",
                        json={"org_id": org, "name": f"New at {org}", "role": "Liaison"},
                        headers=bearer,
                    ).status_code,
                )
            )
            rows.append(
                (
                    f"record evidence of {org}",
                    offered(
                        browser, f"/orgs/{org}/evidence", f'action="/orgs/{org}/evidence/agreement"'
                    ),
                    api.post(
                        "/api/v1/agreements",
                        json={"kind": "liaison", "org_ids": [org, "wic"], "start": "2024-01-01"},
                        headers=bearer,
                    ).status_code,
                )
            )
        rows.append(
            (
                "change a contact",
                offered(browser, "/orgs/hub/edit", 'action="/orgs/hub/contacts/hub-director"'),
                api.patch(
                    "/api/v1/contacts/hub-director", json={"role": "Head"}, headers=bearer
                ).status_code,
            )
        )
        rows.append(
            (
                "remove a contact",
                offered(
                    browser, "/orgs/hub/edit", 'action="/orgs/hub/contacts/hub-director/remove"'
                ),
                api.delete("/api/v1/contacts/hub-director", headers=bearer).status_code,
            )
        )
        # assessing, then ending, hub and wic's relationship
        for action, call in (
            (
                "assess",
                lambda: api.patch(
                    "/api/v1/relationships/hub~wic",
                    json={"state": "green", "reason": "still"},
                    headers=bearer,
                ),
            ),
            (
                "end",
                lambda: api.post(
                    "/api/v1/relationships/hub~wic/end", json={"reason": "closed"}, headers=bearer
                ),
            ),
        ):
            shown = offered(browser, "/relationships/hub~wic", f'/relationships/hub~wic/{action}"')
            rows.append((f"{action} a relationship", shown, call().status_code))
        for what, shown, answer in rows:
            assert answer < 300 if shown else answer == 403, (who, what, shown, answer)
    finally:
        api.__exit__(None, None, None)
        browser.__exit__(None, None, None)


def navigation(page: str) -> str:
    """The links of a page's navigation."""
    return page.split("<nav>")[1].split("</nav>")[0]


NAVIGATION = ["/my/referrals", "/organizations", "/paths", "/network/measures", "/feedback-gaps"]
NAVIGATION += ["/import"]


@pytest.mark.parametrize("who", list(ROLES))
def test_the_navigation_links_exactly_the_pages_the_role_may_open(settings, store, network, who):
    browser, _ = signed_in(settings, store, who)
    try:
        nav = navigation(browser.get("/paths").text)
        for page in NAVIGATION:
            linked = f'href="{page}"' in nav
            opened = browser.get(page).status_code
            assert opened == 200 if linked else opened == 403, (who, page, linked, opened)
    finally:
        browser.__exit__(None, None, None)


@pytest.mark.parametrize("who", list(ROLES))
def test_a_page_that_cannot_be_shown_keeps_the_navigation_of_who_is_signed_in(
    settings, store, network, who
):
    browser, _ = signed_in(settings, store, who)
    try:
        usual = navigation(browser.get("/paths").text)
        missing = browser.get("/orgs/ghost/ecomap")
        assert missing.status_code == 404
        assert "organization &#39;ghost&#39; does not exist" in missing.text
        assert navigation(missing.text) == usual
        assert f'<span class="who">{who} ·' in missing.text or ROLES[who] is None
        refused = browser.get("/import")
        if refused.status_code == 403:
            assert navigation(refused.text) == usual
    finally:
        browser.__exit__(None, None, None)
