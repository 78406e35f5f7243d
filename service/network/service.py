"""The network's writes that follow rules beyond one store call: who may change which
organization, contact, relationship or activity, and an activity's change checked as a whole.
The API routes and the pages call these same functions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from graph_models import (
    AssessmentImport,
    Contact,
    ContactCreate,
    ContactUpdate,
    Engagement,
    EngagementCreate,
    EngagementKind,
    EngagementStatus,
    EngagementUpdate,
    NetworkBundle,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
    Principal,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipImport,
    RelationshipState,
    RelationshipUpdate,
    relationship_id,
    slugify,
)
from graph_models.common import stored_text, utc_now
from service.access.permissions import (
    Permission,
    require,
    require_edit,
    require_record,
    require_relate,
    require_scope,
)
from service.errors import Conflict, InvalidInput, NotFound, describe_validation_errors
from service.store import Store
from service.store.shared.network import refuse_if_ended
from service.web.forms import FormRefused, parse_form


def edit_organization(
    store: Store, principal: Principal, org_id: str, body: OrganizationUpdate
) -> Organization:
    """Change an organization: a leader or planner whose token names one changes only it."""
    require_edit(principal, org_id, Permission.EDIT_NETWORK)
    return store.update_organization(org_id, body)


def remove_organization(store: Store, principal: Principal, org_id: str) -> None:
    """Remove an organization with its contacts and relationships: a leader whose token names
    an organization removes only that one."""
    require_edit(principal, org_id, Permission.DELETE)
    store.delete_organization(org_id)


def add_contact(store: Store, principal: Principal, body: ContactCreate) -> Contact:
    """Add a contact at an organization the principal may edit."""
    require_edit(principal, body.org_id, Permission.EDIT_NETWORK)
    return store.create_contact(body)


def change_contact(
    store: Store, principal: Principal, contact_id: str, body: ContactUpdate
) -> Contact:
    """Change a contact of an organization the principal may edit, and move it only to one."""
    _check_contact(store, principal, contact_id, Permission.EDIT_NETWORK)
    if body.org_id is not None:
        require_edit(principal, body.org_id, Permission.EDIT_NETWORK)
    return store.update_contact(contact_id, body)


def remove_contact(store: Store, principal: Principal, contact_id: str) -> None:
    """Remove a contact of an organization the principal may edit."""
    _check_contact(store, principal, contact_id, Permission.DELETE)
    store.delete_contact(contact_id)


def _check_contact(
    store: Store, principal: Principal, contact_id: str, permission: Permission
) -> None:
    require(principal, permission)
    require_edit(principal, store.get_contact(contact_id).org_id, permission)


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
    if partner_id is not None:
        partner = store.get_organization(partner_id)
        refuse_if_ended_pair(
            relationship_between(store, org_id, partner_id), partner.name, "partner"
        )
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


def relationship_between(store: Store, org_a: str, org_b: str) -> Relationship | None:
    """The relationship of the two organizations, ended or not, if they have one."""
    try:
        return store.get_relationship(relationship_id(org_a, org_b))
    except NotFound:
        return None


def refuse_if_ended_pair(existing: Relationship | None, name: str, field: str = "") -> None:
    """:class:`Conflict` when ``existing`` has ended (the relationship with ``name``): its id
    is the pair, so the two are not related again. ``field`` starts the message with the form
    field it concerns."""
    if existing is not None and existing.ended_on is not None:
        raise Conflict(
            f"{field + ': ' if field else ''}the relationship with '{name}' ended on "
            f"{existing.ended_on.isoformat()}; an ended relationship is not started again"
        )


def plan_outreach(store: Store, principal: Principal, org_id: str, candidate: str) -> None:
    """Plan an outreach from ``org_id`` to ``candidate`` in :data:`OUTREACH_IN_DAYS` days, and
    propose the candidate as a partner to develop (no dot) unless they are related already, so
    that the outreach shows in the engagement plan: one write, all or nothing. A candidate
    whose relationship has ended is refused (409): the relationship's id is the pair, so an
    ended one is not started again."""
    require_record(principal, [org_id])
    require_relate(principal, RelationshipState.NO_DOT)
    focal, other = store.get_organization(org_id), store.get_organization(candidate)
    existing = relationship_between(store, focal.id, other.id)
    refuse_if_ended_pair(existing, other.name)
    # built from what is stored: names and titles as kept, markup and all where an older
    # version let it in
    with stored_text():
        outreach = EngagementCreate(
            kind=EngagementKind.OUTREACH,
            title=f"Outreach to {other.name}",
            date=utc_now().date() + timedelta(days=OUTREACH_IN_DAYS),
            status=EngagementStatus.PLANNED,
            org_ids=[focal.id, other.id],
        )
        proposal = AssessmentImport(
            state=RelationshipState.NO_DOT,
            reason=f"proposed from missing partners; outreach planned for {outreach.date}",
            assessed_by=principal.name,
            assessed_at=utc_now(),
        )
        new = (
            []
            if existing
            else [RelationshipImport(org_a=focal.id, org_b=other.id, history=[proposal])]
        )
        bundle = NetworkBundle(
            name="outreach", title=outreach.title, engagements=[outreach], relationships=new
        )
    store.import_bundle(bundle)
