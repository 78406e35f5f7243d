"""Sectors and sector profiles: the list of sectors an agency is expected to engage."""

from __future__ import annotations

from pydantic import Field

from graph_models.common import Name, ReadModel, Slug, StrictModel, Text


class Sector(StrictModel):
    """A sector, such as ``early_intervention``, with a label people read."""

    slug: Slug
    label: Name
    description: Text = ""


class ProfileCreate(StrictModel):
    """A named list of sectors, e.g. the target audiences of an engagement plan."""

    name: Slug
    label: Name
    source: Text = Field(default="", description="Where the list comes from.")
    sectors: list[Slug] = Field(min_length=1, max_length=200)


class Profile(ReadModel):
    """A sector profile as stored."""

    name: str
    label: str
    source: str
    sectors: list[str]
