"""A leader and a planner do their work in Chromium by filling and submitting the forms, then
read the result on the page and through the API; bad input is answered beside its field and
changes nothing; a page on another site cannot post the forms with their session; axe-core
finds no serious or critical violation on the new pages, at 1280 and 375 px."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from graph_models import (
    RelationshipCreate,
    RelationshipEnd,
    Role,
    TokenCreate,
    relationship_id,
)
from service.access.permissions import issue_token
from service.data.migration import record_counts
from service.data.seeds import load_seed
from tests.browser.conftest import as_text_field, other_site, screenshot, sign_in, submit
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_ecomap_page import drawn
from tests.conftest import days_from_today

REL = "early-learning-multnomah~ode-eld"


@pytest.fixture
def oregon(live_server):
    load_seed(live_server.store, "oregon")
    return live_server


def signed_in_as(page, server, role: Role, org_id: str | None = None):  # type: ignore[no-untyped-def]
    """The test's page, signed out of the admin session and in with a fresh token of ``role``."""
    token, _ = issue_token(
        server.store, TokenCreate(name=f"{role.value} Lee", role=role, org_id=org_id)
    )
    page.context.clear_cookies()
    sign_in(page, server.url, token)
    return page


def api(page, server, path: str):  # type: ignore[no-untyped-def]
    """A GET of the API with the page's session, as the page's own scripts would make it."""
    response = page.request.get(f"{server.url}{path}")
    assert response.ok, response.text()
    return response.json()


def test_a_leader_assesses_from_the_eco_map_and_ends_a_relationship(page, oregon):
    leader = signed_in_as(page, oregon, Role.LEADER)
    leader.goto(f"{oregon.url}/orgs/ode-eld/ecomap")
    drawn(leader)
    leader.fill("#find-node", "early learning multnomah")
    leader.press("#find-node", "Enter")
    leader.click(f"#map-details-link a[href='/relationships/{REL}']")
    leader.wait_for_url(f"**/relationships/{REL}")
    # the reason left out: the message stands beside it and nothing changes
    leader.select_option("#assess-state", "red")
    submit(leader, "form[action$='/assess'] button[type=submit]")
    assert "a change of state needs a reason" in leader.inner_text("#assess-reason-error")
    assert api(leader, oregon, f"/api/v1/relationships/{REL}")["state"] == "green"
    leader.select_option("#assess-state", "yellow")
    # markup in the reason: refused beside it, nothing changes
    leader.fill("#assess-reason", "The liaison left; <b>calls</b> go unanswered")
    submit(leader, "form[action$='/assess'] button[type=submit]")
    assert "holds markup" in leader.inner_text("#assess-reason-error")
    assert api(leader, oregon, f"/api/v1/relationships/{REL}")["state"] == "green"
    leader.fill("#assess-reason", "The liaison left; calls go unanswered & <3 replies")
    submit(leader, "form[action$='/assess'] button[type=submit]")
    assert "calls go unanswered & <3 replies" in leader.inner_text("table.history")
    assert api(leader, oregon, f"/api/v1/relationships/{REL}")["state"] == "yellow"
    screenshot(leader, "relationship-assessed")
    # an end tomorrow is refused beside its day; today it ends
    today = days_from_today(0)
    leader.fill("#end-ended_on", (today + timedelta(days=1)).isoformat())
    leader.fill("#end-reason", "The program closed")
    submit(leader, "form[action$='/end'] button[type=submit]")
    assert "cannot be dated in the future" in leader.inner_text("#end-ended_on-error")
    assert api(leader, oregon, f"/api/v1/relationships/{REL}")["ended_on"] is None
    leader.fill("#end-ended_on", today.isoformat())
    submit(leader, "form[action$='/end'] button[type=submit]")
    assert "The program closed" in leader.inner_text("dd.ended")
    ids = lambda answer: [p["organization"]["id"] for p in answer["partners"]]  # noqa: E731
    assert "early-learning-multnomah" not in ids(
        api(leader, oregon, "/api/v1/organizations/ode-eld/ecomap")
    )
    yesterday = (today - timedelta(days=1)).isoformat()
    then = api(leader, oregon, f"/api/v1/organizations/ode-eld/ecomap?as_of={yesterday}")
    assert "early-learning-multnomah" in ids(then)
    leader.goto(f"{oregon.url}/orgs/ode-eld/ecomap?since={yesterday}")
    assert "Early Learning Multnomah" in leader.inner_text("ul.gone")


def test_a_leader_adds_a_partner_typed_by_name_and_a_new_organization(page, oregon):
    leader = signed_in_as(page, oregon, Role.LEADER)
    leader.goto(f"{oregon.url}/orgs/ode-eld")
    submit(leader, "a[href='/orgs/ode-eld/partners/new']")
    leader.fill("#partner-partner", "Nobody By This Name")
    leader.fill("#partner-reason", "x")
    submit(leader, "form.write button[type=submit]")
    assert "no organization is named" in leader.inner_text("#partner-partner-error")
    leader.fill("#partner-partner", "Child Systems")
    leader.select_option("#partner-state", "green")
    leader.fill("#partner-reason", "Monthly case reviews")
    leader.click("form.write button[type=submit]")
    leader.wait_for_url("**/relationships/ode-eld~oha-child-systems")
    assert "Monthly case reviews" in leader.inner_text("table.history")
    leader.goto(f"{oregon.url}/orgs/ode-eld/partners/new")
    leader.fill("#partner-new_name", "Lane Family Nurses")
    leader.select_option("#partner-new_sector", "home_visiting")
    leader.fill("#partner-new_region", "Lane")
    leader.fill("#partner-reason", "Shared families")
    leader.click("form.write button[type=submit]")
    leader.wait_for_url("**/relationships/lane-family-nurses~ode-eld")
    assert api(leader, oregon, "/api/v1/organizations/lane-family-nurses")["region"] == "Lane"


def test_a_planner_plans_records_and_cancels_activities_and_reaches_out(page, oregon):
    planner = signed_in_as(page, oregon, Role.PLANNER)
    planner.goto(f"{oregon.url}/orgs/ode-eld/engagement-plan")
    submit(planner, "a[href='/orgs/ode-eld/engagements/new']")
    planner.select_option("#engagement-kind", "meeting")
    planner.fill("#engagement-title", "Coffee with the hub")
    planner.fill("#engagement-date", days_from_today(3).isoformat())
    planner.select_option("#engagement-status", "held")
    submit(planner, "form.write button[type=submit]")
    assert "cannot be dated in the future" in planner.inner_text("#engagement-status-error")
    planner.select_option("#engagement-status", "planned")
    planner.fill("#engagement-partner", "Early Learning Multnomah (Multnomah County hub)")
    planner.click("form.write button[type=submit]")
    planner.wait_for_url("**/orgs/ode-eld/engagement-plan")
    assert "Coffee with the hub" in planner.inner_text("main")
    planned = api(
        planner, oregon, "/api/v1/engagements?org_id=early-learning-multnomah&status=planned"
    )
    [activity] = [e for e in planned["items"] if e["title"] == "Coffee with the hub"]
    submit(planner, f"a[href='/orgs/ode-eld/engagements/{activity['id']}']")
    planner.click("form.inline-cancel button[type=submit]")
    planner.wait_for_url("**/orgs/ode-eld/engagement-plan")
    assert api(planner, oregon, f"/api/v1/engagements/{activity['id']}")["status"] == "cancelled"
    # one click from a missing partner: a planned outreach, listed to develop
    planner.goto(f"{oregon.url}/orgs/ode-eld/missing-partners?profile=oregon-infant-toddler")
    button = planner.locator("form.outreach button").first
    candidate = button.get_attribute("aria-label").removeprefix("Plan an outreach to ")
    button.click()
    planner.wait_for_url("**/orgs/ode-eld/engagement-plan#plan-develop")
    assert f"Outreach to {candidate}" in planner.inner_text("#plan-develop")
    screenshot(planner, "engagement-plan-after-outreach")
    # a planner is not offered the assessment and is told why
    planner.goto(f"{oregon.url}/relationships/{REL}")
    assert planner.locator("form[action$='/assess']").count() == 0
    assert "the planner role may not assess relationships" in planner.inner_text("p.refused")


def test_a_leader_of_one_agency_edits_it_and_its_contacts_and_is_offered_no_edit_elsewhere(
    page, oregon
):
    leader = signed_in_as(page, oregon, Role.LEADER, "ode-eld")
    submit(leader, "a[href='/orgs/ode-eld/edit']")
    leader.fill("#org-name", "Early Learning Division")
    leader.click("form[action='/orgs/ode-eld/edit'] button[type=submit]")
    leader.wait_for_url("**/orgs/ode-eld")
    assert "Early Learning Division" in leader.inner_text("h1")
    leader.goto(f"{oregon.url}/orgs/ode-eld/edit")
    leader.fill("#contact-new-name", "Ana Ruiz")
    leader.fill("#contact-new-role", "Hub liaison")
    leader.click("form.contact-new button[type=submit]")
    leader.wait_for_url("**/orgs/ode-eld/edit#contacts")
    contacts = api(leader, oregon, "/api/v1/contacts?org_id=ode-eld")["items"]
    assert [c["role"] for c in contacts if c["name"] == "Ana Ruiz"] == ["Hub liaison"]
    # another agency: no edit link, and its edit and evidence pages say why instead of a form
    leader.goto(f"{oregon.url}/orgs/oha-child-systems")
    assert leader.locator("a[href='/orgs/oha-child-systems/edit']").count() == 0
    for path in ("edit", "evidence"):
        leader.goto(f"{oregon.url}/orgs/oha-child-systems/{path}")
        assert leader.locator("form.write").count() == 0
        assert "only where 'ode-eld' takes part" in leader.inner_text("p.refused")
    assert api(leader, oregon, "/api/v1/organizations/oha-child-systems")["name"] == "Child Systems"


def test_bad_organization_contact_and_evidence_input_is_said_beside_its_field_and_changes_nothing(
    page, oregon
):
    leader = signed_in_as(page, oregon, Role.LEADER)
    before = record_counts(oregon.store)
    focal = api(leader, oregon, "/api/v1/organizations/ode-eld")
    leader.goto(f"{oregon.url}/orgs/ode-eld/edit")
    leader.fill("#org-name", "")
    leader.fill("#org-notes", "Moved to Salem")
    submit(leader, "form[action='/orgs/ode-eld/edit'] button[type=submit]")
    assert "fill this in" in leader.inner_text("#org-name-error")
    assert leader.get_attribute("#org-name", "aria-invalid") == "true"
    assert leader.input_value("#org-notes") == "Moved to Salem"
    leader.fill("#contact-new-role", "Hub liaison")
    submit(leader, "form.contact-new button[type=submit]")
    assert "fill this in" in leader.inner_text("#contact-new-name-error")
    assert leader.input_value("#contact-new-role") == "Hub liaison"
    leader.goto(f"{oregon.url}/orgs/ode-eld/evidence")
    leader.fill("#joint-program-name", "Reading Together")
    leader.fill(as_text_field(leader, "#joint-program-start"), "2024-02-30")
    leader.fill("#joint-program-partner_1", "Nowhere Agency")
    submit(leader, "form[action$='/joint-program'] button[type=submit]")
    assert "no organization is named 'Nowhere Agency'" in leader.inner_text(
        "#joint-program-partner_1-error"
    )
    assert "day value is outside expected range" in leader.inner_text("#joint-program-start-error")
    assert leader.input_value("#joint-program-name") == "Reading Together"
    assert record_counts(oregon.store) == before
    assert api(leader, oregon, "/api/v1/organizations/ode-eld") == focal
    assert api(leader, oregon, "/api/v1/joint-programs?org_id=ode-eld") == []


def test_a_candidate_whose_relationship_ended_says_so_and_offers_no_outreach(page, oregon):
    planner = signed_in_as(page, oregon, Role.PLANNER)
    address = f"{oregon.url}/orgs/ode-eld/missing-partners?profile=oregon-infant-toddler"
    planner.goto(address)
    row = planner.locator("tr[data-candidate-id]", has=planner.locator("form.outreach")).first
    candidate = row.get_attribute("data-candidate-id")
    oregon.store.create_relationship(
        RelationshipCreate(org_a="ode-eld", org_b=candidate, state="yellow", reason="tried"),
        assessed_by="Lee",
    )
    rel_id = relationship_id("ode-eld", candidate)
    oregon.store.end_relationship(rel_id, RelationshipEnd(reason="program closed"), ended_by="Lee")
    today = days_from_today(0).isoformat()
    planner.goto(address)
    rows = planner.locator(f"tr[data-candidate-id='{candidate}']")
    assert rows.count() >= 1
    for index in range(rows.count()):
        assert f"relationship ended on {today}" in rows.nth(index).inner_text()
        assert rows.nth(index).locator("form.outreach").count() == 0
    assert api(planner, oregon, f"/api/v1/relationships/{rel_id}")["ended_on"] == today
    planned = api(planner, oregon, f"/api/v1/engagements?org_id={candidate}&status=planned")
    assert not [e for e in planned["items"] if e["kind"] == "outreach"]


FORM_ROUTES = [
    ("/relationships/" + REL + "/assess", {"state": "red", "reason": "forged"}),
    ("/relationships/" + REL + "/end", {"reason": "forged"}),
    ("/orgs/ode-eld/partners/new", {"partner": "Child Systems", "state": "red", "reason": "x"}),
    ("/orgs/ode-eld/engagements/new", {"kind": "meeting", "title": "x", "date": "2020-01-01"}),
    ("/orgs/ode-eld/engagements/or-2017-07-01-tribal-outreach", {"title": "forged"}),
    ("/orgs/ode-eld/outreach", {"candidate": "oha-child-systems"}),
    ("/orgs/ode-eld/edit", {"name": "Forged"}),
    ("/orgs/ode-eld/contacts/new", {"name": "Forged", "role": "x"}),
    (
        "/orgs/ode-eld/evidence/joint-program",
        {"name": "x", "start": "2020-01-01", "partner_1": "Child Systems"},
    ),
    ("/my/referrals/new", {"case_ref": "QX-7741", "to_name": "Child Systems", "consent": "on"}),
    ("/my/referrals/or-demo-ref-01/events", {"status": "closed"}),
    ("/import", {"format": "spreadsheet"}),
    ("/orgs/ode-eld/surveys", {"title": "forged", "closes_on": "2030-01-01"}),
]
"""Every form that writes, filled in as a forger would; an admin may post each of them, so a
refusal can only be the forgery's."""


@pytest.fixture
def hostile_forms() -> Iterator[int]:
    """A site whose page ``/N`` posts the form of the ``N``th write route as soon as it opens,
    with a made-up CSRF token; its address is given as ``?to=`` the service's URL."""

    def form_page(path: str) -> bytes:
        number, _, target = path.lstrip("/").partition("?to=")
        action, fields = FORM_ROUTES[int(number)]
        inputs = "".join(
            f'<input name="{name}" value="{value}">'
            for name, value in {**fields, "csrf_token": "guessed"}.items()
        )
        return (
            f'<form method="post" action="{target}{action}">{inputs}</form>'
            "<script>document.forms[0].submit()</script>"
        ).encode()

    with other_site(form_page) as port:
        yield port


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"], ids=["other-origin", "other-port"])
def test_a_page_on_another_site_cannot_post_any_form_with_the_victims_session(
    page, oregon, hostile_forms, host
):
    admin = signed_in_as(page, oregon, Role.ADMIN)
    before = record_counts(oregon.store)
    for number, (action, _) in enumerate(FORM_ROUTES):
        with admin.expect_response(
            lambda r, action=action: r.request.method == "POST" and action in r.url
        ) as answer:
            admin.goto(f"http://{host}:{hostile_forms}/{number}?to={oregon.url}")
        assert answer.value.status in (401, 403), action
    assert record_counts(oregon.store) == before
    assert oregon.store.get_relationship(REL).state.value == "green"
    assert oregon.store.get_organization("ode-eld").name.startswith("Oregon Department")


FORM_PAGES = [
    f"/relationships/{REL}",
    "/orgs/ode-eld/partners/new",
    "/orgs/ode-eld/engagements/new",
    "/orgs/ode-eld/engagements/or-2017-07-01-tribal-outreach",
    "/orgs/ode-eld/edit",
    "/orgs/ode-eld/evidence",
]


@pytest.mark.parametrize("path", FORM_PAGES)
@pytest.mark.parametrize("width", [1280, 375])
def test_the_form_pages_pass_axe_and_fit_the_width(page, oregon, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{oregon.url}{path}")
    assert blocking_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    name = path.strip("/").replace("/", "_").replace("~", "-")
    screenshot(page, f"form-{name}-{width}")
