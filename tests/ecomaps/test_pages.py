"""The map pages and their SVG exports over HTTP, on both stores."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from urllib.parse import quote

from pypdf import PdfReader

from graph_models import (
    OrganizationCreate,
    RelationshipCreate,
    RelationshipState,
    RelationshipUpdate,
)
from graph_models.common import stored_text
from service.ecomaps.pages import LAYOUTS
from tests.conftest import add_orgs

HOSTILE = "<script>window.pwned=1</script>"


def hostile_pair(store) -> None:
    """A name with markup, as a store may hold it from before such names were refused: pages,
    drawings and exports still show it as text."""
    with stored_text():
        store.create_organization(OrganizationCreate(id="hub", name=HOSTILE, sector="wic"))
    add_orgs(store, ("wic", "wic"))
    store.create_relationship(
        RelationshipCreate(org_a="hub", org_b="wic", state=RelationshipState.RED, reason="r"),
        assessed_by="t",
    )


def test_the_eco_map_page_escapes_names_and_embeds_the_map_as_inert_json(client, store):
    hostile_pair(store)
    page = client.get("/orgs/hub/ecomap")
    assert page.status_code == 200
    assert HOSTILE not in page.text
    assert "Eco-map of &lt;script&gt;window.pwned=1&lt;/script&gt;" in page.text
    assert '"title": "\\u003cscript\\u003ewindow.pwned=1\\u003c/script\\u003e\\n' in page.text


def test_the_svg_exports_are_svg_files_with_the_names_as_text(client, store):
    hostile_pair(store)
    for path in ("/orgs/hub/ecomap.svg", "/regions/Lane/map.svg"):
        response = client.get(path)
        assert response.headers["content-type"] == "image/svg+xml"
        names = {text.text for text in ET.fromstring(response.content).iter() if text.text}
        assert "Wic" in names


def test_map_pages_say_what_is_wrong(client, store):
    hostile_pair(store)
    assert client.get("/orgs/nobody/ecomap").status_code == 404
    assert (
        "organization &#39;nobody&#39; does not exist" in client.get("/orgs/nobody/ecomap.svg").text
    )
    assert client.get("/regions/Atlantis/map").status_code == 404
    bad = client.get("/orgs/hub/ecomap", params={"state": "purple"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("query.state: Input should be 'green'")
    signed_out = client.get("/orgs/hub/ecomap", headers={"Authorization": ""})
    assert signed_out.status_code == 401
    assert "sign in" in signed_out.text


def test_blank_form_fields_count_as_left_out(client, store):
    hostile_pair(store)
    blank = {"as_of": "", "sector": "", "state": "", "profile": "", "since": ""}
    assert client.get("/orgs/hub/ecomap", params=blank).status_code == 200


def test_a_region_that_cannot_be_a_maps_address_is_refused_saying_why(client):
    for region in ("Lane/Douglas", "Lane\\Douglas", ".."):
        body = {"name": "Two county hub", "sector": "wic", "region": region}
        response = client.post("/api/v1/organizations", json=body)
        assert response.status_code == 422
        assert response.json()["detail"].startswith(
            "body.region: a region names its map's address (/regions/REGION/map), so it "
            "cannot hold '/'"
        )


def test_the_home_page_links_each_region_to_a_map_that_opens(client):
    region = "Lane & Douglas #2?"
    body = {"id": "two-county-hub", "name": "Two county hub", "sector": "wic", "region": region}
    assert client.post("/api/v1/organizations", json=body).status_code == 201
    link = f"/regions/{quote(region, safe='')}/map"
    assert f'href="{link}"' in client.get("/").text
    page = client.get(link)
    assert page.status_code == 200
    assert "Two county hub" in page.text


def organization(**fields) -> OrganizationCreate:
    """An organization whose name may hold markup, as an older store may."""
    with stored_text():
        return OrganizationCreate(**fields)


def typical_agency(store) -> dict[str, str]:
    """An agency with a dozen partners, one of each state at least, one name with markup:
    the relationship id by partner name."""
    store.create_organization(OrganizationCreate(id="hub", name="Valley Family Hub", sector="wic"))
    names = [f"Partner Number {n}" for n in range(11)] + [HOSTILE]
    relationships = {}
    for n, name in enumerate(names):
        store.create_organization(
            organization(id=f"p{n}", name=name, sector=("wic", "library")[n % 2])
        )
        relationships[name] = store.create_relationship(
            RelationshipCreate(
                org_a="hub", org_b=f"p{n}", state=list(RelationshipState)[n % 4], reason="r"
            ),
            assessed_by="t",
        ).id
    return relationships


def test_the_pdf_one_pager_of_a_typical_agency_is_one_page_naming_every_partner(client, store):
    names = typical_agency(store)
    response = client.get("/orgs/hub/ecomap.pdf", params={"since": "2020-01-01"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Eco-map of Valley Family Hub" in text
    for name in names:
        assert name in text
    for words in ("Legend", "Green: keep", "What changed since 2020-01-01", "Open loops"):
        assert words in text
    assert "Partner Number 3: added" in text


def test_a_second_opening_reuses_the_layout_and_a_change_to_the_map_lays_it_out_again(
    client, store
):
    relationships = typical_agency(store)
    client.get("/orgs/hub/ecomap")
    hits, misses = LAYOUTS.hits, LAYOUTS.misses
    client.get("/orgs/hub/ecomap")
    assert (LAYOUTS.hits, LAYOUTS.misses) == (hits + 1, misses)
    store.assess_relationship(
        relationships["Partner Number 0"],
        RelationshipUpdate(state=RelationshipState.RED, reason="fell out"),
        assessed_by="t",
    )
    page = client.get("/orgs/hub/ecomap")
    assert LAYOUTS.misses == misses + 1
    row = page.text.split('data-org-id="p0"')[1].split("</tr>")[0]
    assert "state-red" in row


def test_a_region_map_refuses_a_focus_outside_the_region(client, store):
    hostile_pair(store)
    response = client.get("/regions/Lane/map", params={"focus": "nobody"})
    assert response.status_code == 422
    assert "focus=nobody is not an organization of the region Lane" in response.text
    assert client.get("/regions/Lane/map", params={"group": "community"}).status_code == 200
    assert client.get("/regions/Lane/map", params={"group": "colour"}).status_code == 422


def star(store, partners: int) -> None:
    """A hub with ``partners`` partners, as many of them libraries as of the WIC sector."""
    store.create_organization(OrganizationCreate(id="hub", name="Hub", sector="wic"))
    for n in range(partners):
        sector = ("library", "wic")[n % 2]
        store.create_organization(
            OrganizationCreate(id=f"p{n}", name=f"Partner {n}", sector=sector)
        )
        store.create_relationship(
            RelationshipCreate(
                org_a="hub", org_b=f"p{n}", state=RelationshipState.GREEN, reason="r"
            ),
            assessed_by="t",
        )


def test_a_hub_page_holds_its_wedges_and_gives_a_sectors_partners_and_rows_on_request(
    client, store
):
    star(store, 160)
    page = client.get("/orgs/hub/ecomap")
    assert page.status_code == 200
    assert "Partner 1<" not in page.text  # no partner is in the page, only the sectors
    assert 'data-partners="/orgs/hub/ecomap/partners?"' in page.text
    assert "Libraries: 80 partners (80 green)" in page.text
    wedge = client.get("/orgs/hub/ecomap/partners", params={"sector": "library"})
    assert wedge.status_code == 200
    body = wedge.json()
    drawn = [body["nodes"]["first"]["partner/green"]["id"]] + [
        node["id"] for node in body["nodes"]["rest"]
    ]
    assert sorted(drawn) == sorted(f"p{n}" for n in range(0, 160, 2))
    assert body["rows"].count("<tr data-org-id=") == 80
    assert '<a href="/orgs/p0/ecomap">Partner 0</a>' in body["rows"]


def test_a_wedge_asked_for_without_a_sector_or_with_one_of_no_partner_is_refused_saying_why(
    client, store
):
    star(store, 160)
    missing = client.get("/orgs/hub/ecomap/partners")
    assert (missing.status_code, missing.json()["detail"]) == (
        422,
        "sector is missing: say the wedge of which sector to open",
    )
    empty = client.get("/orgs/hub/ecomap/partners", params={"sector": "tribe"})
    assert (empty.status_code, empty.json()["detail"]) == (
        422,
        "sector 'tribe' has no partner on this eco-map",
    )
    nobody = client.get("/orgs/nobody/ecomap/partners", params={"sector": "wic"})
    assert nobody.status_code == 404
