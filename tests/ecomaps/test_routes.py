"""Eco-maps, what changed on them, and region maps through HTTP, on a history built here.

The history of the hub "hub" (an early learning hub in Lane):

- wic: red on 2019-01-10 ("missed two meetings"), yellow on 2019-06-01 ("joint clinic days"),
  green on 2020-02-01 ("shared outreach plan");
- ei (early intervention): no_dot on 2019-03-01, then yellow on 2020-03-15;
- lib (a library in Marion): green on 2020-01-20;
- ei and clinic (primary care): green on 2019-05-01.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from graph_models.common import AsOf
from graph_models.ecomaps import EcoMap
from service.ecomaps.service import load_ecomap
from tests.conftest import add_orgs

ESCAPED_REASON = '"shared" & outreach plan; waitlist < 30 days \\ 2 staff'


@pytest.fixture
def history(client, store):
    add_orgs(
        store,
        ("hub", "early_learning_hub"),
        ("wic", "wic"),
        ("ei", "early_intervention"),
        ("clinic", "primary_care"),
    )
    client.post("/api/v1/organizations", json={"id": "lib", "name": "Lib", "sector": "library"})
    client.patch("/api/v1/organizations/lib", json={"region": "Marion"})

    def relate(a: str, b: str, state: str, reason: str, at: str) -> str:
        body = {"org_a": a, "org_b": b, "state": state, "reason": reason, "assessed_at": at}
        response = client.post("/api/v1/relationships", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def assess(rel_id: str, state: str, reason: str, at: str) -> None:
        body = {"state": state, "reason": reason, "assessed_at": at}
        assert client.patch(f"/api/v1/relationships/{rel_id}", json=body).status_code == 200

    wic = relate("hub", "wic", "red", "missed two meetings", "2019-01-10T10:00:00Z")
    assess(wic, "yellow", "joint clinic days", "2019-06-01T15:00:00Z")
    assess(wic, "green", ESCAPED_REASON, "2020-02-01T09:00:00Z")
    ei = relate("hub", "ei", "no_dot", "not yet met", "2019-03-01T09:00:00Z")
    assess(ei, "yellow", "first joint screening", "2020-03-15T09:00:00Z")
    relate("lib", "hub", "green", "story time for toddlers", "2020-01-20T09:00:00Z")
    relate("ei", "clinic", "green", "co-located screening", "2019-05-01T09:00:00Z")


def partners(client, **params) -> dict[str, str]:
    response = client.get("/api/v1/organizations/hub/ecomap", params=params)
    assert response.status_code == 200, response.text
    return {p["organization"]["id"]: p["state"] for p in response.json()["partners"]}


def test_the_ecomap_lists_each_partner_with_state_level_referrals_and_open_loops(client, history):
    body = client.get("/api/v1/organizations/hub/ecomap").json()
    assert body["focal"]["id"] == "hub"
    assert (body["depth"], body["as_of"], body["missing_sectors"]) == (1, None, [])
    wic = next(p for p in body["partners"] if p["organization"]["id"] == "wic")
    assert wic == {
        "organization": {
            "id": "wic",
            "name": "Wic",
            "sector": "wic",
            "region": "Lane",
            "internal": False,
        },
        "relationship_id": "hub~wic",
        "state": "green",
        "action": "keep",
        "state_since": "2020-02-01T09:00:00Z",
        "first_assessed_at": "2019-01-10T10:00:00Z",
        "partnership_level": None,
        "referrals_sent": 0,
        "referrals_received": 0,
        "open_loops": 0,
    }
    assert partners(client) == {"ei": "yellow", "lib": "green", "wic": "green"}


def test_as_of_answers_from_the_history_as_it_stood_at_the_end_of_that_day(client, history):
    assert partners(client, as_of="2019-05-31") == {"ei": "no_dot", "wic": "red"}
    assert partners(client, as_of="2019-06-01") == {"ei": "no_dot", "wic": "yellow"}
    assert partners(client, as_of="2020-01-20") == {"ei": "no_dot", "lib": "green", "wic": "yellow"}
    assert partners(client, as_of="2018-12-31") == {}
    body = client.get("/api/v1/organizations/hub/ecomap", params={"as_of": "2019-06-01"}).json()
    assert body["as_of"] == "2019-06-01T23:59:59.999999Z"


def test_depth_two_adds_partners_of_partners(client, history):
    body = client.get("/api/v1/organizations/hub/ecomap", params={"depth": 2}).json()
    assert [(p["organization"]["id"], p["via"]) for p in body["partners_of_partners"]] == [
        ("clinic", [{"partner_id": "ei", "relationship_id": "clinic~ei", "state": "green"}])
    ]


def test_a_profile_adds_its_sectors_that_have_no_partner(client, history):
    profile = {"name": "hub-plan", "label": "Hub plan", "sectors": ["wic", "state_agency"]}
    assert client.post("/api/v1/profiles", json=profile).status_code == 201
    body = client.get("/api/v1/organizations/hub/ecomap", params={"profile": "hub-plan"}).json()
    assert body["profile"] == "hub-plan"
    assert body["missing_sectors"] == [{"sector": "state_agency", "label": "State agencies"}]


@pytest.mark.parametrize(
    "params",
    [{}, {"depth": 2}, {"as_of": "2019-12-31"}, {"profile": "hub-plan"}],
    ids=["now", "depth two", "as of a day", "with a profile"],
)
def test_the_route_writes_the_eco_map_byte_for_byte_as_its_model_would(
    client, store, history, params
):
    profile = {"name": "hub-plan", "label": "Hub plan", "sectors": ["wic", "state_agency"]}
    assert client.post("/api/v1/profiles", json=profile).status_code == 201
    response = client.get("/api/v1/organizations/hub/ecomap", params=params)

    as_of = AsOf.of(date.fromisoformat(params["as_of"]) if "as_of" in params else None)
    options = {"depth": params.get("depth", 1), "as_of": as_of, "profile": params.get("profile")}
    model = load_ecomap(store, "hub", **options)
    assert response.content == model.model_dump_json().encode()
    assert EcoMap.model_validate_json(response.content) == model


def test_what_changed_since_a_date_lists_moves_with_when_and_why(client, history):
    response = client.get(
        "/api/v1/organizations/hub/ecomap/changes", params={"since": "2019-06-01"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [
        (m["organization"]["id"], m["from_state"], m["to_state"], m["at"], m["reason"])
        for m in body["moved"]
    ] == [
        ("ei", "no_dot", "yellow", "2020-03-15T09:00:00Z", "first joint screening"),
        ("wic", "red", "green", "2020-02-01T09:00:00Z", ESCAPED_REASON),
    ]
    assert [(a["organization"]["id"], a["state"], a["reason"]) for a in body["added"]] == [
        ("lib", "green", "story time for toddlers")
    ]
    assert body["gone"] == []
    assert body["since"] == "2019-05-31T23:59:59.999999Z"


def test_a_change_on_the_day_given_counts_as_since_that_day(client, history):
    body = client.get(
        "/api/v1/organizations/hub/ecomap/changes", params={"since": "2020-02-01"}
    ).json()
    assert [(m["organization"]["id"], m["from_state"], m["to_state"]) for m in body["moved"]] == [
        ("ei", "no_dot", "yellow"),
        ("wic", "yellow", "green"),
    ]
    assert body["added"] == []


def test_nothing_changed_since_the_last_assessment(client, history):
    body = client.get(
        "/api/v1/organizations/hub/ecomap/changes", params={"since": "2020-03-16"}
    ).json()
    assert (body["added"], body["gone"], body["moved"]) == ([], [], [])


def test_the_sector_summary_counts_partners_by_sector_and_state_with_their_referrals(
    client, history
):
    client.post(
        "/api/v1/referrals",
        json={
            "case_ref": "C-1001",
            "from_org": "hub",
            "to_org": "wic",
            "sent_at": "2020-03-01T10:00:00Z",
            "consent": True,
        },
    )
    response = client.get("/api/v1/organizations/hub/ecomap/sectors")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["focal"]["id"], body["partners"]) == ("hub", 3)
    assert body["states"] == {"green": 2, "yellow": 1, "red": 0, "no_dot": 0}
    wic = next(sector for sector in body["sectors"] if sector["sector"] == "wic")
    assert wic["partners"] == 1
    assert wic["states"] == {"green": 1, "yellow": 0, "red": 0, "no_dot": 0}
    assert (wic["referrals_sent"], wic["referrals_received"], wic["open_loops"]) == (1, 0, 1)
    then = client.get("/api/v1/organizations/hub/ecomap/sectors", params={"as_of": "2019-12-31"})
    assert [(s["sector"], s["states"]["yellow"]) for s in then.json()["sectors"]] == [
        ("early_intervention", 0),
        ("wic", 1),
    ]


def test_the_partners_of_one_sector_come_on_request_a_page_at_a_time(client, history):
    assert partners(client, sector="wic") == {"wic": "green"}
    assert list(partners(client, limit=2)) == ["ei", "lib"]
    assert list(partners(client, limit=2, offset=2)) == ["wic"]
    assert partners(client, sector="library", offset=1) == {}
    whole = client.get("/api/v1/organizations/hub/ecomap", params={"depth": 2, "sector": "wic"})
    # Partners of partners and missing sectors stay those of the whole map.
    assert [p["organization"]["id"] for p in whole.json()["partners_of_partners"]] == ["clinic"]


def test_a_partner_is_found_by_a_part_of_its_name_in_any_case(client, history):
    assert partners(client, q="LI") == {"lib": "green"}
    assert partners(client, q="i", sector="early_intervention") == {"ei": "yellow"}
    assert partners(client, q="bakery") == {}
    too_long = client.get("/api/v1/organizations/hub/ecomap", params={"q": "x" * 201})
    assert too_long.status_code == 422
    assert too_long.json()["detail"].startswith("query.q: String should have at most 200")


def test_the_sector_summary_gives_the_highest_partnership_level_of_each_sector(client, history):
    client.post(
        "/api/v1/joint-programs",
        json={"name": "Play and learn", "org_ids": ["hub", "lib"], "start": "2020-01-01"},
    )
    sectors = client.get("/api/v1/organizations/hub/ecomap/sectors").json()["sectors"]
    assert {s["sector"]: s["partnership_level"] for s in sectors} == {
        "library": 3,
        "wic": None,
        "early_intervention": None,
    }


def test_bad_eco_map_requests_say_what_is_wrong(client, history):
    unknown = client.get("/api/v1/organizations/nobody/ecomap")
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "organization 'nobody' does not exist",
    )
    deep = client.get("/api/v1/organizations/hub/ecomap", params={"depth": 3})
    assert deep.status_code == 422
    assert deep.json()["detail"] == "query.depth: Input should be less than or equal to 2"
    profile = client.get("/api/v1/organizations/hub/ecomap", params={"profile": "nope"})
    assert profile.status_code == 404
    assert "profile 'nope' does not exist" in profile.json()["detail"]
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    future = client.get("/api/v1/organizations/hub/ecomap/changes", params={"since": tomorrow})
    assert future.status_code == 422
    assert future.json()["detail"] == f"since={tomorrow} is in the future; give a past date"
    missing = client.get("/api/v1/organizations/hub/ecomap/changes")
    assert missing.json()["detail"] == "query.since: Field required"
    sector = client.get("/api/v1/organizations/hub/ecomap", params={"sector": "bakery"})
    assert (sector.status_code, sector.json()["detail"]) == (
        422,
        "sector 'bakery' is not known; GET /api/v1/sectors lists the known sectors",
    )
    page = client.get("/api/v1/organizations/hub/ecomap", params={"limit": 0})
    assert page.status_code == 422
    assert page.json()["detail"] == "query.limit: Input should be greater than or equal to 1"
    nobody = client.get("/api/v1/organizations/nobody/ecomap/sectors")
    assert (nobody.status_code, nobody.json()["detail"]) == (
        404,
        "organization 'nobody' does not exist",
    )


def test_a_region_map_draws_the_organizations_of_the_region_and_their_relationships(
    client, history
):
    body = client.get("/api/v1/regions/Lane/map").json()
    assert [o["id"] for o in body["organizations"]] == ["clinic", "ei", "hub", "wic"]
    assert [(r["id"], r["state"]) for r in body["relationships"]] == [
        ("clinic~ei", "green"),
        ("ei~hub", "yellow"),
        ("hub~wic", "green"),
    ]
    then = client.get("/api/v1/regions/Lane/map", params={"as_of": "2019-04-01"}).json()
    assert [(r["id"], r["state"]) for r in then["relationships"]] == [
        ("ei~hub", "no_dot"),
        ("hub~wic", "red"),
    ]
    unknown = client.get("/api/v1/regions/Atlantis/map")
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "no organization is in the region 'Atlantis'",
    )


def test_a_partner_with_partnership_evidence_has_its_level_as_of_the_day_asked(client, history):
    agreement = {
        "kind": "information_sharing",
        "org_ids": ["hub", "wic"],
        "start": "2019-07-01",
    }
    assert client.post("/api/v1/agreements", json=agreement).status_code == 201

    def levels(**params: str) -> dict[str, int | None]:
        body = client.get("/api/v1/organizations/hub/ecomap", params=params).json()
        return {p["organization"]["id"]: p["partnership_level"] for p in body["partners"]}

    assert levels() == {"ei": None, "lib": None, "wic": 4}
    assert levels(as_of="2019-06-30") == {"ei": None, "wic": None}


def test_a_partner_referred_to_or_from_is_at_level_one_from_the_day_of_the_first_referral(
    client, history
):
    for sender, receiver, day in (("ei", "hub", "2019-08-01"), ("hub", "ei", "2019-09-01")):
        referral = {
            "case_ref": f"C-{sender}-1",
            "from_org": sender,
            "to_org": receiver,
            "sent_at": f"{day}T23:30:00Z",
            "consent": True,
        }
        assert client.post("/api/v1/referrals", json=referral).status_code == 201
    program = {"name": "Joint screening", "org_ids": ["hub", "wic"], "start": "2019-07-01"}
    assert client.post("/api/v1/joint-programs", json=program).status_code == 201

    def levels(**params: str) -> dict[str, int | None]:
        body = client.get("/api/v1/organizations/hub/ecomap", params=params).json()
        return {p["organization"]["id"]: p["partnership_level"] for p in body["partners"]}

    assert levels() == {"ei": 1, "lib": None, "wic": 3}
    assert levels(as_of="2019-08-01") == {"ei": 1, "wic": 3}
    assert levels(as_of="2019-07-31") == {"ei": None, "wic": 3}
