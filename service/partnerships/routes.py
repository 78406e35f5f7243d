"""Partnerships: the evidence of their levels (joint case plans, joint programs, agreements,
collaboratives), and how deep each partnership goes, how healthy it is, what to do next, and
network measures."""

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
    PartnershipLevels,
)
from graph_models.measures import NetworkMeasures
from graph_models.partnerships import EngagementPlan, RelationshipHealthReport
from service.access.deps import CaseWorker, Editor, Reader
from service.partnerships import service as partnerships
from service.web.deps import AsOfDep, StoreDep
from service.web.responses import ModelResponse

evidence = APIRouter(tags=["partnership evidence"])

OrgFilter = Annotated[str, Query(description="The organization whose records to list.")]


@evidence.post("/joint-case-plans", status_code=status.HTTP_201_CREATED)
def create_joint_case_plan(
    body: JointCasePlanCreate, store: StoreDep, principal: CaseWorker
) -> JointCasePlan:
    """Record that providers planned one case together (level 2). Case-level: admins, and
    caseworkers of one of the organizations."""
    return partnerships.record_joint_case_plan(store, body, principal=principal)


@evidence.get("/joint-case-plans")
def list_joint_case_plans(
    store: StoreDep, principal: Reader, org_id: OrgFilter
) -> list[JointCasePlan]:
    """The joint case plans of an organization, oldest first. `case_ref` is shown only to
    admins and to caseworkers of one of the plan's organizations; others see null."""
    return partnerships.joint_case_plans_of(store, org_id, principal=principal)


@evidence.post("/joint-programs", status_code=status.HTTP_201_CREATED)
def create_joint_program(
    body: JointProgramCreate, store: StoreDep, principal: Editor
) -> JointProgram:
    """Record a program the organizations developed together (level 3). A leader or planner
    whose token names an organization records evidence only where it takes part (403)."""
    return partnerships.record_evidence(
        principal, body.org_ids, lambda: store.create_joint_program(body)
    )


@evidence.get("/joint-programs")
def list_joint_programs(store: StoreDep, _: Reader, org_id: OrgFilter) -> list[JointProgram]:
    """The joint programs of an organization, oldest first."""
    return store.list_joint_programs(org_id=org_id)


@evidence.post("/agreements", status_code=status.HTTP_201_CREATED)
def create_agreement(body: AgreementCreate, store: StoreDep, principal: Editor) -> Agreement:
    """Record shared infrastructure (level 4): an information-sharing agreement, a joint
    management information system, a liaison position or co-located staff. It counts from
    `start` through `end`. A leader or planner whose token names an organization records
    evidence only where it takes part (403)."""
    return partnerships.record_evidence(
        principal, body.org_ids, lambda: store.create_agreement(body)
    )


@evidence.get("/agreements")
def list_agreements(store: StoreDep, _: Reader, org_id: OrgFilter) -> list[Agreement]:
    """The agreements of an organization, oldest first, ended ones included."""
    return store.list_agreements(org_id=org_id)


@evidence.post("/collaboratives", status_code=status.HTTP_201_CREATED)
def create_collaborative(
    body: CollaborativeCreate, store: StoreDep, principal: Editor
) -> Collaborative:
    """Record a stakeholder collaborative and its members: `local` with its own governance
    (level 5) or `state`, a state-level collaborative or cabinet (level 6). A leader or planner
    whose token names an organization records one only where it is a member (403)."""
    return partnerships.record_evidence(
        principal, body.member_org_ids, lambda: store.create_collaborative(body)
    )


@evidence.get("/collaboratives")
def list_collaboratives(store: StoreDep, _: Reader, org_id: OrgFilter) -> list[Collaborative]:
    """The collaboratives an organization is a member of, oldest first."""
    return store.list_collaboratives(org_id=org_id)


questions = APIRouter(tags=["partnerships"])


@questions.get("/organizations/{org_id}/partnership-levels", response_model=PartnershipLevels)
def partnership_levels(
    org_id: str, store: StoreDep, principal: Reader, as_of: AsOfDep
) -> ModelResponse:
    """For each partner, the highest partnership level reached (1 referrals, 2 joint case
    planning, 3 joint program, 4 shared infrastructure, 5 local collaborative, 6 state-level
    collaborative) with the evidence in force that day. An agreement, program or collaborative
    stops counting after its end. Case refs are shown only to admins and to caseworkers of a
    member organization."""
    return ModelResponse(
        partnerships.level_fields_of(store, org_id, principal=principal, as_of=as_of)
    )


@questions.get(
    "/organizations/{org_id}/relationship-health", response_model=RelationshipHealthReport
)
def relationship_health(org_id: str, store: StoreDep, _: Reader, as_of: AsOfDep) -> ModelResponse:
    """A suggested state for each partner from what the graph holds: how long since the last
    engagement, how many referrals either way in 90 days have had no feedback, whether
    referrals flow both ways, and whether the level rose or fell in the past year. The assessed
    state stays the state of record; `flag` says where the suggestion disagrees with it.
    Beside it, `survey` gives what the agency's latest survey round (`survey_round`) says of
    the relationship: trust, value, answers per side, the state respondents point to and its
    own flag, with figures only where at least three answered."""
    return ModelResponse(partnerships.health_fields_of(store, org_id, as_of=as_of))


@questions.get("/organizations/{org_id}/engagement-plan", response_model=EngagementPlan)
def engagement_plan(org_id: str, store: StoreDep, _: Reader, as_of: AsOfDep) -> ModelResponse:
    """Partners grouped by state with the action each state asks for: green keep, yellow
    improve, red heal, no dot develop. For each partner the last touchpoint and the planned
    activities (who, format, when); a planned activity dated before today (or `as_of`) is
    overdue. `survey` gives what the agency's latest survey round (`survey_round`) says of each
    relationship (figures only where at least three answered); partners to heal that it shows
    come first, lowest trust first."""
    return ModelResponse(partnerships.plan_fields_of(store, org_id, as_of=as_of))


@questions.get("/network/measures")
def network_measures(
    store: StoreDep,
    _: Reader,
    org_id: Annotated[
        str | None, Query(description="Measure this organization's neighbourhood; all if left out.")
    ] = None,
    depth: Annotated[int, Query(ge=1, le=4, description="How many steps out from org_id.")] = 1,
    region: Annotated[str | None, Query(description="Only organizations of this region.")] = None,
    top: Annotated[int, Query(ge=1, le=100, description="How many brokers to list.")] = 10,
) -> NetworkMeasures:
    """Density, degree and betweenness (brokers) of the partner graph, overall and per sector
    and per region. On large graphs betweenness is estimated from a fixed sample of source
    organizations, as many as take a couple of seconds; `betweenness_samples` says how many
    (null: exact)."""
    return partnerships.measures_of(store, org_id=org_id, depth=depth, region=region, top=top)


router = APIRouter()
for part in (evidence, questions):
    router.include_router(part)
