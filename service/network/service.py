"""The network's writes that follow rules beyond one store call: who may change which
relationship or activity, and an activity's change checked as a whole. The API routes and the
pages call these same functions."""

from __future__ import annotations

from pydantic import ValidationError

from graph_models import (
    Engagement,
    EngagementCreate,
    EngagementUpdate,
    Principal,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipUpdate,
)
from service.access.permissions import Permission, require, require_relate, require_scope
from service.errors import InvalidInput, describe_validation_errors
from service.store import Store


def relate(store: Store, principal: Principal, body: RelationshipCreate) -> Relationship:
    """Record a new relationship with its first assessment, the principal as the assessor."""
    require_relate(principal, body.state)
    require_scope(principal, [body.org_a, body.org_b], "add a relationship")
    return store.create_relationship(body, assessed_by=principal.name)


def assess(
    store: Store, principal: Principal, rel_id: str, body: RelationshipUpdate
) -> Relationship:
    """Assess a relationship again, if the principal's organization takes part in it."""
    require(principal, Permission.ASSESS)
    current = store.get_relationship(rel_id)
    require_scope(principal, [current.org_a, current.org_b], "assess a relationship")
    return store.assess_relationship(rel_id, body, assessed_by=principal.name)


def end(store: Store, principal: Principal, rel_id: str, body: RelationshipEnd) -> Relationship:
    """End a relationship, keeping its history, if the principal's organization takes part."""
    require(principal, Permission.ASSESS)
    current = store.get_relationship(rel_id)
    require_scope(principal, [current.org_a, current.org_b], "end a relationship")
    return store.end_relationship(rel_id, body, ended_by=principal.name)


def record_engagement(store: Store, principal: Principal, body: EngagementCreate) -> Engagement:
    """Record an activity, held or planned, with the organizations and contacts involved."""
    require(principal, Permission.EDIT_NETWORK)
    require_scope(principal, body.org_ids, "record an activity")
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
    require_scope(principal, [*current.org_ids, *changed.org_ids], "change an activity")
    return store.update_engagement(engagement_id, changed)
