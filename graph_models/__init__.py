"""Pydantic models at the edges of the stakeholder graph: what comes in and what goes out."""

from graph_models.access import Principal, TokenCreate
from graph_models.bundles import AssessmentImport, NetworkBundle, RelationshipImport
from graph_models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, slugify
from graph_models.engagements import Engagement, EngagementCreate
from graph_models.enums import EngagementKind, EngagementStatus, RelationshipState, Role
from graph_models.organizations import (
    Contact,
    ContactCreate,
    ContactUpdate,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
)
from graph_models.relationships import (
    Assessment,
    Relationship,
    RelationshipCreate,
    RelationshipUpdate,
    relationship_id,
)
from graph_models.sectors import Profile, ProfileCreate, Sector

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Assessment",
    "AssessmentImport",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "Engagement",
    "EngagementCreate",
    "EngagementKind",
    "EngagementStatus",
    "NetworkBundle",
    "Organization",
    "OrganizationCreate",
    "OrganizationUpdate",
    "Page",
    "Principal",
    "Profile",
    "ProfileCreate",
    "Relationship",
    "RelationshipCreate",
    "RelationshipImport",
    "RelationshipState",
    "RelationshipUpdate",
    "Role",
    "Sector",
    "TokenCreate",
    "relationship_id",
    "slugify",
]

# -- eco-maps ----
from graph_models.ecomaps import (
    EcoMap,
    EcoMapChanges,
    EcoMapPartner,
    MapView,
    ReferralFlow,
    RegionMap,
)

__all__ += ["EcoMap", "EcoMapChanges", "EcoMapPartner", "MapView", "ReferralFlow", "RegionMap"]
