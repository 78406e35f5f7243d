"""Missing partners through the HTTP API, on the Oregon seed and on small networks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_models import (
    OrganizationCreate,
    ReferralCreate,
    RelationshipCreate,
    RelationshipState,
)
from service.data.seeds import load_seed
from tests.conftest import add_orgs

OREGON = "oregon-infant-toddler"


@pytest.fixture
def oregon(store):
    load_seed(store, "oregon")
    return store


def missing_partners(client, org_id: str, **params: object) -> dict:
    response = client.get(f"/api/v1/organizations/{org_id}/missing-partners", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def sectors(answer: dict, kind: str) -> list[str]:
    return [entry["sector"] for entry in answer[f"{kind}_sectors"]]


def candidates(answer: dict, kind: str, sector: str) -> list[dict]:
    (entry,) = [entry for entry in answer[f"{kind}_sectors"] if entry["sector"] == sector]
    return entry["candidates"]


def relate(store, a: str, b: str, state: RelationshipState) -> None:
    store.create_relationship(
        RelationshipCreate(org_a=a, org_b=b, state=state, reason="test"), assessed_by="t"
    )


def test_the_early_learning_division_misses_the_sectors_only_the_health_authority_engages(
    client, oregon
):
    answer = missing_partners(client, "ode-eld", profile=OREGON)
    assert sectors(answer, "missing") == [
        "wic",
        "primary_care",
        "coordinated_care_organization",
        "library",
    ]
    assert sectors(answer, "weak") == []
    assert sectors(answer, "fragile") == [
        "parents_families",
        "tribe",
        "early_intervention",
        "home_visiting",
        "parent_advocacy",
    ]
    assert answer["profile"]["name"] == OREGON
    assert answer["focal_org_ids"] == ["ode-eld"]


def test_oregon_candidates_come_with_their_introducers_and_a_reason(client, oregon):
    answer = missing_partners(client, "ode-eld", profile=OREGON)
    (wic,) = candidates(answer, "missing", "wic")
    assert wic["organization"]["id"] == "or-local-wic-sites"
    assert wic["score"] == 2.0
    assert [(i["org_id"], i["state"], i["their_state"]) for i in wic["via"]] == [
        ("or-early-learning-hubs", "green", "green"),
        ("oha", "green", "green"),
    ]
    assert wic["reason"].startswith("2 green partners work with them: Early Learning Hubs")
    assert wic["reason"].endswith("; same region (Statewide)")
    (pediatrics,) = candidates(answer, "missing", "primary_care")
    assert [i["org_id"] for i in pediatrics["via"]] == ["oha"]
    (library,) = candidates(answer, "missing", "library")
    assert library["organization"]["id"] == "multnomah-county-library-every-child"
    assert library["via"] == []
    assert library["reason"] == "no partner of ours works with them yet"


def test_the_health_authority_holds_coordinated_care_only_with_no_dot_partners(client, oregon):
    answer = missing_partners(client, "oha", profile=OREGON)
    (weak,) = answer["weak_sectors"]
    assert weak["sector"] == "coordinated_care_organization"
    assert {p["state"] for p in weak["partners"]} == {"no_dot"}
    assert weak["candidates"] == []
    assert "library" in sectors(answer, "missing")


def test_a_region_as_a_whole_pools_the_partners_of_its_organizations(client, oregon):
    response = client.get(
        "/api/v1/regions/Multnomah/missing-partners", params={"profile": OREGON, "limit": 1}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "latino-network" in answer["focal_org_ids"]
    assert answer["home_regions"] == ["Multnomah"]
    assert "library" in sectors(answer, "missing")
    assert sectors(answer, "covered") == ["community_based_organization", "state_agency"]
    (wic,) = candidates(answer, "missing", "wic")
    assert [i["org_id"] for i in wic["via"]] == ["oha"]


def test_organizations_nobody_of_ours_knows_fill_the_ranking_after_the_warm_ones(client, store):
    add_orgs(
        store,
        ("eld", "state_agency"),
        ("oha", "state_agency"),
        *[(f"wic-{n:02}", "wic") for n in range(30)],
    )
    for n in range(25):
        relate(store, "eld", f"wic-{n:02}", RelationshipState.RED)
    relate(store, "eld", "oha", RelationshipState.GREEN)
    relate(store, "oha", "wic-29", RelationshipState.GREEN)
    store.create_organization(
        OrganizationCreate(id="wic-coos", name="A WIC in Coos", sector="wic", region="Coos")
    )
    client.post(
        "/api/v1/profiles", json={"name": "wic-only", "label": "WIC only", "sectors": ["wic"]}
    )

    def ranked(limit: int) -> list[str]:
        answer = missing_partners(client, "eld", profile="wic-only", limit=limit)
        return [c["organization"]["id"] for c in candidates(answer, "weak", "wic")]

    assert ranked(1) == ["wic-29"]
    assert ranked(3) == ["wic-29", "wic-25", "wic-26"]
    assert ranked(100) == ["wic-29", "wic-25", "wic-26", "wic-27", "wic-28", "wic-coos"]


def test_organizations_we_exchange_referrals_with_rank_after_warm_ones_and_say_so(client, store):
    add_orgs(
        store,
        ("eld", "state_agency"),
        ("oha", "state_agency"),
        ("wic-a", "wic"),
        ("wic-b", "wic"),
        ("wic-c", "wic"),
        ("wic-warm", "wic"),
    )
    relate(store, "eld", "oha", RelationshipState.GREEN)
    relate(store, "oha", "wic-warm", RelationshipState.GREEN)
    relate(store, "oha", "wic-a", RelationshipState.GREEN)  # a partner's own referrals below
    for n, (from_org, to_org) in enumerate(
        [("eld", "wic-c"), ("wic-c", "eld"), ("eld", "wic-b"), ("oha", "wic-a")]
    ):
        store.create_referral(
            ReferralCreate(
                id=f"ref-{n}",
                case_ref=f"case-{n}",
                from_org=from_org,
                to_org=to_org,
                sent_at=datetime(2024, 3, n + 1, tzinfo=UTC),
                consent=True,
            ),
            recorded_by="Case worker",
        )
    client.post(
        "/api/v1/profiles", json={"name": "wic-only", "label": "WIC only", "sectors": ["wic"]}
    )

    answer = missing_partners(client, "eld", profile="wic-only")

    found = candidates(answer, "missing", "wic")
    assert [(c["organization"]["id"], c["referrals"]) for c in found] == [
        ("wic-a", 0),
        ("wic-warm", 0),
        ("wic-c", 2),
        ("wic-b", 1),
    ]
    assert found[2]["reason"] == "same region (Lane); 2 referrals with us"


def test_an_unknown_profile_gets_404_with_where_to_find_the_profiles(client, oregon):
    response = client.get("/api/v1/organizations/ode-eld/missing-partners?profile=nope")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "profile 'nope' does not exist; GET /api/v1/profiles lists them"
    )


def test_a_profile_naming_an_unknown_sector_is_refused_and_cannot_be_asked_about(client, oregon):
    created = client.post(
        "/api/v1/profiles",
        json={"name": "space", "label": "Space", "sectors": ["wic", "astronaut"]},
    )
    assert created.status_code == 422
    assert "sector 'astronaut' is not known" in created.json()["detail"]
    asked = client.get("/api/v1/organizations/ode-eld/missing-partners?profile=space")
    assert asked.status_code == 404


def test_an_unknown_organization_or_region_gets_404(client, oregon):
    org = client.get("/api/v1/organizations/ghost/missing-partners", params={"profile": OREGON})
    assert org.status_code == 404
    assert org.json()["detail"] == "organization 'ghost' does not exist"
    region = client.get("/api/v1/regions/Atlantis/missing-partners", params={"profile": OREGON})
    assert region.status_code == 404
    assert region.json()["detail"].startswith("no organization is in region 'Atlantis'")


def test_the_profile_is_required_and_the_limit_is_capped(client, oregon):
    url = "/api/v1/organizations/ode-eld/missing-partners"
    no_profile = client.get(url)
    assert no_profile.status_code == 422
    assert no_profile.json()["detail"] == "query.profile: Field required"
    too_many = client.get(url, params={"profile": OREGON, "limit": 101})
    assert too_many.status_code == 422
    assert too_many.json()["detail"] == "query.limit: Input should be less than or equal to 100"


def test_a_collaborative_as_a_whole_pools_the_partners_of_its_members(client, oregon):
    created = client.post(
        "/api/v1/collaboratives",
        json={
            "name": "Infant Toddler Steering Group",
            "scope": "state",
            "governance": "co-chaired by ELD and OHA",
            "member_org_ids": ["ode-eld", "oha"],
            "start": "2017-07-01",
        },
    )
    assert created.status_code == 201, created.text
    response = client.get(
        f"/api/v1/collaboratives/{created.json()['id']}/missing-partners",
        params={"profile": OREGON},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert sorted(answer["focal_org_ids"]) == ["ode-eld", "oha"]
    assert sectors(answer, "missing") == ["library"]
    assert sectors(answer, "weak") == ["coordinated_care_organization"]


def test_an_unknown_collaborative_gets_404(client, oregon):
    response = client.get(
        "/api/v1/collaboratives/nope/missing-partners", params={"profile": OREGON}
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "collaborative 'nope' does not exist"
