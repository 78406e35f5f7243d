"""The map pages and their SVG exports over HTTP, on both stores."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

from graph_models import OrganizationCreate, RelationshipCreate, RelationshipState
from tests.conftest import add_orgs

HOSTILE = "<script>window.pwned=1</script>"


def hostile_pair(store) -> None:
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
