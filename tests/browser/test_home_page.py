"""The home page in headless Chromium."""

from __future__ import annotations

from graph_models import NetworkBundle, OrganizationCreate
from graph_models.common import stored_text
from service.network.pages import HOME_PAGE_SIZE
from service.settings import Settings
from tests.browser.conftest import screenshot, submit


def test_signing_in_with_a_token_opens_home_listing_the_organizations(page, live_server):
    live_server.store.create_organization(
        OrganizationCreate(id="wic-lane", name="WIC Lane County", sector="wic", region="Lane")
    )
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Organizations"
    assert page.locator("[data-org-id=wic-lane] .org-name").inner_text() == "WIC Lane County"
    assert "admin" in page.locator(".who").inner_text()
    screenshot(page, "home")


def test_a_name_with_markup_shows_as_text_and_runs_nothing(page, live_server):
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    with stored_text():  # as a store may hold it from before markup was refused
        live_server.store.create_organization(
            OrganizationCreate(id="hostile", name=hostile, sector="wic")
        )
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-org-id=hostile] .org-name").inner_text() == hostile
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("main img").count() == 0


def test_the_home_page_requests_nothing_from_another_host(page, live_server):
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    assert live_server.requested
    assert all(url.startswith(live_server.url) for url in live_server.requested)


def test_a_browser_without_a_session_is_told_how_to_sign_in(chromium, live_server):
    context = chromium.new_context()
    fresh = context.new_page()
    response = fresh.goto(f"{live_server.url}/")
    assert response is not None and response.status == 401
    assert "sign in" in fresh.locator(".error").inner_text()
    context.close()


def test_the_api_docs_load_every_asset_from_the_service(page, live_server):
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".opblock-tag", timeout=10000)
    assert "organizations" in page.locator(".opblock-tag").all_inner_texts()
    assert all(url.startswith(live_server.url) for url in live_server.requested)


def test_a_large_network_is_listed_a_page_at_a_time_and_found_by_name(page, live_server):
    count = HOME_PAGE_SIZE + 20
    live_server.store.import_bundle(
        NetworkBundle(
            name="many",
            title="Many",
            organizations=[
                OrganizationCreate(
                    id=f"wic-{number:04}",
                    name=f"WIC site {number:04}",
                    sector="wic",
                    region="Lane" if number % 2 else "Marion",
                )
                for number in range(count)
            ],
        )
    )
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-org-id]").count() == HOME_PAGE_SIZE
    assert (
        f"{count} organizations, 1\u2013{HOME_PAGE_SIZE} shown"
        in page.locator(".count").inner_text()
    )
    submit(page, "a[rel=next]")
    assert page.locator("[data-org-id]").count() == 20
    assert page.locator("a[rel=next]").count() == 0
    page.fill("#q", "site 0007")
    submit(page, "form.org-search button")
    assert page.locator("[data-org-id]").evaluate_all(
        "items => items.map(i => i.dataset.orgId)"
    ) == ["wic-0007"]
    page.goto(f"{live_server.url}/?region=Marion&sector=wic")
    assert "160 organizations found" in page.locator(".count").inner_text()
    assert page.locator("#sector").input_value() == "wic"
    page.goto(f"{live_server.url}/?q=nothing-like-this")
    assert "No organization matches" in page.locator("main").inner_text()


def test_signing_out_ends_the_session_and_home_asks_to_sign_in_again(page, live_server):
    page.goto(f"{live_server.url}/")
    page.click("form.sign-out button")
    page.wait_for_url(f"{live_server.url}/login")
    response = page.goto(f"{live_server.url}/")
    assert response is not None and response.status == 401
    assert "sign in" in page.locator(".error").inner_text()


def test_a_one_time_code_link_signs_a_browser_in_with_one_click(chromium, live_server):
    from service.access.sessions import issue_sign_in_code
    from tests.conftest import ADMIN_TOKEN

    code = issue_sign_in_code(ADMIN_TOKEN, live_server.store, Settings())
    context = chromium.new_context(viewport={"width": 375, "height": 700})
    fresh = context.new_page()
    fresh.goto(f"{live_server.url}/login?code={code}")
    screenshot(fresh, "login-with-code-375")
    fresh.click("form.sign-in button[type=submit]")
    fresh.wait_for_url(f"{live_server.url}/")
    assert "admin" in fresh.locator(".who").inner_text()
    screenshot(fresh, "home-signed-in-375")
    context.close()
