"""Pydantic models at the edges of the stakeholder graph: what comes in and what goes out."""

from graph_models.access import (
    Principal,
    SessionRecord,
    SignInCode,
    TokenCreate,
    TokenInfo,
    TokenUpdate,
)
from graph_models.audit import AuditAction, AuditEntry, AuditEntryCreate, AuditQuery
from graph_models.bundles import AssessmentImport, NetworkBundle, RelationshipImport
from graph_models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ListQuery, Page, slugify
from graph_models.engagements import (
    Engagement,
    EngagementCreate,
    EngagementQuery,
    EngagementUpdate,
)
from graph_models.enums import EngagementKind, EngagementStatus, RelationshipState, Role
from graph_models.organizations import (
    Contact,
    ContactCreate,
    ContactQuery,
    ContactUpdate,
    Organization,
    OrganizationCreate,
    OrganizationQuery,
    OrganizationUpdate,
)
from graph_models.paths import STATE_COST, WarmPath, WarmPaths
from graph_models.referrals import (
    CaseTrace,
    DaysToFeedback,
    FeedbackGaps,
    FeedbackLoops,
    LoopCounts,
    LoopScope,
    NewReferral,
    PairLoops,
    Referral,
    ReferralCategory,
    ReferralCreate,
    ReferralEvent,
    ReferralEventCreate,
    ReferralFlow,
    ReferralImport,
    ReferralQuery,
    ReferralStatus,
)
from graph_models.relationships import (
    Assessment,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipQuery,
    RelationshipUpdate,
    relationship_id,
)
from graph_models.sectors import (
    SECTOR_NEIGHBOURS,
    SECTOR_ROSTER,
    Profile,
    ProfileCreate,
    Sector,
    SectorNeighbours,
    SectorRoster,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "SECTOR_NEIGHBOURS",
    "SECTOR_ROSTER",
    "STATE_COST",
    "Assessment",
    "AssessmentImport",
    "AuditAction",
    "AuditEntry",
    "AuditEntryCreate",
    "CaseTrace",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "DaysToFeedback",
    "Engagement",
    "EngagementCreate",
    "EngagementKind",
    "EngagementStatus",
    "EngagementUpdate",
    "FeedbackGaps",
    "FeedbackLoops",
    "LoopCounts",
    "LoopScope",
    "NetworkBundle",
    "NewReferral",
    "Organization",
    "OrganizationCreate",
    "OrganizationUpdate",
    "Page",
    "PairLoops",
    "Principal",
    "Profile",
    "ProfileCreate",
    "Referral",
    "ReferralCategory",
    "ReferralCreate",
    "ReferralEvent",
    "ReferralEventCreate",
    "ReferralFlow",
    "ReferralImport",
    "ReferralStatus",
    "Relationship",
    "RelationshipCreate",
    "RelationshipEnd",
    "RelationshipImport",
    "RelationshipState",
    "RelationshipUpdate",
    "Role",
    "Sector",
    "SectorNeighbours",
    "SectorRoster",
    "SessionRecord",
    "SignInCode",
    "TokenCreate",
    "TokenInfo",
    "TokenUpdate",
    "WarmPath",
    "WarmPaths",
    "relationship_id",
    "slugify",
]

# -- eco-maps ----
from graph_models.ecomaps import (
    EcoMap,
    EcoMapChanges,
    EcoMapPartner,
    MapView,
    RegionMap,
)

__all__ += ["EcoMap", "EcoMapChanges", "EcoMapPartner", "MapView", "RegionMap"]
__all__ += [
    "AuditQuery",
    "ContactQuery",
    "EngagementQuery",
    "ListQuery",
    "OrganizationQuery",
    "ReferralQuery",
    "RelationshipQuery",
]
