"""Survey rounds through the API: starting one, answering through personal links, results
under the k rule, adopting a suggestion; and the bad input and abuse each must refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph_models import RelationshipCreate, Role
from graph_models.common import utc_now
from graph_models.partnerships import RelationshipHealthReport
from graph_models.surveys import NewRespondent, NewSurveyRound, Side
from tests.surveys.conftest import AT_HUB, AT_WIC, ratings, round_body


@pytest.fixture
def started(client, network):
    response = client.post("/api/v1/survey-rounds", json=round_body())
    assert response.status_code == 201, response.text
    return response.json()


def link_of(client, round_id: str, person: str) -> str:
    found = client.get(f"/api/v1/survey-rounds/{round_id}/links").json()
    url = next(link["url"] for link in found if link["respondent_id"] == person)
    return url.rsplit("/", 1)[1]


def answer(client, token: str, *answers: dict, version: int = 0):
    return client.put(
        f"/api/survey-links/{token}/answers", json={"version": version, "answers": answers}
    )


def test_a_contact_at_a_partner_is_asked_about_that_relationship_and_staff_about_all(started):
    people = {p["id"]: p for p in started["people"]}
    assert (started["respondents"], started["answered"], started["created_by"]) == (8, 0, "admin")
    assert (people["wen"]["side"], people["wen"]["partner_ids"]) == ("partner", ["wic"])
    assert (people["hana"]["side"], people["hana"]["partner_ids"]) == ("agency", ["wic", "clinic"])


def test_a_link_opens_the_respondents_form_without_a_token_and_keeps_what_they_save(
    client, started
):
    token = link_of(client, started["id"], "wen")
    anonymous = {"Authorization": ""}
    form = client.get(f"/api/survey-links/{token}", headers=anonymous).json()
    assert (form["respondent"], form["agency"], form["version"]) == ("Wen", "Hub", 0)
    assert [(p["partner_id"], p["answer"]) for p in form["partners"]] == [("wic", None)]
    saved = client.put(
        f"/api/survey-links/{token}/answers",
        json={"version": 0, "answers": [ratings("wic", 2, 3, "yellow", "<b>late</b>")]},
        headers=anonymous,
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["answered"]) == (1, 1)
    changed = answer(client, token, ratings("wic", 1, 3, "red"), version=1)
    assert changed.status_code == 200
    form = client.get(f"/api/survey-links/{token}", headers=anonymous).json()
    assert form["partners"][0]["answer"]["openness"] == 1
    assert form["version"] == 2


def test_results_show_scores_once_three_answered_and_say_why_not_before(client, started):
    for person, trust in zip(AT_WIC[:2], (2, 3), strict=True):
        answer(client, link_of(client, started["id"], person), ratings("wic", trust, 2, "yellow"))
    results = client.get(f"/api/v1/survey-rounds/{started['id']}/results").json()
    wic = next(r for r in results["relationships"] if r["partner_id"] == "wic")
    assert (wic["shown"], wic["trust"], wic["answered"], wic["asked"]) == (False, None, 2, 7)
    assert "figures are shown once at least 3 have" in wic["withheld"]
    answer(client, link_of(client, started["id"], AT_WIC[2]), ratings("wic", 1, 2, "red"))
    results = client.get(f"/api/v1/survey-rounds/{started['id']}/results").json()
    wic = next(r for r in results["relationships"] if r["partner_id"] == "wic")
    assert (wic["shown"], wic["trust"], wic["value"], wic["suggested"]) == (
        True,
        2.0,
        2.0,
        "yellow",
    )
    assert wic["flag"] == (
        "assessed green; 2 of 3 respondents at the partner point to yellow, trust 2.0 of 4"
    )


def test_a_leader_adopts_a_suggested_state_into_the_history(client, started, token_for):
    for person in AT_WIC[:3]:
        answer(client, link_of(client, started["id"], person), ratings("wic", 2, 2, "yellow"))
    adopted = client.post(
        f"/api/v1/survey-rounds/{started['id']}/adoptions",
        json={"partner_id": "wic"},
        headers=token_for(Role.LEADER, org_id="hub"),
    )
    assert adopted.status_code == 201, adopted.text
    assert adopted.json()["state"] == "yellow"
    history = client.get("/api/v1/relationships/hub~wic/history").json()
    assert history[-1]["reason"].startswith("assessed by survey round 'Spring partner survey'")
    assert history[-1]["assessed_by"] == "leader tester"


def test_a_suggestion_withheld_for_fewer_than_three_cannot_be_adopted(client, started):
    refused = client.post(
        f"/api/v1/survey-rounds/{started['id']}/adoptions", json={"partner_id": "clinic"}
    )
    assert refused.status_code == 422
    assert "0 of 4 answered" in refused.json()["detail"]
    assert len(client.get("/api/v1/relationships/clinic~hub/history").json()) == 1


def test_individual_answers_and_links_are_for_the_agencys_leaders_and_admins_only(
    client, started, token_for
):
    answer(client, link_of(client, started["id"], "wen"), ratings("wic", 2, 2, "yellow"))
    round_id = started["id"]
    for headers in (
        token_for(Role.PLANNER),
        token_for(Role.LEADER, org_id="library"),
        token_for(Role.CASEWORKER, org_id="hub"),
    ):
        for what in ("answers", "links", ""):
            path = f"/api/v1/survey-rounds/{round_id}/{what}".rstrip("/")
            assert client.get(path, headers=headers).status_code == 403
    leader = token_for(Role.LEADER, org_id="hub")
    answers = client.get(f"/api/v1/survey-rounds/{round_id}/answers", headers=leader).json()
    assert [(a["respondent_id"], a["state_view"]) for a in answers] == [("wen", "yellow")]
    planner = token_for(Role.PLANNER)
    assert client.get(f"/api/v1/survey-rounds/{round_id}/results", headers=planner).is_success


def test_a_planner_or_another_agencys_leader_cannot_start_a_round(client, network, token_for):
    for headers in (token_for(Role.PLANNER), token_for(Role.LEADER, org_id="wic")):
        refused = client.post("/api/v1/survey-rounds", json=round_body(), headers=headers)
        assert refused.status_code == 403
    assert client.get("/api/v1/survey-rounds").json() == []


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"contact_ids": []}, 422, "at least 1 item"),
        ({"contact_ids": ["lou"]}, 422, "works at 'library', neither the agency nor"),
        ({"contact_ids": ["nobody"]}, 422, "contact 'nobody' does not exist"),
        ({"partner_ids": ["library"]}, 422, "'hub' has no relationship with 'library'"),
        ({"partner_ids": ["hub"]}, 422, "cannot be its own partner"),
        ({"closes_at": "2020-01-01T00:00:00Z"}, 422, "closes_at must be in the future"),
        ({"title": "<b>\x07</b>"}, 422, "control character"),
    ],
)
def test_a_round_that_cannot_be_run_is_refused_and_nothing_is_kept(
    client, network, changes, status, message
):
    refused = client.post("/api/v1/survey-rounds", json=round_body(**changes))
    assert refused.status_code == status
    assert message in refused.json()["detail"]
    assert client.get("/api/v1/survey-rounds").json() == []


def test_a_changed_link_is_refused_and_saves_nothing(client, started):
    token = link_of(client, started["id"], "wen")
    someone_else = token.replace("wen", "will", 1)
    for bad in (someone_else, token[:-2], "nonsense"):
        assert client.get(f"/api/survey-links/{bad}").status_code == 404
        refused = answer(client, bad, ratings("wic", 4, 4, "green"))
        assert refused.status_code == 404
        assert "this survey link is not valid" in refused.json()["detail"]
    assert client.get(f"/api/v1/survey-rounds/{started['id']}/answers").json() == []


def test_a_save_from_a_form_opened_before_the_last_save_is_refused(client, started):
    token = link_of(client, started["id"], "wen")
    assert answer(client, token, ratings("wic", 2, 2, "yellow")).status_code == 200
    stale = answer(client, token, ratings("wic", 4, 4, "green"), version=0)
    assert stale.status_code == 409
    assert "nothing was changed" in stale.json()["detail"]
    answers = client.get(f"/api/v1/survey-rounds/{started['id']}/answers").json()
    assert [a["openness"] for a in answers] == [2]


def test_answers_out_of_range_or_about_what_was_not_asked_are_refused(client, started):
    token = link_of(client, started["id"], "wen")
    out_of_range = answer(client, token, ratings("wic", 5, 0, "yellow"))
    assert out_of_range.status_code == 422
    assert "less than or equal to 4" in out_of_range.json()["detail"]
    unasked = answer(client, token, ratings("clinic", 2, 2, "yellow"))
    assert unasked.status_code == 422
    assert unasked.json()["detail"] == "this link does not ask about clinic; it asks about wic"
    assert client.get(f"/api/v1/survey-rounds/{started['id']}/answers").json() == []


def test_a_link_used_after_the_close_is_refused_and_changes_nothing(client, network):
    now = utc_now()
    network.create_survey_round(
        NewSurveyRound(
            id="winter",
            org_id="hub",
            title="Winter",
            created_by="Lee",
            created_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=1),
            partner_ids=["wic"],
            people=[
                NewRespondent(
                    id="wen", name="Wen", org_id="wic", side=Side.PARTNER, email=None,
                    partner_ids=["wic"],
                )
            ],
        )
    )  # fmt: skip
    token = link_of(client, "winter", "wen")
    closed = answer(client, token, ratings("wic", 2, 2, "yellow"))
    assert closed.status_code == 403
    assert "this survey closed on" in closed.json()["detail"]
    assert client.get(f"/api/survey-links/{token}").status_code == 403
    assert network.survey_answers("winter") == []


def test_rounds_are_listed_for_every_reader_with_their_counts(client, started, token_for):
    answer(client, link_of(client, started["id"], AT_HUB[0]), ratings("wic", 3, 3, "green"))
    listed = client.get("/api/v1/survey-rounds?org_id=hub", headers=token_for(Role.PLANNER))
    assert [(r["id"], r["respondents"], r["answered"]) for r in listed.json()] == [
        (started["id"], 8, 1)
    ]


def test_rounds_are_set_against_each_other_per_relationship_and_for_the_network(client, network):
    for title, days, trust in (("Autumn", 30, 2), ("Spring", 60, 4)):
        body = round_body(title=title, closes_at=(utc_now() + timedelta(days=days)).isoformat())
        round_id = client.post("/api/v1/survey-rounds", json=body).json()["id"]
        for person in AT_WIC[:3]:
            answer(client, link_of(client, round_id, person), ratings("wic", trust, 3, "yellow"))
    network.create_relationship(
        RelationshipCreate(org_a="wic", org_b="clinic", state="green", reason="they work together"),
        assessed_by="Lee",
    )
    trends = client.get("/api/v1/organizations/hub/survey-trends").json()
    assert [(r["title"], r["trust"], r["value"], r["shown"]) for r in trends["rounds"]] == [
        ("Autumn", 2.0, 3.0, 1),
        ("Spring", 4.0, 3.0, 1),
    ]
    # WIC and the clinic became related after both rounds were started, before they close
    assert [r["density"] for r in trends["rounds"]] == [1.0, 1.0]
    by_partner = {r["partner_id"]: r for r in trends["relationships"]}
    assert by_partner["wic"]["trust"] == [2.0, 4.0]
    assert by_partner["clinic"]["trust"] == [None, None]
    page = client.get("/orgs/hub/surveys")
    assert page.status_code == 200
    assert "Round against round" in page.text
    assert 'points="24.0,72.0 296.0,24.0 "' in page.text  # trust 2 then 4, 1 at the foot


def test_health_and_the_plan_show_what_partners_say_lowest_trust_first(client, started):
    for person in AT_WIC[:3]:
        answer(client, link_of(client, started["id"], person), ratings("wic", 1, 2, "red"))
    for path in ("/orgs/hub/relationship-health", "/orgs/hub/engagement-plan"):
        page = client.get(path).text
        said = page[page.index("What partners say") :]
        assert "assessed green; 3 of 3 respondents at the partner point to red" in said
        assert said.index('data-partner-id="wic"') < said.index('data-partner-id="clinic"')
        assert "0 of 4 answered: shown once at least 3 have" in said


def test_health_and_the_plan_answer_with_what_partners_say_under_the_three_answer_rule(
    client, started, token_for
):
    for person in AT_WIC[:3]:
        answer(client, link_of(client, started["id"], person), ratings("wic", 1, 2, "red"))
    planner = token_for(Role.PLANNER)
    health = client.get("/api/v1/organizations/hub/relationship-health", headers=planner).json()
    plan = client.get("/api/v1/organizations/hub/engagement-plan", headers=planner).json()
    assert health["survey_round"]["id"] == plan["survey_round"]["id"] == started["id"]
    said = {p["partner_id"]: p["survey"] for p in health["partners"]}
    planned = {p["partner_id"]: p["survey"] for g in plan["groups"] for p in g["partners"]}
    assert said == planned
    assert (said["wic"]["suggested"], said["wic"]["trust"], said["wic"]["value"]) == (
        "red",
        1.0,
        2.0,
    )
    assert (said["wic"]["partner"]["answered"], said["wic"]["agency"]["answered"]) == (3, 0)
    assert said["wic"]["flag"].startswith("assessed green; 3 of 3 respondents at the partner")
    assert (said["clinic"]["shown"], said["clinic"]["trust"], said["clinic"]["flag"]) == (
        False,
        None,
        None,
    )
    assert "0 of 4 answered" in said["clinic"]["withheld"]


def test_the_health_answer_is_written_exactly_as_its_documented_model_writes_it(client, started):
    for person in AT_WIC[:3]:
        answer(client, link_of(client, started["id"], person), ratings("wic", 1, 2, "red"))
    body = client.get("/api/v1/organizations/hub/relationship-health").content
    report = RelationshipHealthReport.model_validate_json(body)
    assert report.survey_round is not None
    assert {p.partner_id: p.survey is not None for p in report.partners} == {
        "wic": True,
        "clinic": True,
    }
    assert body == report.model_dump_json().encode()


def test_health_and_the_plan_of_a_day_before_any_round_carry_no_survey(client, started):
    for path in ("relationship-health", "engagement-plan"):
        answer_of_the_day = client.get(
            f"/api/v1/organizations/hub/{path}", params={"as_of": "2020-01-01"}
        ).json()
        assert answer_of_the_day["survey_round"] is None


def test_partners_to_heal_come_lowest_trust_first_where_a_survey_shows_them(
    client, network, token_for
):
    network.create_relationship(
        RelationshipCreate(org_a="hub", org_b="library", state="red", reason="no contact"),
        assessed_by="Lee",
    )
    for partner in ("wic", "clinic"):
        assessed = client.patch(
            f"/api/v1/relationships/{'~'.join(sorted(['hub', partner]))}",
            json={"state": "red", "reason": "strained"},
        )
        assert assessed.status_code == 200, assessed.text
    round_id = client.post("/api/v1/survey-rounds", json=round_body()).json()["id"]
    for person in AT_HUB:
        answer(
            client,
            link_of(client, round_id, person),
            ratings("wic", 1, 2, "red"),
            ratings("clinic", 3, 3, "green"),
        )
    plan = client.get("/api/v1/organizations/hub/engagement-plan").json()
    heal = next(group for group in plan["groups"] if group["action"] == "heal")
    # by name it would be Clinic, Library, Wic: the survey puts WIC's trust of 1 first
    assert [p["partner_id"] for p in heal["partners"]] == ["wic", "clinic", "library"]
    assert [p["survey"] and p["survey"]["trust"] for p in heal["partners"]] == [1.0, 3.0, None]


def test_the_eco_map_table_says_what_partners_say_and_fewer_than_three_answers_where_so(
    client, started, token_for
):
    for person in AT_WIC[:3]:
        answer(client, link_of(client, started["id"], person), ratings("wic", 1, 2, "red"))
    page = client.get("/orgs/hub/ecomap", headers=token_for(Role.CASEWORKER, org_id="wic"))
    assert page.status_code == 200
    assert (
        "Partners say (Spring partner survey): red, trust 1.00 and value 2.00 of 4; answered 3 "
        "of 4 at the partner, 0 of 3 at the agency. Disagrees: assessed green; 3 of 3 "
        "respondents at the partner point to red, trust 1.0 of 4." in page.text
    )
    assert (
        "Partners say (Spring partner survey): fewer than 3 answers; answered 0 of 1 at the "
        "partner, 0 of 3 at the agency." in page.text
    )
    assert '<script type="application/json" id="map-survey">' in page.text


def test_the_eco_map_answer_keeps_its_fields_and_the_latest_results_come_apart(client, started):
    for person in AT_WIC[:3]:
        answer(client, link_of(client, started["id"], person), ratings("wic", 1, 2, "red"))
    ecomap = client.get("/api/v1/organizations/hub/ecomap").json()
    assert all("survey" not in partner for partner in ecomap["partners"])
    latest = client.get("/api/v1/organizations/hub/survey-results").json()
    assert latest == client.get(f"/api/v1/survey-rounds/{started['id']}/results").json()
    before = client.get("/api/v1/organizations/hub/survey-results", params={"as_of": "2020-01-01"})
    assert (before.status_code, before.json()) == (200, None)
    assert client.get("/api/v1/organizations/nowhere/survey-results").status_code == 404


def collaborative(client, *members: str) -> str:
    created = client.post(
        "/api/v1/collaboratives",
        json={
            "name": "Lane Early Learning Collaborative",
            "scope": "local",
            "governance": "a steering committee",
            "member_org_ids": list(members),
            "start": "2018-04-01",
        },
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_a_leader_of_a_member_runs_a_round_over_the_collaboratives_member_relationships(
    client, network, token_for
):
    lane = collaborative(client, "wic", "hub", "clinic", "library")
    leader = token_for(Role.LEADER, org_id="hub")
    body = round_body(collaborative_id=lane)
    del body["partner_ids"]
    started = client.post("/api/v1/survey-rounds", json=body, headers=leader)
    assert started.status_code == 201, started.text
    # the library is a member the hub has no relationship with: nothing to ask about it
    assert (started.json()["partner_ids"], started.json()["collaborative_id"]) == (
        ["clinic", "wic"],
        lane,
    )
    round_id = started.json()["id"]
    for person in AT_WIC[:3]:
        answer(client, link_of(client, round_id, person), ratings("wic", 2, 3, "yellow"))
    results = client.get(
        f"/api/v1/survey-rounds/{round_id}/results", headers=token_for(Role.PLANNER)
    ).json()
    assert results["round"]["collaborative_id"] == lane
    wic = next(r for r in results["relationships"] if r["partner_id"] == "wic")
    assert (wic["shown"], wic["trust"], wic["suggested"]) == (True, 2.0, "yellow")
    another_member = token_for(Role.LEADER, org_id="wic")
    refused = client.get(f"/api/v1/survey-rounds/{round_id}/answers", headers=another_member)
    assert refused.status_code == 403
    assert len(client.get(f"/api/v1/survey-rounds/{round_id}/answers", headers=leader).json()) == 3
    page = client.get(f"/surveys/{round_id}", headers=leader)
    assert "For the collaborative" in page.text
    assert "Lane Early Learning Collaborative" in page.text


@pytest.mark.parametrize(
    ("members", "changes", "detail"),
    [
        (("wic", "clinic"), {}, "'hub' is not a member of the collaborative"),
        (("hub", "wic"), {"partner_ids": ["clinic"]}, "clinic not a member of the collaborative"),
        (("hub", "library"), {"partner_ids": []}, "no relationship with another member"),
        ((), {"collaborative_id": "nowhere"}, "collaborative 'nowhere' does not exist"),
        ((), {"partner_ids": []}, "name the partners to ask about, or a collaborative_id"),
    ],
)
def test_a_collaboratives_round_that_cannot_be_run_says_why_and_keeps_nothing(
    client, network, members, changes, detail
):
    found = {"collaborative_id": collaborative(client, *members)} if members else {}
    refused = client.post("/api/v1/survey-rounds", json=round_body(**{**found, **changes}))
    assert refused.status_code == 422
    assert detail in refused.json()["detail"]
    assert client.get("/api/v1/survey-rounds").json() == []
