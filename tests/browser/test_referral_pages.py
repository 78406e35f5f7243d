"""The case page and the feedback-gap page in headless Chromium."""

from __future__ import annotations

from datetime import UTC, datetime

from graph_models import OrganizationCreate, ReferralCreate, ReferralEventCreate
from graph_models.common import stored_text
from service.data.seeds import load_seed
from tests.browser.conftest import screenshot

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def test_the_case_page_draws_the_path_in_order_and_marks_the_open_loops(page, live_server):
    load_seed(live_server.store, "oregon")
    page.goto(f"{live_server.url}/cases/OR-DEMO-01")
    assert page.locator("h1").inner_text() == "Case OR-DEMO-01"
    assert page.locator("[data-summary=directions]").inner_text() == "pointed in 2 directions"
    # Both referrals were answered here: enrolled is the report back.
    assert page.locator("[data-summary=open-loops]").inner_text() == "0 open loops"
    lanes = page.locator("svg .lane").evaluate_all("gs => gs.map(g => g.dataset.orgId)")
    assert lanes == ["oregon-pediatric-society", "or-local-esds", "or-state-funded-home-visiting"]
    arrows = page.locator("svg .arrow")
    assert arrows.evaluate_all("gs => gs.map(g => g.getAttribute('class'))") == [
        "arrow loop-closed",
        "arrow loop-closed",
    ]
    assert (
        "closed after 18.2 days" in page.locator("tr[data-referral-id=or-demo-ref-01]").inner_text()
    )
    assert page.locator(".legend").inner_text().startswith("loop closed")
    screenshot(page, "case")
    page.goto(f"{live_server.url}/cases/OR-DEMO-04")
    assert page.locator("[data-summary=open-loops]").inner_text() == "1 open loop"
    open_loop = page.locator(".open-loops li")
    assert open_loop.get_attribute("data-referral-id") == "or-demo-ref-07"
    assert "overdue" in open_loop.inner_text()
    assert page.locator("svg .arrow").get_attribute("class") == "arrow loop-overdue"


def test_a_re_referral_is_marked_on_the_case_page(page, live_server):
    load_seed(live_server.store, "oregon")
    page.goto(f"{live_server.url}/cases/OR-DEMO-02")
    first = page.locator("tr[data-referral-id=or-demo-ref-03]")
    assert "closed after 25.2 days" in first.inner_text()
    assert "re-referral" in page.locator("tr[data-referral-id=or-demo-ref-04]").inner_text()
    assert page.locator("[data-summary=directions]").inner_text() == "pointed in 1 direction"


def test_the_feedback_gap_page_ranks_the_links_that_never_report_back(page, live_server):
    load_seed(live_server.store, "oregon")
    page.goto(f"{live_server.url}/feedback-gaps")
    assert page.locator("h1").inner_text() == "Feedback gaps"
    assert page.locator("[data-figure=sent]").inner_text() == "9"
    assert page.locator("[data-figure=closed]").inner_text() == "8"
    assert page.locator("[data-figure=overdue]").inner_text() == "1"
    first_pairs = page.locator("table.pairs tbody tr").evaluate_all(
        "rows => rows.slice(0, 2).map(r => r.dataset.pair)"
    )
    # The one link that never reported back first, then the busiest of those that did.
    assert first_pairs == [
        "oregon-pediatric-society→or-local-wic-sites",
        "latino-network→or-state-funded-home-visiting",
    ]
    assert page.locator("tr[data-stage=enrolled] td.count").first.inner_text() == "4"
    assert "OR-DEMO" not in page.locator("main").inner_text()
    screenshot(page, "feedback-gaps")


def test_names_with_markup_show_as_text_on_both_pages_and_run_nothing(page, live_server):
    store = live_server.store
    with stored_text():  # as a store may hold it from before markup was refused
        store.create_organization(OrganizationCreate(id="hostile", name=HOSTILE, sector="wic"))
        store.create_organization(
            OrganizationCreate(id="clinic", name="Clinic", sector="primary_care")
        )
        store.create_referral(
            ReferralCreate(
                id="r1",
                case_ref="C-1",
                from_org="clinic",
                to_org="hostile",
                sent_at=datetime(2018, 1, 5, tzinfo=UTC),
                consent=True,
            ),
            recorded_by=HOSTILE,
        )
        store.add_referral_event(
            "r1",
            ReferralEventCreate(status="received", at=datetime(2018, 1, 6, tzinfo=UTC)),
            recorded_by=HOSTILE,
        )
    page.goto(f"{live_server.url}/cases/C-1")
    assert page.locator("tr[data-referral-id=r1] td.org-name").nth(1).inner_text() == HOSTILE
    assert page.locator("svg .lane[data-org-id=hostile] title").text_content() == HOSTILE
    page.goto(f"{live_server.url}/feedback-gaps")
    assert page.locator("tr[data-org-id=hostile] .org-name").inner_text() == HOSTILE
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("main img, main script").count() == 0


def test_the_referral_pages_request_nothing_from_another_host(page, live_server):
    load_seed(live_server.store, "oregon")
    for path in ("/cases/OR-DEMO-03", "/feedback-gaps?org_id=latino-network"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert any(url.endswith("/static/referrals.css") for url in live_server.requested)
    assert all(url.startswith(live_server.url) for url in live_server.requested)


def test_a_case_nobody_may_see_is_a_page_that_says_so(page, live_server):
    response = page.goto(f"{live_server.url}/cases/NOBODY-1")
    assert response is not None and response.status == 404
    assert page.locator(".error").inner_text() == "case 'NOBODY-1' has no referrals you may see"


def test_a_case_ref_that_may_name_a_family_is_a_page_that_says_why(page, live_server):
    response = page.goto(f"{live_server.url}/cases/Jane%20Doe%202019-04-03")
    assert response is not None and response.status == 422
    assert (
        page.locator(".error")
        .inner_text()
        .startswith("a case_ref holds no spaces (it may be a person's name)")
    )
