"""Organizations and the people who work at them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from graph_models.common import ListQuery, Name, ReadModel, Slug, StrictModel, Text

Region = Field(default=None, max_length=120, description="Region, county or district.")


class OrganizationCreate(StrictModel):
    """A new organization. Without an ``id``, one is made from the name."""

    id: Slug | None = None
    name: Name
    sector: Slug = Field(description="Sector slug, one of `GET /api/v1/sectors`.")
    region: str | None = Region
    internal: bool = Field(
        default=False, description="True for units inside the agency, false for external partners."
    )
    notes: Text = ""


class OrganizationUpdate(StrictModel):
    """Fields of an organization to change; the ones left out stay as they are."""

    name: Name | None = None
    sector: Slug | None = None
    region: str | None = Region
    internal: bool | None = None
    notes: Text | None = None


class Organization(ReadModel):
    """An organization as stored."""

    id: str
    name: str
    sector: str
    region: str | None
    internal: bool
    notes: str
    created_at: datetime


class ContactCreate(StrictModel):
    """A person, or a role, at an organization: 'Hub Director', 'Tribal education director'."""

    id: Slug | None = None
    org_id: Slug
    name: Name
    role: Name = Field(description="The contact's role at the organization.")
    email: str | None = Field(default=None, max_length=200)


class ContactUpdate(StrictModel):
    """Fields of a contact to change."""

    org_id: Slug | None = None
    name: Name | None = None
    role: Name | None = None
    email: str | None = Field(default=None, max_length=200)


class Contact(ReadModel):
    """A contact as stored."""

    id: str
    org_id: str
    name: str
    role: str
    email: str | None
    created_at: datetime


class OrganizationQuery(ListQuery):
    """Which organizations to list, by name then id."""

    sector: str | None = Field(default=None, description="Only this sector (a slug).")
    region: str | None = Field(default=None, description="Only this region, exactly.")
    q: str | None = Field(default=None, max_length=200, description="Text found in the name or id.")


class ContactQuery(ListQuery):
    """Which contacts to list, by organization, name and id."""

    org_id: str | None = Field(default=None, description="Only contacts at this organization.")
    q: str | None = Field(
        default=None, max_length=200, description="Text found in the name or role."
    )
