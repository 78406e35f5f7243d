"""A fresh data directory takes organizations at once: the first start loads the sector
catalog (``seeds/catalog.json``) into a store that has no sector yet."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from service.app import create_app
from service.data.seeds import read_catalog
from tests.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_a_fresh_serve_on_an_empty_data_directory_lists_the_catalog_and_takes_an_organization(
    fresh_service,
):
    catalog = read_catalog()
    sectors = httpx.get(f"{fresh_service.url}/api/v1/sectors", headers=ADMIN).json()
    assert sorted(s["slug"] for s in sectors) == sorted(s.slug for s in catalog.sectors)
    profiles = httpx.get(f"{fresh_service.url}/api/v1/profiles", headers=ADMIN).json()
    assert sorted(p["name"] for p in profiles) == sorted(p.name for p in catalog.profiles)
    created = httpx.post(
        f"{fresh_service.url}/api/v1/organizations",
        headers=ADMIN,
        json={"name": "Lane County WIC", "sector": "wic", "region": "Lane"},
    )
    assert created.status_code == 201, created.text
    home = httpx.get(f"{fresh_service.url}/", headers=ADMIN)
    assert "Lane County WIC" in home.text


def test_the_first_start_of_an_empty_store_loads_the_catalog_and_later_starts_keep_what_is_there(
    settings,
):
    with TestClient(create_app(settings)) as first:
        first.headers.update(ADMIN)
        assert len(first.get("/api/v1/sectors").json()) == len(read_catalog().sectors)
        profile = {"name": "our-table", "label": "Our table", "sectors": ["wic", "library"]}
        assert first.post("/api/v1/profiles", json=profile).status_code == 201
    with TestClient(create_app(settings)) as again:
        again.headers.update(ADMIN)
        names = [p["name"] for p in again.get("/api/v1/profiles").json()]
        assert "our-table" in names
        assert len(names) == len(read_catalog().profiles) + 1
