"""Organizations and their contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from graph_models import (
    Contact,
    ContactCreate,
    ContactUpdate,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
    Page,
)
from service.web.deps import DEFAULT_LIMIT, Deleter, Editor, Limit, Offset, Reader, StoreDep

router = APIRouter(tags=["organizations"])


@router.post("/organizations", status_code=status.HTTP_201_CREATED)
def create_organization(body: OrganizationCreate, store: StoreDep, _: Editor) -> Organization:
    """Add an organization. Its `sector` must be one of `GET /api/v1/sectors`; without an `id`
    one is made from the name."""
    return store.create_organization(body)


@router.get("/organizations")
def list_organizations(
    store: StoreDep,
    _: Reader,
    sector: Annotated[str | None, Query(description="Only this sector (a slug).")] = None,
    region: Annotated[str | None, Query(description="Only this region, exactly.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text found in the name or id.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[Organization]:
    """List organizations by name, filtered by sector, region and text, one page at a time."""
    return store.list_organizations(sector=sector, region=region, q=q, limit=limit, offset=offset)


@router.get("/organizations/{org_id}")
def get_organization(org_id: str, store: StoreDep, _: Reader) -> Organization:
    """One organization."""
    return store.get_organization(org_id)


@router.patch("/organizations/{org_id}")
def update_organization(
    org_id: str, body: OrganizationUpdate, store: StoreDep, _: Editor
) -> Organization:
    """Change an organization's name, sector, region, notes or whether it is internal."""
    return store.update_organization(org_id, body)


@router.delete(
    "/organizations/{org_id}", status_code=status.HTTP_204_NO_CONTENT, response_model=None
)
def delete_organization(org_id: str, store: StoreDep, _: Deleter) -> None:
    """Remove an organization with its contacts and relationships."""
    store.delete_organization(org_id)


@router.post("/contacts", status_code=status.HTTP_201_CREATED, tags=["contacts"])
def create_contact(body: ContactCreate, store: StoreDep, _: Editor) -> Contact:
    """Add a person, or a role such as 'Hub Director', at an organization."""
    return store.create_contact(body)


@router.get("/contacts", tags=["contacts"])
def list_contacts(
    store: StoreDep,
    _: Reader,
    org_id: Annotated[str | None, Query(description="Only contacts at this organization.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text found in the name or role.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[Contact]:
    """List contacts, filtered by organization and text."""
    return store.list_contacts(org_id=org_id, q=q, limit=limit, offset=offset)


@router.get("/contacts/{contact_id}", tags=["contacts"])
def get_contact(contact_id: str, store: StoreDep, _: Reader) -> Contact:
    """One contact."""
    return store.get_contact(contact_id)


@router.patch("/contacts/{contact_id}", tags=["contacts"])
def update_contact(contact_id: str, body: ContactUpdate, store: StoreDep, _: Editor) -> Contact:
    """Change a contact's name, role, email or organization."""
    return store.update_contact(contact_id, body)


@router.delete(
    "/contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    tags=["contacts"],
)
def delete_contact(contact_id: str, store: StoreDep, _: Deleter) -> None:
    """Remove a contact."""
    store.delete_contact(contact_id)
