"""The network's writes that follow rules beyond one store call: who may change which
relationship or activity, and an activity's change checked as a whole. The API routes and the
pages call these same functions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from graph_models import (
    MAX_PAGE_SIZE,
    Engagement,
    EngagementCreate,
    EngagementKind,
    EngagementStatus,
    EngagementUpdate,
    OrganizationCreate,
    Principal,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipQuery,
    RelationshipState,
    RelationshipUpdate,
    slugify,
)
from graph_models.common import utc_now
from service.access.permissions import (
    Permission,
    require,
    require_record,
    require_relate,
    require_scope,
)
from service.errors import InvalidInput, describe_validation_errors
from service.store import Store
from service.store.shared.network import refuse_if_ended
from service.web.forms import FormRefused, parse_form


def relate(store: Store, principal: Principal, body: RelationshipCreate) -> Relationship:
    """Record a new relationship with its first assessment, the principal as the assessor."""
    require_relate(principal, body.state)
    require_scope(principal, [body.org_a, body.org_b], "add a relationship")
    return store.create_relationship(body, assessed_by=principal.name)


def check_relate(principal: Principal, org_id: str, states: list[Any]) -> None:
    """Refuse adding partners to ``org_id`` unless the principal may record a relationship in
    some state (``states``, those offered) and their organization, if any, is ``org_id``."""
    if not states:
        require_relate(principal, RelationshipState.NO_DOT)
    require_scope(principal, [org_id], "add a relationship")


def add_partner(
    store: Store,
    principal: Principal,
    org_id: str,
    partner_id: str | None,
    *,
    first: dict[str, Any],
    new: dict[str, Any],
) -> Relationship:
    """Relate ``org_id`` to ``partner_id``, or to a new organization made of ``new`` (the
    fields of :class:`OrganizationCreate`), with a first assessment of ``first`` (``state``,
    ``reason``). Every field is checked before anything is written: a refusal names each
    field's problem, ``new_`` before the new organization's fields."""
    errors: dict[str, str] = {}
    organization = None
    if partner_id is None:
        try:
            organization = parse_form(OrganizationCreate, new, prefix="new_")
        except FormRefused as refused:
            errors |= refused.errors
    provisional = partner_id or (slugify(organization.name) if organization else "new")
    try:
        body = parse_form(RelationshipCreate, {**first, "org_a": org_id, "org_b": provisional})
    except FormRefused as refused:
        errors |= refused.errors
    if errors:
        raise FormRefused(errors)
    require_relate(principal, body.state)
    require_scope(principal, [org_id], "add a relationship")
    store.get_organization(org_id)
    if organization is not None:
        require(principal, Permission.EDIT_NETWORK)
        body = body.model_copy(update={"org_b": store.create_organization(organization).id})
    return relate(store, principal, body)


def check_assess(principal: Principal, current: Relationship) -> None:
    """Refuse assessing or ending ``current`` unless the principal's role assesses, their
    organization (if their token names one) takes part, and it has not ended."""
    require(principal, Permission.ASSESS)
    require_scope(principal, [current.org_a, current.org_b], "assess or end a relationship")
    refuse_if_ended(current)


def assess(
    store: Store, principal: Principal, rel_id: str, body: RelationshipUpdate
) -> Relationship:
    """Assess a relationship again (see :func:`check_assess`)."""
    check_assess(principal, store.get_relationship(rel_id))
    return store.assess_relationship(rel_id, body, assessed_by=principal.name)


def end(store: Store, principal: Principal, rel_id: str, body: RelationshipEnd) -> Relationship:
    """End a relationship, keeping its history (see :func:`check_assess`)."""
    check_assess(principal, store.get_relationship(rel_id))
    return store.end_relationship(rel_id, body, ended_by=principal.name)


def record_engagement(store: Store, principal: Principal, body: EngagementCreate) -> Engagement:
    """Record an activity, held or planned, with the organizations and contacts involved."""
    require_record(principal, body.org_ids)
    return store.create_engagement(body)


def change_engagement(
    store: Store, principal: Principal, engagement_id: str, body: EngagementUpdate
) -> Engagement:
    """Change or cancel an activity: the result is checked as a new one would be (a held
    activity is not dated in the future), and the record is kept."""
    require(principal, Permission.EDIT_NETWORK)
    current = store.get_engagement(engagement_id)
    try:
        changed = body.applied_to(current)
    except ValidationError as error:
        raise InvalidInput(describe_validation_errors(error.errors())) from None
    except ValueError as error:
        raise InvalidInput(f"status: {error}") from None
    require_record(principal, current.org_ids)
    require_record(principal, changed.org_ids)
    return store.update_engagement(engagement_id, changed)


OUTREACH_IN_DAYS = 14
"""How far ahead a one-click outreach is planned; its page moves it."""


def plan_outreach(store: Store, principal: Principal, org_id: str, candidate: str) -> Engagement:
    """Plan an outreach from ``org_id`` to ``candidate`` in :data:`OUTREACH_IN_DAYS` days, and
    propose the candidate as a partner to develop (no dot) unless they are related already, so
    that the outreach shows in the engagement plan. Both are checked before either is written.

    The activity is written first: a refusal of the proposal then leaves a planned outreach,
    which is what was asked for."""
    require_record(principal, [org_id])
    require_relate(principal, RelationshipState.NO_DOT)
    focal, other = store.get_organization(org_id), store.get_organization(candidate)
    outreach = EngagementCreate(
        kind=EngagementKind.OUTREACH,
        title=f"Outreach to {other.name}",
        date=utc_now().date() + timedelta(days=OUTREACH_IN_DAYS),
        status=EngagementStatus.PLANNED,
        org_ids=[focal.id, other.id],
    )
    related = store.list_relationships(RelationshipQuery(org_id=focal.id, limit=MAX_PAGE_SIZE))
    known = {end for rel in related.items for end in (rel.org_a, rel.org_b)}
    engagement = store.create_engagement(outreach)
    if other.id not in known:
        relate(
            store,
            principal,
            RelationshipCreate(
                org_a=focal.id,
                org_b=other.id,
                state=RelationshipState.NO_DOT,
                reason=f"proposed from missing partners; outreach planned for {outreach.date}",
            ),
        )
    return engagement
