"""The store contract for partnership evidence, on the embedded store and on Neo4j."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pydantic import ValidationError

from graph_models.evidence import (
    AgreementCreate,
    AgreementKind,
    CollaborativeCreate,
    CollaborativeScope,
    JointCasePlanCreate,
    JointProgramCreate,
)
from service.errors import Conflict, InvalidReference
from service.settings import StoreKind
from tests.conftest import add_orgs


@pytest.fixture
def orgs(store):
    add_orgs(store, ("eld", "state_agency"), ("hub", "early_learning_hub"), ("wic", "wic"))
    return store


def test_a_joint_case_plan_is_stored_and_listed_for_each_of_its_organizations(orgs):
    created = orgs.create_joint_case_plan(
        JointCasePlanCreate(case_ref="C-2018-0042", org_ids=["hub", "eld"], date=date(2018, 1, 5))
    )
    assert (created.id, created.case_ref, created.org_ids, created.date) == (
        "joint-case-plan-2018-01-05",
        "C-2018-0042",
        ["eld", "hub"],
        date(2018, 1, 5),
    )
    assert [p.id for p in orgs.list_joint_case_plans(org_id="hub")] == [created.id]
    assert orgs.list_joint_case_plans(org_id="eld") == [created]
    assert orgs.list_joint_case_plans(org_id="wic") == []


def test_evidence_lists_come_oldest_first(orgs):
    for name, start in (("Late", date(2018, 5, 1)), ("Early", date(2017, 1, 1))):
        orgs.create_joint_program(
            JointProgramCreate(name=name, org_ids=["eld", "hub"], start=start)
        )
    assert [p.name for p in orgs.list_joint_programs(org_id="eld")] == ["Early", "Late"]


def test_a_joint_program_keeps_its_dates_and_notes(orgs):
    created = orgs.create_joint_program(
        JointProgramCreate(
            name="Parent Pathway",
            org_ids=["eld", "hub", "wic"],
            start=date(2017, 6, 1),
            end=date(2018, 6, 1),
            notes="co-designed with parents",
        )
    )
    assert created.model_dump(exclude={"created_at"}) == {
        "id": "parent-pathway",
        "name": "Parent Pathway",
        "org_ids": ["eld", "hub", "wic"],
        "start": date(2017, 6, 1),
        "end": date(2018, 6, 1),
        "notes": "co-designed with parents",
    }
    assert orgs.list_joint_programs(org_id="wic") == [created]


def test_an_agreement_without_a_title_is_named_after_its_kind(orgs):
    created = orgs.create_agreement(
        AgreementCreate(kind="liaison", org_ids=["eld", "hub"], start=date(2018, 1, 1))
    )
    assert (created.id, created.kind, created.title, created.end) == (
        "liaison-2018-01-01",
        AgreementKind.LIAISON,
        "Staff liaison position",
        None,
    )
    ended = orgs.create_agreement(
        AgreementCreate(
            kind="information_sharing",
            title="Data MOU",
            org_ids=["eld", "wic"],
            start=date(2016, 1, 1),
            end=date(2017, 12, 31),
        )
    )
    assert [(a.id, a.end) for a in orgs.list_agreements(org_id="eld")] == [
        ("data-mou", date(2017, 12, 31)),
        ("liaison-2018-01-01", None),
    ]
    assert orgs.list_agreements(org_id="wic") == [ended]


def test_a_collaborative_lists_its_members_and_governance(orgs):
    created = orgs.create_collaborative(
        CollaborativeCreate(
            id="lane-collaborative",
            name="Lane Child Protection Collaborative",
            scope="local",
            governance="a board elected by its members",
            member_org_ids=["wic", "eld", "hub"],
            start=date(2017, 8, 1),
        )
    )
    assert (created.scope, created.member_org_ids, created.governance) == (
        CollaborativeScope.LOCAL,
        ["eld", "hub", "wic"],
        "a board elected by its members",
    )
    assert orgs.list_collaboratives(org_id="hub") == [created]


def test_an_organizations_evidence_is_found_through_its_index_not_by_walking_every_record(
    orgs, settings
):
    if settings.store is not StoreKind.EMBEDDED:
        pytest.skip("Neo4j's plans are checked in test_neo4j_reads")
    for number in range(40):
        orgs.create_joint_program(
            JointProgramCreate(name=f"P{number}", org_ids=["eld", "wic"], start=date(2017, 1, 1))
        )
    orgs.create_joint_program(
        JointProgramCreate(name="Ours", org_ids=["hub", "wic"], start=date(2017, 1, 1))
    )
    statements: list[str] = []
    orgs._db.set_trace_callback(statements.append)
    try:
        assert [p.name for p in orgs.list_joint_programs(org_id="hub")] == ["Ours"]
    finally:
        orgs._db.set_trace_callback(None)
    [read] = [line for line in statements if "evidence" in line]
    plan = [row[3] for row in orgs._db.execute(f"EXPLAIN QUERY PLAN {read}")]
    searched = [step for step in plan if step.startswith(("SCAN", "SEARCH"))]
    assert searched and all(step.startswith("SEARCH") for step in searched)
    # The organization's records through (org_id, kind), each one's organizations by its key.
    assert not [step for step in searched if step.endswith("(kind=?)")], plan


def test_evidence_naming_an_unknown_organization_is_refused_and_nothing_is_written(orgs):
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        orgs.create_agreement(
            AgreementCreate(kind="joint_mis", org_ids=["eld", "ghost"], start=date(2018, 1, 1))
        )
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        orgs.create_collaborative(
            CollaborativeCreate(
                name="Cabinet",
                scope="state",
                member_org_ids=["eld", "hub", "ghost"],
                start=date(2018, 1, 1),
            )
        )
    assert orgs.list_agreements(org_id="eld") == []
    assert orgs.list_collaboratives(org_id="eld") == []


def test_a_taken_evidence_id_is_a_conflict_and_keeps_the_first(orgs):
    first = JointProgramCreate(
        id="pilot", name="Pilot", org_ids=["eld", "hub"], start=date(2018, 1, 1)
    )
    orgs.create_joint_program(first)
    with pytest.raises(Conflict, match="joint program 'pilot' already exists"):
        orgs.create_joint_program(first.model_copy(update={"name": "Other"}))
    assert [p.name for p in orgs.list_joint_programs(org_id="eld")] == ["Pilot"]


def test_ids_made_from_names_do_not_clash(orgs):
    for _ in range(2):
        orgs.create_joint_case_plan(
            JointCasePlanCreate(case_ref="C-1", org_ids=["eld", "hub"], date=date(2018, 1, 5))
        )
    assert [p.id for p in orgs.list_joint_case_plans(org_id="eld")] == [
        "joint-case-plan-2018-01-05",
        "joint-case-plan-2018-01-05-2",
    ]


def test_evidence_is_still_there_after_the_store_is_reopened(orgs, reopen):
    orgs.create_agreement(
        AgreementCreate(kind="co_location", org_ids=["eld", "hub"], start=date(2018, 1, 1))
    )
    orgs.close()
    again = reopen()
    try:
        assert [a.kind for a in again.list_agreements(org_id="hub")] == [AgreementKind.CO_LOCATION]
    finally:
        again.close()


@pytest.mark.parametrize(
    ("model", "fields", "message"),
    [
        (
            AgreementCreate,
            {"kind": "liaison", "org_ids": ["eld"], "start": "2018-01-01"},
            "List should have at least 2 items",
        ),
        (
            AgreementCreate,
            {"kind": "liaison", "org_ids": ["eld", "eld"], "start": "2018-01-01"},
            "org_ids names an organization twice",
        ),
        (
            AgreementCreate,
            {"kind": "lunch", "org_ids": ["eld", "hub"], "start": "2018-01-01"},
            "Input should be 'information_sharing', 'joint_mis', 'liaison' or 'co_location'",
        ),
        (
            JointProgramCreate,
            {"name": "P", "org_ids": ["eld", "hub"], "start": "2018-01-01", "end": "2017-01-01"},
            "end (2017-01-01) is before start (2018-01-01)",
        ),
        (
            CollaborativeCreate,
            {
                "name": "C",
                "scope": "local",
                "member_org_ids": ["eld", "hub"],
                "start": "2018-01-01",
            },
            "a local collaborative needs its own governance",
        ),
        (
            JointCasePlanCreate,
            {"case_ref": "Jane Doe", "org_ids": ["eld", "hub"], "date": "2018-01-01"},
            "a case_ref holds no spaces (it may be a person's name)",
        ),
    ],
)
def test_bad_evidence_is_refused_with_what_is_wrong(model, fields, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        model.model_validate(fields)
