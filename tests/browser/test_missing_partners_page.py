"""The missing-partners page in headless Chromium, on the Oregon seed."""

from __future__ import annotations

import pytest

from graph_models import (
    OrganizationCreate,
    ProfileCreate,
    RelationshipCreate,
    RelationshipState,
)
from graph_models.common import stored_text
from service.data.seeds import load_seed
from tests.browser.conftest import screenshot

OREGON = "oregon-infant-toddler"


@pytest.fixture
def oregon(live_server):
    load_seed(live_server.store, "oregon")
    return live_server


def test_picking_a_profile_shows_the_same_missing_sectors_as_the_api(page, oregon):
    page.goto(f"{oregon.url}/orgs/ode-eld/missing-partners")
    assert "Early Learning Division" in page.locator("h1").inner_text()
    assert page.locator(".tile").count() == 0
    page.select_option("#profile", OREGON)
    page.click("form.profile-picker button")
    page.wait_for_selector(".tile")
    api = page.request.get(
        f"{oregon.url}/api/v1/organizations/ode-eld/missing-partners?profile={OREGON}"
    ).json()
    shown = page.locator(".tile[data-status=missing]").evaluate_all(
        "tiles => tiles.map(t => t.dataset.sector)"
    )
    assert shown == [entry["sector"] for entry in api["missing_sectors"]]
    assert shown == ["wic", "primary_care", "coordinated_care_organization", "library"]
    assert page.locator(".tile[data-sector=wic] .status-word").inner_text().lower() == "missing"
    wic = page.locator("section.gap[data-sector=wic] tr[data-candidate-id=or-local-wic-sites]")
    assert "Oregon Health Authority (OHA)" in wic.locator(".via").inner_text()
    assert wic.locator(".reason").inner_text().startswith("2 green partners work with them")
    assert wic.locator("a.ecomap-link").get_attribute("href") == "/orgs/or-local-wic-sites/ecomap"
    assert page.locator(".legend").inner_text().count(":") == 4
    screenshot(page, "missing-partners")


def test_names_with_markup_show_as_text_and_run_nothing(page, oregon):
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    store = oregon.store
    with stored_text():  # as a store may hold it from before markup was refused
        store.create_organization(
            OrganizationCreate(id="hostile-library", name=hostile, sector="library")
        )
        store.create_organization(OrganizationCreate(id="hostile-hub", name=hostile, sector="wic"))
        for a, b in (("ode-eld", "hostile-hub"), ("hostile-hub", "hostile-library")):
            store.create_relationship(
                RelationshipCreate(org_a=a, org_b=b, state=RelationshipState.GREEN, reason=hostile),
                assessed_by="t",
            )
        store.create_profile(ProfileCreate(name="hostile", label=hostile, sectors=["library"]))
    page.goto(f"{oregon.url}/orgs/ode-eld/missing-partners?profile=hostile")
    row = page.locator("tr[data-candidate-id=hostile-library]")
    assert row.locator(".candidate-name").inner_text() == hostile
    assert row.locator(".introducer").inner_text().startswith(hostile)
    assert hostile in row.locator(".reason").inner_text()
    assert page.locator("#profile option[value=hostile]").inner_text() == hostile
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("main img").count() == 0


def test_the_page_requests_nothing_from_another_host(page, oregon):
    page.goto(f"{oregon.url}/orgs/oha/missing-partners?profile={OREGON}")
    page.wait_for_load_state("networkidle")
    assert oregon.requested
    assert all(url.startswith(oregon.url) for url in oregon.requested)
    screenshot(page, "missing-partners-weak")


def test_an_unknown_organization_or_profile_is_said_plainly(page, oregon):
    response = page.goto(f"{oregon.url}/orgs/ghost/missing-partners")
    assert response is not None and response.status == 404
    assert page.locator(".error").inner_text() == "organization 'ghost' does not exist"
    response = page.goto(f"{oregon.url}/orgs/oha/missing-partners?profile=nope")
    assert response is not None and response.status == 404
    assert "profile 'nope' does not exist" in page.locator(".error").inner_text()


def test_before_a_profile_is_picked_every_profile_is_summed_up_with_its_gaps(page, oregon):
    page.goto(f"{oregon.url}/orgs/ode-eld/missing-partners")
    rows = page.locator("table.profile-overview tbody tr")
    profiles = page.request.get(f"{oregon.url}/api/v1/profiles").json()
    assert rows.count() == len(profiles)
    api = page.request.get(
        f"{oregon.url}/api/v1/organizations/ode-eld/missing-partners?profile={OREGON}"
    ).json()
    row = page.locator(f"table.profile-overview tr[data-profile={OREGON}]")
    assert row.locator(".count-missing").inner_text() == str(len(api["missing_sectors"]))
    assert row.locator(".count-weak").inner_text() == str(len(api["weak_sectors"]))
    screenshot(page, "missing-partners-overview")
    row.locator("a").click()
    page.wait_for_selector(".tile")
    assert page.locator("#profile").input_value() == OREGON
