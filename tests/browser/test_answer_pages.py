"""The answer pages (an organization's home, partnership levels, relationship health, the
engagement plan, network measures and warm paths) read in headless Chromium by a leader, a
planner and a caseworker, each signed in with their own token."""

from __future__ import annotations

from datetime import date

import pytest

from graph_models import EngagementCreate, Role
from graph_models.audit import AuditQuery
from graph_models.enums import EngagementKind, EngagementStatus
from service.data.seeds import load_seed
from tests.browser.conftest import screenshot, submit
from tests.networks import add_evidence_and_referrals

FOCAL = "ode-eld"
FOCAL_NAME = "Oregon Department of Education \u2013 Early Learning Division (ODE-ELD)"


@pytest.fixture
def network(live_server):
    """The Oregon seed with evidence of every level and referrals around ODE-ELD, and one
    overdue planned activity with OHA."""
    load_seed(live_server.store, "oregon")
    add_evidence_and_referrals(live_server.store)
    live_server.store.create_engagement(
        EngagementCreate(
            kind=EngagementKind.MEETING,
            title="Data sharing check-in",
            date=date(2020, 5, 1),
            status=EngagementStatus.PLANNED,
            org_ids=[FOCAL, "oha"],
        )
    )
    return live_server


@pytest.fixture
def sign_in(open_as, network):  # type: ignore[no-untyped-def]
    """``sign_in(Role.LEADER)``: a browser page signed in with a fresh token of that role."""
    return open_as


def api(page, url: str, path: str):  # type: ignore[no-untyped-def]
    response = page.request.get(f"{url}/api/v1{path}")
    assert response.ok, response.text()
    return response.json()


def test_a_leader_reads_each_partner_level_with_the_evidence_behind_it(sign_in, network):
    page = sign_in(Role.LEADER)
    page.goto(f"{network.url}/orgs/{FOCAL}/partnership-levels")
    answer = api(page, network.url, f"/organizations/{FOCAL}/partnership-levels")
    rows = page.locator("table.levels tbody tr")
    assert rows.count() == len(answer["partners"])
    top = max(answer["partners"], key=lambda p: p["level"])
    row = page.locator(f"tr[data-partner-id={top['partner_id']}]")
    assert row.get_attribute("data-level") == "6"
    assert "state-level collaborative or cabinet" in row.inner_text()
    assert "State cabinet" in row.locator("ul.evidence").inner_text()
    assert page.locator(".level-legend li[data-level='6'] strong").inner_text() == "1"
    # A leader never sees the case ref of a joint case plan.
    assert page.locator("li[data-kind=joint_case_plan]").count() == 1
    assert "PARITY-1" not in page.content()
    page.fill("#q", "salem")
    submit(page, "form.page-options button")
    assert page.locator("table.levels tbody tr[data-partner-id]").count() == 1
    screenshot(page, "partnership-levels")


def test_a_caseworker_of_a_member_sees_the_case_ref_and_the_read_is_audited(sign_in, network):
    page = sign_in(Role.CASEWORKER, org_id=FOCAL)
    page.goto(f"{network.url}/orgs/{FOCAL}/partnership-levels")
    assert page.locator("li[data-kind=joint_case_plan] .case-ref").inner_text() == "case PARITY-1"
    audited = network.store.list_audit(AuditQuery(case_ref="PARITY-1")).items
    assert [(entry.role, entry.org_id) for entry in audited] == [(Role.CASEWORKER, FOCAL)]


def test_a_planner_reads_the_suggested_states_and_the_disagreement_flags(sign_in, network):
    page = sign_in(Role.PLANNER)
    page.goto(f"{network.url}/orgs/{FOCAL}/relationship-health?as_of=2018-06-01")
    answer = api(page, network.url, f"/organizations/{FOCAL}/relationship-health?as_of=2018-06-01")
    flagged = [p for p in answer["partners"] if p["flag"]]
    assert flagged
    assert page.locator(".flags-count strong").inner_text() == str(len(flagged))
    first = page.locator(f"tr[data-partner-id={flagged[0]['partner_id']}]")
    assert flagged[0]["flag"] in first.locator(".flag").inner_text()
    assert answer["partners"][0]["explanation"] in page.locator("p.explanation").first.inner_text()
    page.check("#flagged")
    submit(page, "form.page-options button")
    assert page.locator("table.health tbody tr[data-partner-id]").count() == len(flagged)
    assert page.locator("#as_of").input_value() == "2018-06-01"
    screenshot(page, "relationship-health")


def test_a_planner_reads_the_plan_with_its_overdue_action(sign_in, network):
    page = sign_in(Role.PLANNER)
    page.goto(f"{network.url}/orgs/{FOCAL}")
    submit(page, "nav.org-nav >> text=Engagement plan")
    plan = api(page, network.url, f"/organizations/{FOCAL}/engagement-plan")
    assert plan["overdue"] > 1
    assert (
        page.locator(".overdue-count")
        .inner_text()
        .startswith(f"{plan['overdue']} planned activities are overdue")
    )
    overdue = page.locator("tr.overdue-row").evaluate_all(
        "rows => rows.map(r => r.dataset.activityId)"
    )
    assert (
        len(set(overdue)) == plan["overdue"]
    )  # an activity with several partners shows under each
    assert [
        section.get_attribute("id") for section in page.locator("section.plan-group").all()
    ] == ["plan-keep", "plan-improve", "plan-heal", "plan-develop"]
    row = page.locator("tr.overdue-row", has_text="Data sharing check-in")
    assert "Data sharing check-in" in row.inner_text()
    assert "overdue" in row.inner_text()
    oha = next(p for g in plan["groups"] for p in g["partners"] if p["partner_id"] == "oha")
    assert oha["overdue"]
    screenshot(page, "engagement-plan")


def test_a_caseworker_starts_on_their_own_agency_and_can_still_list_every_organization(
    sign_in, network
):
    page = sign_in(Role.CASEWORKER, org_id=FOCAL)
    assert page.url == f"{network.url}/orgs/{FOCAL}"
    assert page.locator("h1 .tag").inner_text() == "my agency"
    partners = api(page, network.url, f"/organizations/{FOCAL}/ecomap")["partners"]
    assert page.locator("dd.partners").inner_text() == str(len(partners))
    green = sum(1 for p in partners if p["state"] == "green")
    assert page.locator("tr[data-state=green] .count").inner_text() == str(green)
    for link in ("ecomap", "missing-partners", "partnership-levels", "relationship-health"):
        assert page.locator(f"a[href='/orgs/{FOCAL}/{link}']").count() >= 1
    submit(page, "header.site >> text=Organizations")
    assert page.locator("h1").inner_text() == "Organizations"
    screenshot(page, "organization-home")


def test_a_leader_traces_a_warm_path_between_two_organizations_picked_by_name(sign_in, network):
    page = sign_in(Role.LEADER)
    page.goto(f"{network.url}/paths")
    page.locator("#from_name").press_sequentially("Early Learning Division")
    page.wait_for_selector("#from_name-names option", state="attached", timeout=5000)
    suggested = page.locator("#from_name-names option").first.get_attribute("value")
    assert suggested == FOCAL_NAME
    page.fill("#from_name", suggested)
    page.fill("#to_name", "Local public health and WIC sites")
    submit(page, "form.paths-form button")
    routes = page.locator("ol.paths > li")
    assert routes.count() == 3
    first = routes.first.locator("ol.route li")
    assert first.evaluate_all("items => items.map(i => i.dataset.orgId)") == [
        FOCAL,
        "oha",
        "or-local-wic-sites",
    ]
    assert "ode-eld" not in page.locator("#from_name").input_value()
    screenshot(page, "warm-paths")


def test_a_name_that_picks_no_organization_is_said_next_to_its_field(sign_in, network):
    page = sign_in(Role.PLANNER)
    response = page.goto(f"{network.url}/paths?from_name=Early&to_name=Nothing+like+this")
    assert response.status == 422
    assert "no organization is named 'Early'" in page.locator("#from_name-error").inner_text()
    assert (
        "no organization is named 'Nothing like this'"
        in page.locator("#to_name-error").inner_text()
    )
    assert page.locator("#to_name").get_attribute("aria-invalid") == "true"
    assert page.locator("ol.paths").count() == 0


def test_network_measures_by_sector_for_one_organizations_neighbourhood(sign_in, network):
    page = sign_in(Role.CASEWORKER, org_id=FOCAL)
    page.goto(f"{network.url}/network/measures")
    assert "whole network" in page.locator("h1").inner_text()
    page.fill("#org", "Oregon Health Authority (OHA)")
    submit(page, "form.page-options button")
    assert "Oregon Health Authority (OHA)" in page.locator("h1").inner_text()
    answer = api(page, network.url, "/network/measures?org_id=oha")
    assert page.locator("dd.organizations").inner_text() == str(answer["organizations"])
    shown = page.locator("section[aria-labelledby=by-sector] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.group)"
    )
    assert shown == [group["group"] or "" for group in answer["by_sector"]]
    screenshot(page, "network-measures")
