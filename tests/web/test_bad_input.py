"""Bad input on every route: refused with a 4xx that says what is wrong, nothing written, and
never a server error."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from graph_models import RelationshipCreate
from graph_models.common import MAX_OFFSET
from tests.conftest import add_orgs

HUGE_OFFSET = 10**19
"""Past what a 64-bit integer holds: the SQLite driver overflowed on it."""


def paginated_routes(client) -> list[str]:
    """Every GET route of the API whose list is paged with ``offset``."""
    paths = client.get("/openapi.json").json()["paths"]
    return sorted(
        path
        for path, operations in paths.items()
        if any(p["name"] == "offset" for p in operations.get("get", {}).get("parameters", []))
    )


def test_an_offset_past_any_list_is_refused_with_422_on_every_paginated_route(client, store):
    add_orgs(store, ("hub", "early_learning_hub"))
    routes = paginated_routes(client)
    assert len(routes) >= 7
    for path in (route.replace("{org_id}", "hub") for route in routes):
        refused = client.get(path, params={"offset": HUGE_OFFSET})
        assert refused.status_code == 422, path
        assert refused.json()["detail"] == (
            f"query.offset: Input should be less than or equal to {MAX_OFFSET}"
        )
        furthest = client.get(path, params={"offset": MAX_OFFSET})
        assert furthest.status_code == 200, (path, furthest.text)


def test_the_feedback_gaps_page_refuses_an_offset_past_any_list(client):
    assert client.get("/feedback-gaps", params={"offset": HUGE_OFFSET}).status_code == 422
    assert client.get("/feedback-gaps", params={"offset": MAX_OFFSET}).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("name", "Lane Hub\x07", "U+0007 at position 9"),
        ("name", "Lane\x1b[31mHub", "U+001B at position 5"),
        ("name", "Lane\nHub", "tab or line break (at position 5)"),
        ("region", "Lane\x00", "U+0000 at position 5"),
        ("notes", "called \x08 twice", "U+0008 at position 8"),
        ("notes", "bad \ufffe half", "U+FFFE at position 5"),
    ],
)
def test_control_characters_in_an_organization_are_refused_saying_where(
    client, field, value, where
):
    body = {"id": "lane-hub", "name": "Lane Hub", "sector": "wic", field: value}
    response = client.post(
        "/api/v1/organizations",
        content=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"body.{field}: holds a ")
    assert where in response.json()["detail"]
    assert client.get("/api/v1/organizations/lane-hub").status_code == 404


def test_notes_keep_their_line_breaks_and_tabs(client):
    body = {"id": "lane-hub", "name": "Lane Hub", "sector": "wic", "notes": "one\n\ttwo"}
    assert client.post("/api/v1/organizations", json=body).status_code == 201
    assert client.get("/api/v1/organizations/lane-hub").json()["notes"] == "one\n\ttwo"


def test_a_reason_with_a_control_character_is_refused_and_the_state_kept(client, store):
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"))
    created = store.create_relationship(
        RelationshipCreate(org_a="hub", org_b="wic", state="green", reason="met"),
        assessed_by="tester",
    )
    response = client.patch(
        f"/api/v1/relationships/{created.id}", json={"state": "red", "reason": "no\x07 reply"}
    )
    assert response.status_code == 422
    assert "body.reason: holds a control character (U+0007" in response.json()["detail"]
    assert client.get(f"/api/v1/relationships/{created.id}").json()["state"] == "green"


def test_a_search_with_a_control_character_is_refused(client):
    response = client.get("/api/v1/organizations", params={"q": "hub\x00"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("query.q: holds a control character (U+0000")


def test_the_svg_export_is_valid_xml_whatever_printable_names_an_organization_has(client, store):
    names = ("Hub <&> \"quoted\" 'single'", "Ünïcødé 早期 🌱", "No\u00a0break\u2028line")
    for n, name in enumerate(names):
        org_id = f"org-{n}"
        body = {"id": org_id, "name": name, "sector": "wic", "region": "Lane"}
        assert client.post("/api/v1/organizations", json=body).status_code == 201
    svg = client.get("/regions/Lane/map.svg")
    assert svg.status_code == 200
    texts = "".join(ElementTree.fromstring(svg.content).itertext())
    assert "Hub <&>" in texts and "🌱" in texts
