"""Sector coverage: which sectors of a profile an agency has partners in, and who could fill
a gap."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from graph_models.common import ReadModel
from graph_models.enums import RelationshipState
from graph_models.sectors import Profile


class SectorStatus(StrEnum):
    """How well a sector of a profile is covered by partners.

    >>> SectorStatus("fragile").meaning
    'one partner in good standing'
    """

    COVERED = "covered"
    FRAGILE = "fragile"
    WEAK = "weak"
    MISSING = "missing"

    @property
    def meaning(self) -> str:
        """What the status says, in the words the pages use."""
        return _MEANINGS[self]


_MEANINGS = {
    SectorStatus.COVERED: "two or more partners in good standing (green or yellow)",
    SectorStatus.FRAGILE: "one partner in good standing",
    SectorStatus.WEAK: "only red or no-dot partners",
    SectorStatus.MISSING: "no partner",
}


class OrganizationRef(ReadModel):
    """An organization as named in an answer."""

    id: str
    name: str
    sector: str
    region: str | None


class SectorPartner(ReadModel):
    """A partner of ours in a sector, with the state of our relationship."""

    organization: OrganizationRef
    state: RelationshipState = Field(
        description="Our relationship with them; for a group, the best one any member has."
    )


class Introducer(ReadModel):
    """A partner of ours who has a relationship with a candidate."""

    org_id: str
    name: str
    state: RelationshipState = Field(description="Our relationship with the introducer.")
    their_state: RelationshipState = Field(
        description="The introducer's relationship with the candidate."
    )
    warmth: float = Field(
        description="What this introduction adds to the score: 1 per green, 0.5 per yellow, "
        "0 for red or no dot, multiplied over the two relationships."
    )


class Candidate(ReadModel):
    """An organization of the sector we have no relationship with, and why it is ranked here."""

    organization: OrganizationRef
    score: float = Field(
        description="Warm introductions: the sum of the introducers' warmth. Candidates are "
        "ranked by score, then same region, then referral activity, then name."
    )
    same_region: bool = Field(description="In one of our regions.")
    referrals: int = Field(description="Referrals between them and us, either way.")
    via: list[Introducer] = Field(description="Partners of ours who work with them, warmest first.")
    reason: str = Field(description="Why they are ranked here, in one line.")


class SectorCoverage(ReadModel):
    """One sector of the profile: how it is covered, by whom, and who could fill the gap."""

    sector: str
    label: str
    status: SectorStatus
    partner_count: int = Field(description="How many partners of ours are in the sector.")
    partners_by_state: dict[RelationshipState, int] = Field(
        description="How many of them are green, yellow, no dot and red."
    )
    partners: list[SectorPartner] = Field(
        description="Our partners in the sector, best state first then by name, at most `limit`."
    )
    candidates: list[Candidate] = Field(
        description="Ranked candidates; empty for a covered sector."
    )


class MissingPartners(ReadModel):
    """The sectors of a profile that an organization, or a group of them, lacks or holds weakly."""

    profile: Profile
    focal_org_ids: list[str] = Field(description="The organization, or the group's members.")
    home_regions: list[str] = Field(description="The regions a candidate counts as same region in.")
    missing_sectors: list[SectorCoverage] = Field(description="Sectors with no partner.")
    weak_sectors: list[SectorCoverage] = Field(
        description="Sectors with only red or no-dot partners."
    )
    fragile_sectors: list[SectorCoverage] = Field(
        description="Sectors with a single partner in good standing."
    )
    covered_sectors: list[SectorCoverage] = Field(
        description="Sectors with two or more partners in good standing."
    )
