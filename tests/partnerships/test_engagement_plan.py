"""The engagement plan on the Oregon seed: partners grouped by state with their action, last
touchpoint and planned activities, and overdue plans flagged."""

from __future__ import annotations

import pytest

from service.data.seeds import load_seed


@pytest.fixture
def oregon(client, store):
    load_seed(store, "oregon")
    return client


def plan(client, org_id: str, as_of: str) -> dict:
    response = client.get(
        f"/api/v1/organizations/{org_id}/engagement-plan", params={"as_of": as_of}
    )
    assert response.status_code == 200, response.text
    return response.json()


def groups(body: dict) -> dict[str, tuple[str, list[str]]]:
    return {
        g["state"]: (g["action"], [p["partner_id"] for p in g["partners"]]) for g in body["groups"]
    }


def partner(body: dict, partner_id: str) -> dict:
    return next(p for g in body["groups"] for p in g["partners"] if p["partner_id"] == partner_id)


def test_the_early_learning_division_partners_are_grouped_by_state_with_their_action(oregon):
    body = plan(oregon, "ode-eld", "2018-02-10")
    assert groups(body) == {
        "green": (
            "keep",
            [
                "or-ccrr",
                "community-ed-worker-program-multnomah",
                "ode-early-intervention",
                "or-early-learning-hubs",
                "early-learning-multnomah",
                "latino-network",
                "marion-polk-early-learning-hub",
                "naya",
                "oha",
            ],
        ),
        "yellow": (
            "improve",
            [
                "black-parent-initiative",
                "or-child-care-providers",
                "dhs-child-care-policy",
                "irco",
                "or-local-esds",
                "ofsn",
                "or-tribes",
                "or-parents-families",
                "salem-keizer-coalition-for-equality",
                "or-state-funded-home-visiting",
            ],
        ),
        "red": ("heal", []),
        "no_dot": (
            "develop",
            ["apano", "catholic-charities", "family-support-and-connections", "mano-a-mano"],
        ),
    }
    assert [g["guidance"] for g in body["groups"]] == [
        "Keep positive involvement",
        "Improve the relationship and enhance involvement",
        "Heal and re-involve",
        "Develop the relationship and begin involvement",
    ]


def test_a_past_date_groups_partners_by_the_state_they_had_then(oregon):
    body = plan(oregon, "ode-eld", "2017-11-01")
    assert groups(body)["red"] == ("heal", ["or-local-esds", "or-parents-families"])
    assert "latino-network" in groups(body)["yellow"][1]
    assert "apano" not in groups(plan(oregon, "ode-eld", "2017-10-14"))["no_dot"][1]


def test_each_partner_shows_its_last_touchpoint_and_what_is_planned_who_format_and_when(oregon):
    tribes = partner(plan(oregon, "ode-eld", "2018-03-01"), "or-tribes")
    assert tribes["last_touchpoint"] == {
        "id": "or-2018-01-15-tribal-g2g",
        "title": "Discussion at the Government to Government cluster",
        "kind": "government_to_government",
        "date": "2018-01-15",
    }
    assert [(a["format"], a["date"], a["overdue"]) for a in tribes["planned"]] == [
        ("listening_session", "2018-03-15", False),
        ("survey", "2018-03-15", False),
    ]
    assert tribes["planned"][1]["who"] == [
        {
            "id": "or-tribes--tribal-education-director",
            "org_id": "or-tribes",
            "name": "Tribal education director",
            "role": "Tribal education director",
        }
    ]
    assert tribes["overdue"] is False
    apano = partner(plan(oregon, "ode-eld", "2018-03-01"), "apano")
    assert apano["last_touchpoint"]["id"] == "or-2017-10-01-cbo-outreach"


def test_planned_activities_dated_before_today_are_overdue(oregon):
    assert plan(oregon, "ode-eld", "2018-02-15")["overdue"] == 0
    body = plan(oregon, "ode-eld", "2018-03-01")
    assert body["overdue"] == 5
    overdue = sorted(p["partner_id"] for g in body["groups"] for p in g["partners"] if p["overdue"])
    assert "or-tribes" not in overdue
    assert {"or-ccrr", "ofsn", "apano", "oha", "dhs-child-care-policy"} <= set(overdue)
    ofsn = partner(body, "ofsn")
    assert [(a["id"], a["overdue"]) for a in ofsn["planned"]] == [
        ("or-2018-02-15-cbo-staff-survey", True),
        ("or-2018-02-15-parent-advocacy-survey", True),
    ]


def test_the_health_authority_has_one_relationship_to_heal_with_an_overdue_survey(oregon):
    body = plan(oregon, "oha", "2018-03-01")
    assert groups(body)["red"] == ("heal", ["dhs-self-sufficiency-tanf"])
    tanf = partner(body, "dhs-self-sufficiency-tanf")
    assert tanf["last_touchpoint"] is None
    assert tanf["assessed_at"] == "2017-11-01T09:00:00Z"
    assert [(a["title"], a["overdue"]) for a in tanf["planned"]] == [
        ("Online stakeholder surveys for state agencies", True)
    ]
    assert [w["id"] for w in tanf["planned"][0]["who"]] == [
        "dhs-self-sufficiency-tanf--agency-staff"
    ]
    assert groups(body)["no_dot"][1] == [
        "or-childrens-advisory-councils",
        "or-coordinated-care-organizations",
    ]


def test_the_plan_of_an_unknown_organization_is_404(client):
    response = client.get("/api/v1/organizations/nowhere/engagement-plan")
    assert response.status_code == 404
    assert response.json()["detail"] == "organization 'nowhere' does not exist"
