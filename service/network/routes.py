"""The network's own records: organizations, contacts, relationships with their history,
engagement activities, sectors and profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from graph_models import (
    Assessment,
    Contact,
    ContactCreate,
    ContactQuery,
    ContactUpdate,
    Engagement,
    EngagementCreate,
    EngagementQuery,
    EngagementUpdate,
    Organization,
    OrganizationCreate,
    OrganizationQuery,
    OrganizationUpdate,
    Page,
    Profile,
    ProfileCreate,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipQuery,
    RelationshipUpdate,
    Sector,
)
from service.access.deps import Assessor, Deleter, Editor, Reader
from service.network import service
from service.web.deps import StoreDep

organizations = APIRouter(tags=["organizations"])


@organizations.post("/organizations", status_code=status.HTTP_201_CREATED)
def create_organization(body: OrganizationCreate, store: StoreDep, _: Editor) -> Organization:
    """Add an organization. Its `sector` must be one of `GET /api/v1/sectors`; without an `id`
    one is made from the name."""
    return store.create_organization(body)


@organizations.get("/organizations")
def list_organizations(
    store: StoreDep, _: Reader, query: Annotated[OrganizationQuery, Query()]
) -> Page[Organization]:
    """List organizations by name, filtered by sector, region and text, one page at a time."""
    return store.list_organizations(query)


@organizations.get("/organizations/{org_id}")
def get_organization(org_id: str, store: StoreDep, _: Reader) -> Organization:
    """One organization."""
    return store.get_organization(org_id)


@organizations.patch("/organizations/{org_id}")
def update_organization(
    org_id: str, body: OrganizationUpdate, store: StoreDep, principal: Editor
) -> Organization:
    """Change an organization's name, sector, region, notes or whether it is internal. A leader
    or planner whose token names an organization changes only that one (403 otherwise)."""
    return service.edit_organization(store, principal, org_id, body)


@organizations.delete(
    "/organizations/{org_id}", status_code=status.HTTP_204_NO_CONTENT, response_model=None
)
def delete_organization(org_id: str, store: StoreDep, principal: Deleter) -> None:
    """Remove an organization with its contacts and relationships. A leader whose token names
    an organization removes only that one (403 otherwise)."""
    service.remove_organization(store, principal, org_id)


@organizations.post("/contacts", status_code=status.HTTP_201_CREATED, tags=["contacts"])
def create_contact(body: ContactCreate, store: StoreDep, principal: Editor) -> Contact:
    """Add a person, or a role such as 'Hub Director', at an organization. A leader or planner
    whose token names an organization adds contacts only there (403 otherwise)."""
    return service.add_contact(store, principal, body)


@organizations.get("/contacts", tags=["contacts"])
def list_contacts(
    store: StoreDep, _: Reader, query: Annotated[ContactQuery, Query()]
) -> Page[Contact]:
    """List contacts, filtered by organization and text."""
    return store.list_contacts(query)


@organizations.get("/contacts/{contact_id}", tags=["contacts"])
def get_contact(contact_id: str, store: StoreDep, _: Reader) -> Contact:
    """One contact."""
    return store.get_contact(contact_id)


@organizations.patch("/contacts/{contact_id}", tags=["contacts"])
def update_contact(
    contact_id: str, body: ContactUpdate, store: StoreDep, principal: Editor
) -> Contact:
    """Change a contact's name, role, email or organization. A leader or planner whose token
    names an organization changes only its contacts, and moves none elsewhere (403)."""
    return service.change_contact(store, principal, contact_id, body)


@organizations.delete(
    "/contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    tags=["contacts"],
)
def delete_contact(contact_id: str, store: StoreDep, principal: Deleter) -> None:
    """Remove a contact. A leader whose token names an organization removes only its contacts
    (403 otherwise)."""
    service.remove_contact(store, principal, contact_id)


relationships = APIRouter(prefix="/relationships", tags=["relationships"])


@relationships.post("", status_code=status.HTTP_201_CREATED)
def create_relationship(
    body: RelationshipCreate, store: StoreDep, principal: Editor
) -> Relationship:
    """Relate two organizations with a first assessment: a state (green, yellow, red, no_dot)
    and the reason for it. The token's holder is recorded as the assessor. Planners propose a
    new partner as no_dot (develop) only; a token that names an organization relates only it."""
    return service.relate(store, principal, body)


@relationships.get("")
def list_relationships(
    store: StoreDep, _: Reader, query: Annotated[RelationshipQuery, Query()]
) -> Page[Relationship]:
    """List relationships with their current state, filtered by organization and state."""
    return store.list_relationships(query)


@relationships.get("/{rel_id}")
def get_relationship(rel_id: str, store: StoreDep, _: Reader) -> Relationship:
    """One relationship with its current assessment."""
    return store.get_relationship(rel_id)


@relationships.patch("/{rel_id}")
def assess_relationship(
    rel_id: str, body: RelationshipUpdate, store: StoreDep, principal: Assessor
) -> Relationship:
    """Assess a relationship again. A change of state needs a reason; the earlier assessments
    stay in the history. A token that names an organization assesses only its relationships;
    an ended relationship is not assessed again (409)."""
    return service.assess(store, principal, rel_id, body)


@relationships.post("/{rel_id}/end")
def end_relationship(
    rel_id: str, body: RelationshipEnd, store: StoreDep, principal: Assessor
) -> Relationship:
    """End a relationship on a day (`ended_on`, today if left out; not in the future, not
    before its latest assessment) with the reason. Its history is kept: answers as of an
    earlier day still hold it, and from that day on it is gone (eco-maps list it among the
    partners gone since)."""
    return service.end(store, principal, rel_id, body)


@relationships.get("/{rel_id}/history")
def relationship_history(rel_id: str, store: StoreDep, _: Reader) -> list[Assessment]:
    """Every assessment of a relationship, oldest first: who set which state, when and why."""
    return store.relationship_history(rel_id)


engagements = APIRouter(prefix="/engagements", tags=["engagements"])


@engagements.post("", status_code=status.HTTP_201_CREATED)
def create_engagement(body: EngagementCreate, store: StoreDep, principal: Editor) -> Engagement:
    """Record a touchpoint, held or planned, with the organizations and contacts involved. A
    held activity cannot be dated in the future."""
    return service.record_engagement(store, principal, body)


@engagements.get("")
def list_engagements(
    store: StoreDep, _: Reader, query: Annotated[EngagementQuery, Query()]
) -> Page[Engagement]:
    """List engagement activities by date."""
    return store.list_engagements(query)


@engagements.get("/{engagement_id}")
def get_engagement(engagement_id: str, store: StoreDep, _: Reader) -> Engagement:
    """One engagement activity."""
    return store.get_engagement(engagement_id)


@engagements.patch("/{engagement_id}")
def update_engagement(
    engagement_id: str, body: EngagementUpdate, store: StoreDep, principal: Editor
) -> Engagement:
    """Change an engagement activity: the fields given replace the stored ones, checked as a
    new activity would be. `status: cancelled` cancels a planned activity and keeps its
    record."""
    return service.change_engagement(store, principal, engagement_id, body)


@engagements.delete("/{engagement_id}", status_code=204, response_model=None)
def delete_engagement(engagement_id: str, store: StoreDep, _: Deleter) -> None:
    """Remove an engagement activity."""
    store.delete_engagement(engagement_id)


sectors = APIRouter(tags=["sectors and profiles"])


@sectors.get("/sectors")
def list_sectors(store: StoreDep, _: Reader) -> list[Sector]:
    """Every known sector: its slug and a label people read."""
    return store.list_sectors()


@sectors.get("/profiles")
def list_profiles(store: StoreDep, _: Reader) -> list[Profile]:
    """Sector profiles: named lists of the sectors an agency is expected to engage."""
    return store.list_profiles()


@sectors.post("/profiles", status_code=status.HTTP_201_CREATED)
def create_profile(body: ProfileCreate, store: StoreDep, _: Editor) -> Profile:
    """Add a profile; every sector it names must be known."""
    return store.create_profile(body)


@sectors.get("/profiles/{name}")
def get_profile(name: str, store: StoreDep, _: Reader) -> Profile:
    """One profile with its sectors in order."""
    return store.get_profile(name)


router = APIRouter()
for part in (organizations, relationships, engagements, sectors):
    router.include_router(part)
