"""Eco-maps: an agency at the centre, its partners around it, and what changed since a date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator

from graph_models.common import ReadModel, Slug, StrictModel
from graph_models.enums import RelationshipState


class MapOrganization(ReadModel):
    """An organization as a map shows it."""

    id: str
    name: str
    sector: str
    region: str | None
    internal: bool


class EcoMapPartner(ReadModel):
    """A partner of the focal agency and how the relationship stands."""

    organization: MapOrganization
    relationship_id: str
    state: RelationshipState = Field(description="The state as of the map's date.")
    action: str = Field(description="What the state asks for: keep, improve, heal or develop.")
    state_since: datetime = Field(description="When the relationship moved into this state.")
    first_assessed_at: datetime = Field(description="The relationship's first assessment.")
    partnership_level: int | None = Field(
        default=None, description="The highest partnership level reached (1 to 6), if known."
    )
    referrals_sent: int = Field(default=0, description="Referrals the focal agency sent.")
    referrals_received: int = Field(default=0, description="Referrals the focal agency received.")
    open_loops: int = Field(default=0, description="Referrals between the two still open.")


class PartnerLink(ReadModel):
    """A relationship from a partner of the focal agency to a partner of that partner."""

    partner_id: str
    relationship_id: str
    state: RelationshipState


class PartnerOfPartner(ReadModel):
    """An organization two steps from the focal agency, and the partners it is reached through."""

    organization: MapOrganization
    via: list[PartnerLink]


class MissingSector(ReadModel):
    """A sector of the profile in which the focal agency has no partner: an empty place."""

    sector: str
    label: str


class EcoMap(ReadModel):
    """The focal agency, its partners, and the empty places a profile reveals."""

    focal: MapOrganization
    as_of: datetime | None = Field(description="The moment the map answers for; now if null.")
    depth: int = Field(description="1: partners; 2: also partners of partners.")
    profile: str | None = Field(default=None, description="The profile of `missing_sectors`.")
    partners: list[EcoMapPartner]
    partners_of_partners: list[PartnerOfPartner] = Field(
        default_factory=list, description="Organizations two steps away (depth 2 only)."
    )
    missing_sectors: list[MissingSector] = Field(
        default_factory=list, description="Sectors of the profile without any partner."
    )


class StateCounts(ReadModel):
    """How many relationships are in each state."""

    green: int = 0
    yellow: int = 0
    red: int = 0
    no_dot: int = 0


class SectorSummary(ReadModel):
    """The partners of one sector on an eco-map, counted."""

    sector: str
    label: str
    partners: int = Field(description="Partners of this sector.")
    states: StateCounts = Field(description="Those partners by the state of the relationship.")
    partnership_level: int | None = Field(
        default=None, description="The highest partnership level reached with one of them."
    )
    referrals_sent: int = Field(description="Referrals the focal agency sent them.")
    referrals_received: int = Field(description="Referrals the focal agency received from them.")
    open_loops: int = Field(description="Referrals between them and the focal agency still open.")


class EcoMapSummary(ReadModel):
    """An eco-map summed up by sector: what a first look at a hub with thousands of partners
    needs. The partners of one sector are the eco-map's with ``sector=``."""

    focal: MapOrganization
    as_of: datetime | None = Field(description="The moment the map answers for; now if null.")
    profile: str | None = Field(default=None, description="The profile of `missing_sectors`.")
    partners: int = Field(description="All partners on the map.")
    states: StateCounts = Field(description="All partners by the state of the relationship.")
    sectors: list[SectorSummary] = Field(description="Sectors with partners, the most first.")
    missing_sectors: list[MissingSector] = Field(
        default_factory=list, description="Sectors of the profile without any partner."
    )


class PartnerChange(ReadModel):
    """A partner that joined the map, or left it."""

    organization: MapOrganization
    relationship_id: str
    state: RelationshipState = Field(description="Now for a partner added; then for one gone.")
    at: datetime | None = Field(description="When the relationship was first assessed.")
    reason: str | None = Field(description="The reason given with that first assessment.")


class StateMove(ReadModel):
    """A relationship whose state moved, e.g. from red to yellow."""

    organization: MapOrganization
    relationship_id: str
    from_state: RelationshipState
    to_state: RelationshipState
    at: datetime = Field(description="When the relationship moved into its new state.")
    reason: str | None = Field(description="The reason given for the move.")


class EcoMapChanges(ReadModel):
    """What changed on an eco-map between two moments."""

    focal: MapOrganization
    since: datetime | None
    until: datetime | None = Field(description="The later moment; now if null.")
    added: list[PartnerChange]
    gone: list[PartnerChange]
    moved: list[StateMove]


class MapRelationship(ReadModel):
    """A relationship drawn on a network map."""

    id: str
    org_a: str
    org_b: str
    state: RelationshipState


class RegionMap(ReadModel):
    """Every organization of a region and the relationships among them."""

    region: str
    as_of: datetime | None
    organizations: list[MapOrganization]
    relationships: list[MapRelationship]


class MapView(StrictModel):
    """What an eco-map page or export shows; a blank form field counts as left out."""

    depth: int = Field(default=1, ge=1, le=2, description="1: partners; 2: partners of partners.")
    as_of: date | None = Field(default=None, description="The map as it stood at this day's end.")
    profile: Slug | None = Field(default=None, description="Show this profile's empty places.")
    sector: Slug | None = Field(default=None, description="Only partners of this sector.")
    state: RelationshipState | None = Field(default=None, description="Only this state.")
    since: date | None = Field(default=None, description="List what changed since this day.")
    group: Literal["sector", "community"] | None = Field(
        default=None,
        description="Region maps: cluster by sector (the default) or by detected communities.",
    )
    focus: Slug | None = Field(
        default=None, description="Region maps: only this organization and its neighbours."
    )
    focus_depth: int | None = Field(
        default=None, ge=1, le=3, description="Region maps: steps from the focus to show (1)."
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_left_out(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def sectors(self) -> tuple[str, ...]:
        """The sectors to show; none means all."""
        return (self.sector,) if self.sector else ()

    @property
    def states(self) -> tuple[RelationshipState, ...]:
        """The states to show; none means all."""
        return (self.state,) if self.state else ()
