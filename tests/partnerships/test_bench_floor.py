"""The fair floors the benchmark holds partnership levels, relationship health, the engagement
plan and the whole feedback-gap report to give the service's own answers: a floor that
answered a smaller question (fewer partners, no summaries, no explanation, no flag, no one
taking part) would make the figures look worse than they are."""

from __future__ import annotations

import json
from datetime import date

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bench.floors import PROFILE, Floor, gap_report_fields
from graph_models import (
    ContactQuery,
    EngagementCreate,
    EngagementStatus,
    OrganizationCreate,
    RelationshipEnd,
    RelationshipState,
    RelationshipUpdate,
    relationship_id,
)
from graph_models.evidence import (
    AgreementCreate,
    CollaborativeCreate,
    JointCasePlanCreate,
    JointProgramCreate,
)
from service.app import create_app
from service.data.generator import CLOCK, load_network
from service.settings import Settings
from service.store.embedded import EmbeddedStore
from tests.conftest import ADMIN_TOKEN, days_from_today
from tests.networks import add_recent_referrals


def days_ago(days: int) -> date:
    return days_from_today(-days)


def network(store: EmbeddedStore) -> tuple[str, list[str], str]:
    """The tiny network with, around its largest hub, recent referrals (one way without
    feedback, both ways with it, and with an organization that is no partner), evidence of
    every kind, some ended, touchpoints (one with an organization that is no partner),
    planned activities, an ended relationship and an assessment to flag: the hub, its partners
    by id, and the organization it only refers with."""
    load_network(store, scale="tiny", seed=7)
    graph = store.partner_graph()
    hub = max(sorted(graph), key=graph.degree)
    partners = sorted(graph[hub])
    stranger = next(org for org in sorted(graph) if org != hub and org not in graph[hub])
    add_recent_referrals(store, hub, partners, stranger)
    store.create_agreement(
        AgreementCreate(kind="liaison", org_ids=[hub, partners[2]], start=days_ago(400))
    )
    store.create_joint_program(
        JointProgramCreate(
            name="Intake", org_ids=[hub, partners[3]], start=days_ago(500), end=days_ago(30)
        )
    )
    store.create_agreement(
        AgreementCreate(
            kind="information_sharing",
            title="Data MOU",
            org_ids=[hub, partners[2], partners[9]],
            start=days_ago(30),
        )
    )
    store.create_collaborative(
        CollaborativeCreate(
            name="State cabinet",
            scope="state",
            member_org_ids=[hub, partners[9]],
            start=days_ago(0),
        )
    )
    store.create_collaborative(
        CollaborativeCreate(
            name="County table",
            scope="local",
            governance="members elect a chair",
            member_org_ids=[hub, partners[4]],
            start=days_ago(100),
        )
    )
    store.create_joint_case_plan(
        JointCasePlanCreate(case_ref="FLOOR-9", org_ids=[hub, partners[5]], date=days_ago(200))
    )
    loner = store.create_organization(
        OrganizationCreate(id="loner", name="Loner", sector=graph.nodes[hub]["sector"])
    )
    for partner, days in ((partners[6], 10), (partners[7], 300)):
        store.create_engagement(
            EngagementCreate(
                kind="meeting",
                title="Check-in",
                date=days_ago(days),
                org_ids=[hub, partner, loner.id],  # met, but no partner
            )
        )
    contacts = {
        org: store.list_contacts(ContactQuery(org_id=org)).items[0].id
        for org in (hub, partners[6], partners[7])
    }
    for partner, days in ((partners[6], 5), (partners[6], -20), (partners[7], -40)):
        store.create_engagement(
            EngagementCreate(
                kind="webinar",
                title="Next steps",
                date=days_ago(days),
                status=EngagementStatus.PLANNED,
                org_ids=[hub, partner],
                contact_ids=list(contacts.values()),  # the third one's is no one taking part
            )
        )
    store.end_relationship(
        relationship_id(hub, partners[8]), RelationshipEnd(reason="merged"), ended_by="Lee"
    )
    store.assess_relationship(
        relationship_id(hub, partners[0]),
        RelationshipUpdate(state=RelationshipState.GREEN, reason="they answer us"),
        assessed_by="Lee",
    )
    return hub, partners, stranger


ROUTES = {
    "levels": "partnership-levels",
    "health": "relationship-health",
    "plan": "engagement-plan",
}


def checked(tmp_path, question: str, others: list[int]) -> tuple[dict, list[str], str]:
    """Ask the service ``question`` (a key of ``ROUTES``) of the network's hub, of its partners
    at ``others`` and of the organization it only refers with, and check the floor's method of
    that name answers each the same: the hub's answer, its partners and that organization."""
    store = EmbeddedStore(tmp_path)
    try:
        hub, partners, stranger = network(store)
        asked = [hub, *(partners[n] for n in others), stranger]
        settings = Settings(data_dir=tmp_path, admin_token=SecretStr(ADMIN_TOKEN))
        with TestClient(create_app(settings, store=store)) as client:
            client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            path = "/api/v1/organizations/{}/" + ROUTES[question]
            answers = {org: client.get(path.format(org)).json() for org in asked}
        floor = Floor(tmp_path, PROFILE)
        for org in asked:
            assert json.loads(getattr(floor, question)(org)) == answers[org]
    finally:
        store.close()
    return answers[hub], partners, stranger


def by_partner(answer: dict) -> dict[str, dict]:
    return {row["partner_id"]: row for row in answer["partners"]}


def test_the_levels_floor_answers_as_the_service_does_with_every_kind_of_evidence(tmp_path):
    answer, partners, _ = checked(tmp_path, "levels", [2, 9])
    rows = by_partner(answer)
    assert [item["level"] for item in rows[partners[9]]["evidence"]][:2] == [6, 4]
    assert rows[partners[5]]["evidence"][0]["case_ref"] == "FLOOR-9"
    assert partners[3] not in rows or rows[partners[3]]["level"] == 1  # its program has ended


def test_the_health_floor_answers_as_the_service_does_for_every_partner_with_flags(tmp_path):
    answer, partners, stranger = checked(tmp_path, "health", [0, 1])
    rows = by_partner(answer)
    assert rows[stranger]["assessed"] is None
    assert "loner" not in rows
    assert rows[partners[8]]["assessed"] is None
    assert rows[partners[0]]["flag"].startswith("assessed green, but 6 of 6 referrals")
    assert rows[partners[1]]["signals"]["referrals_received"] == 3
    assert "level fell from 3 to" in rows[partners[3]]["explanation"]
    assert " to 5 in the past year" in rows[partners[4]]["explanation"]
    assert rows[partners[6]]["signals"]["days_since_engagement"] == 10


def test_the_health_floor_asked_as_of_the_day_the_generated_network_ends_counts_its_window(
    tmp_path,
):
    """The benchmark asks health as of the generated network's last day, where its 90-day
    window holds referrals (of today, long after, it would hold none)."""
    store = EmbeddedStore(tmp_path)
    try:
        load_network(store, scale="tiny", seed=7)
        graph = store.partner_graph()
        asked = sorted(graph, key=graph.degree)[-3:]
        settings = Settings(data_dir=tmp_path, admin_token=SecretStr(ADMIN_TOKEN))
        with TestClient(create_app(settings, store=store)) as client:
            client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            answers = {
                org: client.get(
                    f"/api/v1/organizations/{org}/relationship-health",
                    params={"as_of": CLOCK.date().isoformat()},
                ).json()
                for org in asked
            }
        floor = Floor(tmp_path, PROFILE)
        for org in asked:
            assert json.loads(floor.health(org, day=CLOCK.date())) == answers[org]
    finally:
        store.close()
    window = [
        row["signals"]["referrals_sent"] + row["signals"]["referrals_received"]
        for answer in answers.values()
        for row in answer["partners"]
    ]
    assert sum(window) > 0


def test_the_plan_floor_answers_as_the_service_does_with_touchpoints_and_who_takes_part(tmp_path):
    answer, partners, _ = checked(tmp_path, "plan", [6, 7])
    rows = {row["partner_id"]: row for group in answer["groups"] for row in group["partners"]}
    assert partners[8] not in rows  # its relationship has ended
    assert rows[partners[6]]["last_touchpoint"]["date"] == days_ago(10).isoformat()
    assert [a["overdue"] for a in rows[partners[6]]["planned"]] == [True, False]
    assert len(rows[partners[6]]["planned"][0]["who"]) == 2
    # The generated network's planned meetings are dated after its last day, before today.
    generated = [
        activity
        for partner, row in rows.items()
        if partner not in partners[6:8]
        for activity in row["planned"]
    ]
    assert generated and all(activity["overdue"] for activity in generated)
    assert answer["overdue"] == 1 + len(generated)


def test_the_whole_gap_report_floor_counts_and_ranks_as_the_service_does(tmp_path):
    store = EmbeddedStore(tmp_path)
    try:
        network(store)
        settings = Settings(data_dir=tmp_path, admin_token=SecretStr(ADMIN_TOKEN))
        with TestClient(create_app(settings, store=store)) as client:
            client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            answer = client.get("/api/v1/feedback-gaps").json()
        floor = json.loads(Floor(tmp_path, PROFILE).whole_gaps())
    finally:
        store.close()
    assert floor == gap_report_fields(answer)
    assert floor["totals"][2] > 0 and floor["median_days_to_feedback"] is not None
    assert floor["total_pairs"] > len(floor["pairs"])
