"""A network bundle: everything needed to load a network in one all-or-nothing import.

Seeds, migrations and the statewide generator all load through this one shape.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from graph_models.common import Name, Reason, Slug, StrictModel, Text, Timestamp
from graph_models.engagements import EngagementCreate
from graph_models.enums import RelationshipState
from graph_models.organizations import ContactCreate, OrganizationCreate
from graph_models.referrals import ReferralImport
from graph_models.sectors import ProfileCreate, Sector


class AssessmentImport(StrictModel):
    """One past assessment of a relationship, with who made it."""

    state: RelationshipState
    reason: Reason
    assessed_by: Name
    assessed_at: Timestamp


class RelationshipImport(StrictModel):
    """A relationship with its whole history, oldest assessment first."""

    org_a: Slug
    org_b: Slug
    history: list[AssessmentImport] = Field(min_length=1)

    @model_validator(mode="after")
    def _two_different_organizations(self) -> RelationshipImport:
        if self.org_a == self.org_b:
            raise ValueError("a relationship needs two different organizations")
        return self


class NetworkBundle(StrictModel):
    """Sectors, profiles, organizations, contacts, relationships and engagements of a network."""

    name: Slug
    title: Name
    description: Text = ""
    focal_org_ids: list[Slug] = Field(
        default_factory=list, description="The agencies at the centre of this network."
    )
    sectors: list[Sector] = Field(default_factory=list)
    profiles: list[ProfileCreate] = Field(default_factory=list)
    organizations: list[OrganizationCreate] = Field(default_factory=list)
    contacts: list[ContactCreate] = Field(default_factory=list)
    relationships: list[RelationshipImport] = Field(default_factory=list)
    engagements: list[EngagementCreate] = Field(default_factory=list)
    # -- referrals ----
    referrals: list[ReferralImport] = Field(
        default_factory=list, description="Referrals of cases with their status events."
    )
