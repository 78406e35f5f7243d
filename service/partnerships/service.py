"""Partnerships read from the store: levels, relationship health, the engagement plan, and
network measures. Each function gathers plain inputs from the store and hands them to the
pure functions beside it (``levels``, ``health``, ``engagement_plan``, ``measures``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, timedelta
from typing import Any, TypeVar

import networkx as nx

from graph_models import (
    AuditAction,
    EngagementStatus,
    Principal,
)
from graph_models.common import AsOf, end_of_day
from graph_models.evidence import (
    JointCasePlan,
    JointCasePlanCreate,
    PartnershipLevels,
)
from graph_models.measures import NetworkMeasures
from graph_models.partnerships import EngagementPlan, RelationshipHealthReport
from service.access.permissions import may_see_case, require_evidence
from service.errors import Forbidden
from service.partnerships.engagement_plan import plan_fields, states_as_of
from service.partnerships.health import relationship_health
from service.partnerships.levels import (
    as_evidence,
    levels_with_first_referrals,
    partner_level_fields,
)
from service.partnerships.measures import network_measures
from service.referrals.service import audit
from service.store import Store
from service.store.shared.network import PartnerRecords
from service.surveys.service import latest_of

BETWEENNESS_BUDGET = 2_000_000
"""Betweenness costs about (organizations + relationships) steps per source organization; when
all sources would cost more than this, it is estimated from as many as the budget allows (at
least 10), chosen with a fixed seed. A couple of seconds at most on one core."""
HEALTH_WINDOW_DAYS = 90
"""How far back referrals count for relationship health."""


def relationships_of(store: Store, org_id: str) -> nx.Graph:
    """``org_id``, its partners and its relationships with them, as ``Store.partner_graph``
    gives them but without the relationships among the partners: all an eco-map of depth 1,
    relationship health or an engagement plan look at. It is the introduction graph of
    ``org_id`` with no sector; around a hub the partner graph would also copy the thousands
    of relationships its partners have with one another."""
    return store.introduction_graph([org_id], sectors=())


def levels_of(store: Store, org_id: str, *, principal: Principal, as_of: AsOf) -> PartnershipLevels:
    """The level of each partner of ``org_id`` as of a day, with the evidence:
    :func:`level_fields_of` as a model."""
    return PartnershipLevels.model_validate(
        level_fields_of(store, org_id, principal=principal, as_of=as_of)
    )


def level_fields_of(
    store: Store, org_id: str, *, principal: Principal, as_of: AsOf
) -> dict[str, Any]:
    """The fields of the :class:`PartnershipLevels` of ``org_id`` on a day, as plain data in
    the model's order (as :func:`~service.partnerships.levels.partner_level_fields` gives its
    partners): what the route writes out once, around a hub's thousands of partners. Case refs
    only for those who may see the case; each one shown is audited."""
    day = as_of.day
    records = store.level_records(org_id, until=end_of_day(day))
    evidence = as_evidence(**records.evidence._asdict())
    levels = partner_level_fields(org_id, evidence=evidence, referrals=records.tallies, as_of=day)
    shown = []
    for item in (item for partner in levels for item in partner["evidence"] if item["case_ref"]):
        if may_see_case(principal, item["org_ids"]):
            shown.append(item["case_ref"])
        else:
            item["case_ref"] = None
    _audit_shown(store, principal, shown)
    return {"org_id": org_id, "as_of": day, "partners": levels}


def partner_level_map(org_id: str, records: PartnerRecords, *, as_of: AsOf) -> dict[str, int]:
    """Each partner's partnership level (1 to 6) on ``as_of``, partners without evidence left
    out: what an eco-map weighs its lines by, from ``org_id``'s ``records``
    (``Store.partner_records``).

    Referrals, the evidence of level 1, are taken from the referral flows: a level needs no
    more than the first referral of each partner, and reading every referral of a hub costs
    far more than its eco-map.
    """
    return levels_with_first_referrals(
        org_id,
        evidence=as_evidence(**records.evidence._asdict()),
        first_referrals={
            partner: flow.first_referral_at
            for partner, flow in records.flows.items()
            if flow.first_referral_at is not None
        },
        as_of=as_of.day,
    )


def _shown(store: Store, plans: list[JointCasePlan], principal: Principal) -> list[JointCasePlan]:
    """``plans`` as ``principal`` may see them: without their case ref unless they may see
    the case; every case ref shown is audited."""
    shown = [
        plan
        if plan.case_ref is None or may_see_case(principal, plan.org_ids)
        else plan.model_copy(update={"case_ref": None})
        for plan in plans
    ]
    _audit_shown(store, principal, [plan.case_ref for plan in shown if plan.case_ref])
    return shown


def _audit_shown(store: Store, principal: Principal, case_refs: list[str]) -> None:
    """Audit the case refs shown, in one write (none when none is shown): a hub's levels show
    thousands of partners."""
    if case_refs:
        audit(store, principal, AuditAction.READ_PARTNERSHIP_EVIDENCE, case_refs)


def record_joint_case_plan(
    store: Store, plan: JointCasePlanCreate, *, principal: Principal
) -> JointCasePlan:
    """Record a joint case plan; a caseworker may record only plans of their organization.
    It names a case, so it is audited."""
    if not may_see_case(principal, plan.org_ids):
        raise Forbidden(
            f"a caseworker of '{principal.org_id}' may record joint case plans only of "
            "their own organization"
        )
    created = store.create_joint_case_plan(plan)
    audit(store, principal, AuditAction.RECORD_JOINT_CASE_PLAN, [plan.case_ref])
    return created


R = TypeVar("R")


def record_evidence(principal: Principal, org_ids: Collection[str], write: Callable[[], R]) -> R:
    """``write()`` a joint program, agreement or collaborative binding ``org_ids``: a leader or
    planner whose token names an organization records evidence only where it takes part."""
    require_evidence(principal, org_ids)
    return write()


def joint_case_plans_of(store: Store, org_id: str, *, principal: Principal) -> list[JointCasePlan]:
    """The joint case plans naming ``org_id``; case refs only for those who may see the case."""
    return _shown(store, store.list_joint_case_plans(org_id=org_id), principal)


def health_of(store: Store, org_id: str, *, as_of: AsOf) -> RelationshipHealthReport:
    """A suggested state for every partner of ``org_id`` on a day, and where it disagrees with
    the assessed one: :func:`health_fields_of` as a model."""
    return RelationshipHealthReport.model_validate(health_fields_of(store, org_id, as_of=as_of))


def health_fields_of(store: Store, org_id: str, *, as_of: AsOf) -> dict[str, Any]:
    """The fields of the :class:`RelationshipHealthReport` of ``org_id`` on a day, as plain
    data in the model's order (as :func:`~service.partnerships.health.relationship_health`
    gives its partners): what the route writes out once, around a hub's thousands of
    partners."""
    day = as_of.day
    inputs = _health_inputs(store, org_id, day)
    survey = inputs["survey"]
    return {
        "org_id": org_id,
        "as_of": day,
        "window_days": HEALTH_WINDOW_DAYS,
        "partners": relationship_health(
            org_id, **inputs, as_of=day, window_days=HEALTH_WINDOW_DAYS
        ),
        "survey_round": survey.round if survey else None,
    }


def _health_inputs(store: Store, org_id: str, day: date) -> dict[str, Any]:
    """What the health of ``org_id``'s relationships on ``day`` rests on: the assessed states,
    the last touchpoints, the evidence, the referral tallies, the window's referrals and the
    latest survey round's results."""
    until, since = end_of_day(day), end_of_day(day - timedelta(days=HEALTH_WINDOW_DAYS))
    records = store.health_records(org_id, since=since, until=until)
    assessed = {
        partner: state for partner, (_, state) in states_as_of(records.graph, org_id, day).items()
    }
    return {
        "assessed": assessed,
        "touchpoints": records.touchpoints,
        "evidence": as_evidence(**records.evidence._asdict()),
        "tallies": records.tallies,
        "referrals": records.referrals,
        "survey": latest_of(store, records.rounds, until=until),
    }


def plan_of(store: Store, org_id: str, *, as_of: AsOf) -> EngagementPlan:
    """The engagement plan of ``org_id`` as of a day: :func:`plan_fields_of` as a model."""
    return EngagementPlan.model_validate(plan_fields_of(store, org_id, as_of=as_of))


def plan_fields_of(store: Store, org_id: str, *, as_of: AsOf) -> dict[str, Any]:
    """The fields of the :class:`EngagementPlan` of ``org_id`` as of a day, as plain data in
    the model's order (see :func:`~service.partnerships.engagement_plan.plan_fields`): what
    the route writes out once, around a hub's thousands of partners."""
    day = as_of.day
    records = store.plan_records(org_id)
    return plan_fields(
        org_id,
        records.graph,
        engagements=[
            e for e in records.engagements if e.status is EngagementStatus.PLANNED or e.date <= day
        ],
        contacts=records.contacts,
        today=day,
        survey=latest_of(store, records.rounds, until=end_of_day(day)),
    )


def measures_of(
    store: Store,
    *,
    org_id: str | None = None,
    depth: int = 1,
    region: str | None = None,
    top: int = 10,
) -> NetworkMeasures:
    """Network measures of the whole graph, or of one organization's neighbourhood within
    ``depth`` steps; only organizations of ``region`` when one is given. Relationships that
    have ended are left out."""
    if org_id is None and region is not None:
        graph = store.region_graph(region)  # the region alone, not the whole graph
    else:
        graph = store.partner_graph(org_id, depth=depth)
        if region is not None:
            graph = graph.subgraph(n for n, r in graph.nodes(data="region") if r == region)
    ended = [(a, b) for a, b, edge in graph.edges(data=True) if "ended_at" in edge]
    if ended:  # measures are of the network as it stands: an ended relationship is no tie
        graph = nx.restricted_view(graph, [], ended)
    size = graph.number_of_nodes() + graph.number_of_edges()
    samples = max(10, BETWEENNESS_BUDGET // size) if size else None
    measures = network_measures(graph, top=top, betweenness_samples=samples)
    return measures.model_copy(
        update={"org_id": org_id, "depth": depth if org_id else None, "region": region}
    )
