"""Network measures a coalition reports on: density, degree and betweenness (brokers)."""

from __future__ import annotations

from pydantic import Field

from graph_models.common import ReadModel


class OrganizationMeasure(ReadModel):
    """How connected one organization is, and how much it bridges others."""

    org_id: str
    name: str
    sector: str
    region: str | None
    degree: int = Field(description="How many relationships it has in the graph measured.")
    betweenness: float = Field(
        description="Share of shortest paths between other organizations that pass through it "
        "(normalized, 0 to 1): a broker scores high."
    )


class GroupMeasure(ReadModel):
    """The organizations of one sector or one region."""

    group: str | None = Field(description="The sector or region; none for orgs without one.")
    organizations: int
    ties_within: int = Field(description="Relationships between two members of the group.")
    ties_across: int = Field(description="Relationships from a member to a non-member.")
    density: float = Field(description="ties_within over the ties possible within the group.")
    mean_degree: float
    broker: str | None = Field(description="The member with the highest betweenness, if any.")


class NetworkMeasures(ReadModel):
    """Density, degree and betweenness of a graph, overall and per sector and region."""

    org_id: str | None = Field(default=None, description="Whose neighbourhood; none: all.")
    depth: int | None = None
    region: str | None = Field(default=None, description="Only organizations of this region.")
    organizations: int
    ties: int
    density: float = Field(description="Relationships over the relationships possible.")
    mean_degree: float
    betweenness_samples: int | None = Field(
        description="How many sources betweenness was estimated from; none when it is exact."
    )
    brokers: list[OrganizationMeasure] = Field(
        description="Organizations with betweenness above zero, highest first."
    )
    by_sector: list[GroupMeasure]
    by_region: list[GroupMeasure]
