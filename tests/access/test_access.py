"""Who may call what: no token gets 401, a role without the right gets 403, on every route."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from graph_models import Role
from service.app import create_app
from service.settings import Settings

ADMIN, LEADER, PLANNER, CASEWORKER = Role.ADMIN, Role.LEADER, Role.PLANNER, Role.CASEWORKER
EVERYONE = {ADMIN, LEADER, PLANNER, CASEWORKER}
EDITORS = {ADMIN, LEADER, PLANNER}
ASSESSORS = {ADMIN, LEADER}

# (method, path) -> the roles allowed; every /api/v1 route must be listed here.
ALLOWED = {
    ("GET", "/api/v1/organizations"): EVERYONE,
    ("POST", "/api/v1/organizations"): EDITORS,
    ("GET", "/api/v1/organizations/{org_id}"): EVERYONE,
    ("PATCH", "/api/v1/organizations/{org_id}"): EDITORS,
    ("DELETE", "/api/v1/organizations/{org_id}"): ASSESSORS,
    ("GET", "/api/v1/contacts"): EVERYONE,
    ("POST", "/api/v1/contacts"): EDITORS,
    ("GET", "/api/v1/contacts/{contact_id}"): EVERYONE,
    ("PATCH", "/api/v1/contacts/{contact_id}"): EDITORS,
    ("DELETE", "/api/v1/contacts/{contact_id}"): ASSESSORS,
    ("GET", "/api/v1/relationships"): EVERYONE,
    ("POST", "/api/v1/relationships"): EDITORS,  # planners: a new partner as no_dot only
    ("GET", "/api/v1/relationships/{rel_id}"): EVERYONE,
    ("PATCH", "/api/v1/relationships/{rel_id}"): ASSESSORS,
    ("GET", "/api/v1/relationships/{rel_id}/history"): EVERYONE,
    ("POST", "/api/v1/relationships/{rel_id}/end"): ASSESSORS,
    ("GET", "/api/v1/engagements"): EVERYONE,
    ("POST", "/api/v1/engagements"): EDITORS,
    ("GET", "/api/v1/engagements/{engagement_id}"): EVERYONE,
    ("PATCH", "/api/v1/engagements/{engagement_id}"): EDITORS,
    ("DELETE", "/api/v1/engagements/{engagement_id}"): ASSESSORS,
    ("GET", "/api/v1/sectors"): EVERYONE,
    ("GET", "/api/v1/profiles"): EVERYONE,
    ("POST", "/api/v1/profiles"): EDITORS,
    ("GET", "/api/v1/profiles/{name}"): EVERYONE,
    ("POST", "/api/v1/tokens"): {ADMIN},
    ("GET", "/api/v1/tokens"): {ADMIN},
    ("PATCH", "/api/v1/tokens/{token_id}"): {ADMIN},
    ("POST", "/api/v1/tokens/{token_id}/revoke"): {ADMIN},
    # -- partnership levels, health, engagement plan, network measures ----
    ("POST", "/api/v1/joint-case-plans"): {ADMIN, CASEWORKER},
    ("GET", "/api/v1/joint-case-plans"): EVERYONE,
    ("POST", "/api/v1/joint-programs"): EDITORS,
    ("GET", "/api/v1/joint-programs"): EVERYONE,
    ("POST", "/api/v1/agreements"): EDITORS,
    ("GET", "/api/v1/agreements"): EVERYONE,
    ("POST", "/api/v1/collaboratives"): EDITORS,
    ("GET", "/api/v1/collaboratives"): EVERYONE,
    ("GET", "/api/v1/organizations/{org_id}/partnership-levels"): EVERYONE,
    ("GET", "/api/v1/organizations/{org_id}/relationship-health"): EVERYONE,
    ("GET", "/api/v1/organizations/{org_id}/engagement-plan"): EVERYONE,
    ("GET", "/api/v1/network/measures"): EVERYONE,
    # -- missing partners ----
    ("GET", "/api/v1/organizations/{org_id}/missing-partners"): EVERYONE,
    ("GET", "/api/v1/regions/{region}/missing-partners"): EVERYONE,
    ("GET", "/api/v1/collaboratives/{collaborative_id}/missing-partners"): EVERYONE,
    # -- eco-maps ----
    ("GET", "/api/v1/organizations/{org_id}/ecomap"): EVERYONE,
    ("GET", "/api/v1/organizations/{org_id}/ecomap/changes"): EVERYONE,
    ("GET", "/api/v1/organizations/{org_id}/ecomap/sectors"): EVERYONE,
    ("GET", "/api/v1/regions/{region}/map"): EVERYONE,
    # -- referrals ----
    ("POST", "/api/v1/referrals"): {ADMIN, CASEWORKER},
    ("GET", "/api/v1/referrals"): {ADMIN, CASEWORKER},
    ("GET", "/api/v1/referrals/{referral_id}"): {ADMIN, CASEWORKER},
    ("POST", "/api/v1/referrals/{referral_id}/events"): {ADMIN, CASEWORKER},
    ("GET", "/api/v1/cases/{case_ref}/trace"): {ADMIN, CASEWORKER},
    ("GET", "/api/v1/feedback-gaps"): EVERYONE,
    ("GET", "/api/v1/paths"): EVERYONE,
    ("GET", "/api/v1/audit"): {ADMIN},
    ("POST", "/api/v1/imports"): ASSESSORS,
    ("POST", "/api/v1/imports/{import_id}/apply"): ASSESSORS,
    ("GET", "/api/v1/imports/template"): EVERYONE,
    ("GET", "/api/v1/exports"): EVERYONE,
    # -- surveys (the respondents' own routes, /api/survey-links, take their signed link) ----
    ("POST", "/api/v1/survey-rounds"): ASSESSORS,
    ("GET", "/api/v1/survey-rounds"): EVERYONE,
    ("GET", "/api/v1/survey-rounds/{round_id}"): ASSESSORS,
    ("GET", "/api/v1/survey-rounds/{round_id}/results"): EVERYONE,
    ("GET", "/api/v1/organizations/{org_id}/survey-results"): EVERYONE,
    ("GET", "/api/v1/survey-rounds/{round_id}/answers"): ASSESSORS,
    ("GET", "/api/v1/survey-rounds/{round_id}/links"): ASSESSORS,
    ("POST", "/api/v1/survey-rounds/{round_id}/adoptions"): ASSESSORS,
    ("POST", "/api/v1/survey-rounds/{round_id}/reminders"): ASSESSORS,
    ("GET", "/api/v1/survey-rounds/{round_id}/mail"): ASSESSORS,
    ("GET", "/api/v1/organizations/{org_id}/survey-trends"): EVERYONE,
}


def api_routes() -> list[tuple[str, str]]:
    app = create_app(Settings())
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/v1")
        for method in route.methods
    )


def test_every_api_route_has_an_access_rule():
    assert set(api_routes()) == set(ALLOWED)


def concrete(path: str) -> str:
    return path.replace("{", "").replace("}", "")


@pytest.mark.parametrize(("method", "path"), sorted(ALLOWED))
def test_a_request_without_a_token_gets_401_with_how_to_sign_in(client, method, path):
    response = client.request(method, concrete(path), headers={"Authorization": ""}, json={})
    assert response.status_code == 401
    assert response.json()["detail"] == "sign in: send 'Authorization: Bearer TOKEN'"


def test_an_unknown_token_gets_401(client):
    response = client.get("/api/v1/organizations", headers={"Authorization": "Bearer sg_nope"})
    assert response.status_code == 401
    assert "not known" in response.json()["detail"]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_the_routes_it_is_allowed(client, token_for, store, role):
    from tests.conftest import add_orgs

    add_orgs(store, ("own-org", "wic"))
    headers = token_for(role, org_id="own-org" if role is CASEWORKER else None)
    for method, path in sorted(ALLOWED):
        response = client.request(method, concrete(path), headers=headers, json={})
        if role in ALLOWED[(method, path)]:
            assert response.status_code not in (401, 403), (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path)
            assert response.json()["detail"].startswith(f"the {role.value} role may not ")
