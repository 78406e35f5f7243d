"""Organizations and the people who work at them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from graph_models.common import (
    Line,
    ListQuery,
    Name,
    ReadModel,
    Slug,
    StrictModel,
    Text,
    one_line,
    plain,
)


def region_name(region: str) -> str:
    """Refuse a region name that cannot be the address of its map, ``/regions/{region}/map``.

    >>> region_name("Lane and Douglas")
    'Lane and Douglas'
    >>> region_name("Lane/Douglas")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: a region names its map's address (/regions/REGION/map), so it cannot hold '/' ...
    """
    if "/" in region or "\\" in region or region in (".", ".."):
        raise ValueError(
            "a region names its map's address (/regions/REGION/map), so it cannot hold '/' or "
            "'\\', nor be '.' or '..'; write e.g. 'Lane-Douglas' or 'Lane and Douglas'"
        )
    return one_line(region)


RegionName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=120),
    AfterValidator(region_name),
    AfterValidator(plain),
    Field(
        description="Region, county or district, as plain text; its map is at "
        "`/regions/{region}/map`."
    ),
]
Email = Annotated[str, StringConstraints(max_length=200), AfterValidator(one_line)]


class OrganizationCreate(StrictModel):
    """A new organization. Without an ``id``, one is made from the name."""

    id: Slug | None = None
    name: Name
    sector: Slug = Field(description="Sector slug, one of `GET /api/v1/sectors`.")
    region: RegionName | None = None
    internal: bool = Field(
        default=False, description="True for units inside the agency, false for external partners."
    )
    notes: Text = ""


class OrganizationUpdate(StrictModel):
    """Fields of an organization to change; the ones left out stay as they are."""

    name: Name | None = None
    sector: Slug | None = None
    region: RegionName | None = None
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
    email: Email | None = None


class ContactUpdate(StrictModel):
    """Fields of a contact to change."""

    org_id: Slug | None = None
    name: Name | None = None
    role: Name | None = None
    email: Email | None = None


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
    region: Line | None = Field(default=None, description="Only this region, exactly.")
    q: Line | None = Field(default=None, description="Text found in the name or id.")


class ContactQuery(ListQuery):
    """Which contacts to list, by organization, name and id."""

    org_id: str | None = Field(default=None, description="Only contacts at this organization.")
    q: Line | None = Field(default=None, description="Text found in the name or role.")
