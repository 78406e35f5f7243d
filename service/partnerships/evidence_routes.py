"""Evidence of partnership levels: joint case plans, joint programs, agreements, collaboratives."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from graph_models.evidence import (
    Agreement,
    AgreementCreate,
    Collaborative,
    CollaborativeCreate,
    JointCasePlan,
    JointCasePlanCreate,
    JointProgram,
    JointProgramCreate,
)
from service.partnerships import service as partnerships
from service.web.deps import CaseWorker, Editor, Reader, StoreDep

router = APIRouter(tags=["partnership evidence"])

OrgFilter = Annotated[str, Query(description="The organization whose records to list.")]


@router.post("/joint-case-plans", status_code=status.HTTP_201_CREATED)
def create_joint_case_plan(
    body: JointCasePlanCreate, store: StoreDep, principal: CaseWorker
) -> JointCasePlan:
    """Record that providers planned one case together (level 2). Case-level: admins, and
    caseworkers of one of the organizations."""
    return partnerships.record_joint_case_plan(store, body, principal=principal)


@router.get("/joint-case-plans")
def list_joint_case_plans(
    store: StoreDep, principal: Reader, org_id: OrgFilter
) -> list[JointCasePlan]:
    """The joint case plans of an organization, oldest first. `case_ref` is shown only to
    admins and to caseworkers of one of the plan's organizations; others see null."""
    return partnerships.joint_case_plans_of(store, org_id, principal=principal)


@router.post("/joint-programs", status_code=status.HTTP_201_CREATED)
def create_joint_program(body: JointProgramCreate, store: StoreDep, _: Editor) -> JointProgram:
    """Record a program the organizations developed together (level 3)."""
    return store.create_joint_program(body)


@router.get("/joint-programs")
def list_joint_programs(store: StoreDep, _: Reader, org_id: OrgFilter) -> list[JointProgram]:
    """The joint programs of an organization, oldest first."""
    return store.list_joint_programs(org_id=org_id)


@router.post("/agreements", status_code=status.HTTP_201_CREATED)
def create_agreement(body: AgreementCreate, store: StoreDep, _: Editor) -> Agreement:
    """Record shared infrastructure (level 4): an information-sharing agreement, a joint
    management information system, a liaison position or co-located staff. It counts from
    `start` through `end`."""
    return store.create_agreement(body)


@router.get("/agreements")
def list_agreements(store: StoreDep, _: Reader, org_id: OrgFilter) -> list[Agreement]:
    """The agreements of an organization, oldest first, ended ones included."""
    return store.list_agreements(org_id=org_id)


@router.post("/collaboratives", status_code=status.HTTP_201_CREATED)
def create_collaborative(body: CollaborativeCreate, store: StoreDep, _: Editor) -> Collaborative:
    """Record a stakeholder collaborative and its members: `local` with its own governance
    (level 5) or `state`, a state-level collaborative or cabinet (level 6)."""
    return store.create_collaborative(body)


@router.get("/collaboratives")
def list_collaboratives(store: StoreDep, _: Reader, org_id: OrgFilter) -> list[Collaborative]:
    """The collaboratives an organization is a member of, oldest first."""
    return store.list_collaboratives(org_id=org_id)
