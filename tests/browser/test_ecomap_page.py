"""Eco-map and region-map pages in headless Chromium."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_models import (
    OrganizationCreate,
    RelationshipCreate,
    RelationshipState,
    RelationshipUpdate,
    Sector,
)
from graph_models.common import stored_text
from service.data.seeds import SEEDS_DIR, load_seed
from tests.browser.conftest import screenshot, submit

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
SVG = "{http://www.w3.org/2000/svg}"


def oregon() -> tuple[dict, dict]:
    """The Oregon seed and the sector catalog, read straight from their files."""
    network = json.loads((SEEDS_DIR / "oregon" / "network.json").read_text())
    catalog = json.loads((SEEDS_DIR / "catalog.json").read_text())
    return network, catalog


def drawn(page) -> dict:
    """What vis-network holds once the map is stable: node and edge counts, and ids by kind."""
    page.wait_for_selector("#map[data-stable=true]", timeout=15000)
    return page.evaluate(
        """() => {
            const map = window.stakeholderMap;
            const kinds = {};
            map.nodes.forEach((n) => { (kinds[n.kind] = kinds[n.kind] || []).push(n.id); });
            return {nodes: map.nodes.length, edges: map.edges.length, kinds: kinds,
                    stableAfterMs: map.stableAfterMs};
        }"""
    )


def test_the_oregon_ecomap_draws_the_agency_its_partners_and_empty_places_with_a_legend(
    page, live_server
):
    load_seed(live_server.store, "oregon")
    network, catalog = oregon()
    names = {org["id"]: org for org in network["organizations"]}
    partners = {
        rel["org_b"] if rel["org_a"] == "ode-eld" else rel["org_a"]
        for rel in network["relationships"]
        if "ode-eld" in (rel["org_a"], rel["org_b"])
    }
    profile = next(p for p in catalog["profiles"] if p["name"] == "oregon-infant-toddler")
    missing = set(profile["sectors"]) - {names[p]["sector"] for p in partners}

    page.goto(f"{live_server.url}/orgs/ode-eld/ecomap?profile=oregon-infant-toddler")
    map_ = drawn(page)
    assert map_["nodes"] == 1 + len(partners) + len(missing)
    assert map_["edges"] == len(partners)
    assert map_["kinds"]["focal"] == ["ode-eld"]
    assert set(map_["kinds"]["partner"]) == partners
    assert set(map_["kinds"]["missing_sector"]) == {f"missing:{s}" for s in missing}
    assert page.locator("h1 .focal-name").inner_text() == names["ode-eld"]["name"]
    legend = page.locator(".legend .legend-state").all_inner_texts()
    assert len(legend) == 4
    for word, line in (("keep", "solid"), ("improve", "dashed"), ("heal", "hashed")):
        assert any(word in text and line in text for text in legend)
    assert any("develop" in text for text in legend)
    assert page.locator("#map canvas").count() == 1
    screenshot(page, "ecomap")


def test_finding_a_partner_by_name_highlights_it_and_shows_its_details(page, live_server):
    load_seed(live_server.store, "oregon")
    page.goto(f"{live_server.url}/orgs/ode-eld/ecomap")
    drawn(page)
    page.fill("#find-node", "latino net")
    page.press("#find-node", "Enter")
    details = page.locator("#map-details").inner_text()
    assert details.splitlines()[0] == "Latino Network"
    assert "Green — keep: Keep positive involvement" in details
    assert "Partnership level not known" in details
    assert page.evaluate("window.stakeholderMap.network.getSelectedNodes()") == ["latino-network"]


def test_the_state_filter_and_the_as_of_date_picker_redraw_the_map(page, live_server):
    load_seed(live_server.store, "oregon")
    network, _ = oregon()
    histories = [
        rel["history"]
        for rel in network["relationships"]
        if "ode-eld" in (rel["org_a"], rel["org_b"])
    ]
    yellow_now = sum(1 for h in histories if h[-1]["state"] == "yellow")
    by_mid_2017 = sum(1 for h in histories if h[0]["assessed_at"] <= "2017-06-30T23:59:59Z")

    page.goto(f"{live_server.url}/orgs/ode-eld/ecomap")
    drawn(page)
    page.select_option("select[name=state]", "yellow")
    submit(page, ".map-filters button[type=submit]")
    assert drawn(page)["edges"] == yellow_now
    page.select_option("select[name=state]", "")
    page.fill("input[name=as_of]", "2017-06-30")
    submit(page, ".map-filters button[type=submit]")
    assert drawn(page)["edges"] == by_mid_2017
    assert "as of 2017-06-30" in page.locator(".summary").inner_text()


def hostile_network(store) -> None:
    """An agency and a partner whose names, sector label and reason hold markup."""
    with stored_text():  # as a store may hold it from before markup was refused
        store.upsert_sectors([Sector(slug="hostile_sector", label=HOSTILE)])
        store.create_organization(OrganizationCreate(id="focal", name=HOSTILE, sector="wic"))
        store.create_organization(
            OrganizationCreate(id="hostile", name=HOSTILE, sector="hostile_sector")
        )
        rel = store.create_relationship(
            RelationshipCreate(
                org_a="focal",
                org_b="hostile",
                state=RelationshipState.RED,
                reason=HOSTILE,
                assessed_at=datetime(2019, 1, 1, tzinfo=UTC),
            ),
            assessed_by=HOSTILE,
        )
        store.assess_relationship(
            rel.id,
            RelationshipUpdate(
                state=RelationshipState.YELLOW,
                reason=HOSTILE,
                assessed_at=datetime(2020, 1, 1, tzinfo=UTC),
            ),
            assessed_by=HOSTILE,
        )


def test_markup_in_names_and_reasons_stays_text_in_heading_menus_tooltip_details_and_changes(
    page, live_server
):
    hostile_network(live_server.store)
    page.goto(f"{live_server.url}/orgs/focal/ecomap?since=2019-06-01")
    drawn(page)
    assert page.locator("h1 .focal-name").inner_text() == HOSTILE
    assert page.title() == f"Eco-map of {HOSTILE}"
    page.focus("#find-node")
    assert page.locator("#map-names option").first.get_attribute("value") == HOSTILE
    assert page.locator("#map-table tr[data-org-id=hostile] td").first.inner_text() == HOSTILE
    assert page.locator("select[name=sector] option[value=hostile_sector]").inner_text() == HOSTILE
    assert page.locator(".changes .moved .org-name").inner_text() == HOSTILE
    assert page.locator(".changes .moved .reason").inner_text() == HOSTILE

    point = page.evaluate(
        """() => {
            const network = window.stakeholderMap.network;
            const box = document.getElementById('map').getBoundingClientRect();
            const at = network.canvasToDOM(network.getPositions(['hostile']).hostile);
            return {x: box.left + at.x, y: box.top + at.y};
        }"""
    )
    page.mouse.move(point["x"], point["y"])
    page.mouse.move(point["x"] + 1, point["y"] + 1)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5000)
    assert tooltip.inner_text().splitlines()[0] == HOSTILE
    page.mouse.click(point["x"], point["y"])
    assert page.locator("#map-details").inner_text().splitlines()[0] == HOSTILE

    assert page.evaluate("window.pwned === undefined")
    assert page.locator("main img, main script:not([src]):not([type])").count() == 0
    assert page.locator("div.vis-tooltip img, #map-details *").count() == 0
    screenshot(page, "ecomap-hostile-markup")


def test_the_svg_export_keeps_markup_in_names_as_text(page, live_server):
    hostile_network(live_server.store)
    page.goto(f"{live_server.url}/orgs/focal/ecomap")
    href = page.locator("#export-svg").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    root = ET.fromstring(response.body())
    assert root.find(f"{SVG}title").text == f"Eco-map of {HOSTILE}"
    assert root.find(f".//{SVG}g[@data-id='hostile']/{SVG}title").text.startswith(HOSTILE)
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}img"))


def test_the_png_export_downloads_the_map_as_drawn(page, live_server):
    load_seed(live_server.store, "oregon")
    page.goto(f"{live_server.url}/orgs/ode-eld/ecomap")
    drawn(page)
    with page.expect_download() as download:
        page.click("#export-png")
    assert download.value.suggested_filename == "ecomap-ode-eld.png"
    content = Path(download.value.path()).read_bytes()
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(content) > 10_000
    # The picture holds the map with room above for the title and day, below for the legend.
    map_height, picture_height = page.evaluate(
        """() => [document.querySelector('#map canvas').height,
                  window.stakeholderMap.picture().height]"""
    )
    assert picture_height > map_height + 150
    data = json.loads(page.locator("#map-data").text_content())
    assert data["title"] == page.locator("h1").inner_text()
    assert data["subtitle"].startswith("As of ")
    assert [entry["text"].split(":")[0] for entry in data["legend"]] == [
        "Green",
        "Yellow",
        "Red",
        "No dot",
    ]


def test_the_map_pages_request_nothing_from_another_host(page, live_server):
    load_seed(live_server.store, "oregon")
    for path in ("/orgs/ode-eld/ecomap?depth=2", "/regions/Multnomah/map"):
        page.goto(f"{live_server.url}{path}")
        drawn(page)
        page.wait_for_load_state("networkidle")
    assert f"{live_server.url}/assets/vis-network/vis-network.min.js" in live_server.requested
    assert [url for url in live_server.requested if not url.startswith(live_server.url)] == []


def test_the_region_map_draws_every_organization_of_the_region_and_their_relationships(
    page, live_server
):
    load_seed(live_server.store, "oregon")
    network, _ = oregon()
    names = {org["id"]: org for org in network["organizations"]}
    members = {org_id for org_id, org in names.items() if org["region"] == "Multnomah"}
    inside = [
        rel
        for rel in network["relationships"]
        if rel["org_a"] in members and rel["org_b"] in members
    ]
    related = {rel[end] for rel in inside for end in ("org_a", "org_b")}
    page.goto(f"{live_server.url}/regions/Multnomah/map")
    map_ = drawn(page)
    assert (len(map_["kinds"]["organization"]), map_["edges"]) == (len(related), len(inside))
    apart = page.locator(".apart-list li").evaluate_all("items => items.map(i => i.dataset.orgId)")
    assert set(apart) == members - related
    assert page.locator("#map-table tbody tr").count() == len(related)
    assert page.locator("h1 .region-name").inner_text() == "Multnomah"
    assert page.locator(".legend .legend-state").count() == 4
    screenshot(page, "region-map")
    cbos = {o for o in members if names[o]["sector"] == "community_based_organization"}
    page.select_option("select[name=sector]", "community_based_organization")
    submit(page, ".map-filters button[type=submit]")
    cbo_map = drawn(page)
    shown = set(cbo_map["kinds"].get("organization", []))
    listed = page.locator(".apart-list li").evaluate_all("items => items.map(i => i.dataset.orgId)")
    assert shown | set(listed) == cbos


def test_the_home_page_leads_to_each_eco_map_and_region_map(page, live_server):
    load_seed(live_server.store, "oregon")
    page.goto(f"{live_server.url}/")
    submit(page, "[data-org-id=latino-network] a.org-name")
    assert page.locator("h1 .focal-name").inner_text() == "Latino Network"
    page.goto(f"{live_server.url}/")
    submit(page, "[data-org-id=latino-network] a.region")
    assert page.locator("h1 .region-name").inner_text() == "Multnomah"
