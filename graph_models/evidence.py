"""Evidence of partnership levels: joint case plans, joint programs, agreements, collaboratives.

Each record is dated and names the organizations it binds. Levels follow "Levels of Community
Partnerships" (reference 001): 1 referrals and 2 joint case planning (case level), 3 joint
program development, 4 shared infrastructure, 5 a local collaborative with its own governance,
6 a state-level collaborative or cabinet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Annotated, NamedTuple

from pydantic import Field, model_validator

from graph_models.common import FieldProblem, Name, ReadModel, Slug, StrictModel, Text
from graph_models.referrals import CaseRef


class PartnershipLevel(IntEnum):
    """How deep a partnership goes, from case-level referrals up to a state cabinet.

    >>> PartnershipLevel(4).label
    'shared organizational infrastructure'
    """

    REFERRALS = 1
    JOINT_CASE_PLANNING = 2
    JOINT_PROGRAM = 3
    SHARED_INFRASTRUCTURE = 4
    LOCAL_COLLABORATIVE = 5
    STATE_COLLABORATIVE = 6

    @property
    def label(self) -> str:
        """The level in the words of reference 001."""
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {
    PartnershipLevel.REFERRALS: "basic effective referrals",
    PartnershipLevel.JOINT_CASE_PLANNING: "joint case planning",
    PartnershipLevel.JOINT_PROGRAM: "joint program development",
    PartnershipLevel.SHARED_INFRASTRUCTURE: "shared organizational infrastructure",
    PartnershipLevel.LOCAL_COLLABORATIVE: "local stakeholder collaborative with its own governance",
    PartnershipLevel.STATE_COLLABORATIVE: "state-level collaborative or cabinet",
}


class AgreementKind(StrEnum):
    """The four kinds of shared organizational infrastructure (level 4)."""

    INFORMATION_SHARING = "information_sharing"
    JOINT_MIS = "joint_mis"
    LIAISON = "liaison"
    CO_LOCATION = "co_location"

    @property
    def label(self) -> str:
        """What the agreement sets up, in plain words."""
        return _AGREEMENT_LABELS[self]


_AGREEMENT_LABELS = {
    AgreementKind.INFORMATION_SHARING: "written information-sharing agreement",
    AgreementKind.JOINT_MIS: "joint management information system",
    AgreementKind.LIAISON: "staff liaison position",
    AgreementKind.CO_LOCATION: "staff located in the other agency",
}


class CollaborativeScope(StrEnum):
    """A local stakeholder collaborative (level 5) or a state-level one (level 6)."""

    LOCAL = "local"
    STATE = "state"


OrgIds = Annotated[
    list[Slug],
    Field(min_length=2, max_length=500, description="The organizations it binds, two or more."),
]


def _two_different(org_ids: list[str], field: str) -> None:
    if len(set(org_ids)) != len(org_ids):
        raise ValueError(f"{field} names an organization twice")


def _ends_after_start(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise FieldProblem("end", f"end ({end}) is before start ({start})")


class JointCasePlanCreate(StrictModel):
    """Providers who planned one case together with the family and its network (level 2)."""

    id: Slug | None = None
    case_ref: CaseRef
    org_ids: OrgIds
    date: dt.date = Field(description="When the joint case plan was made.")

    @model_validator(mode="after")
    def _valid(self) -> JointCasePlanCreate:
        _two_different(self.org_ids, "org_ids")
        return self


class JointProgramCreate(StrictModel):
    """A program or service the organizations developed together (level 3)."""

    id: Slug | None = None
    name: Name
    org_ids: OrgIds
    start: dt.date
    end: dt.date | None = Field(default=None, description="When the program ended, if it did.")
    notes: Text = ""

    @model_validator(mode="after")
    def _valid(self) -> JointProgramCreate:
        _two_different(self.org_ids, "org_ids")
        _ends_after_start(self.start, self.end)
        return self


class AgreementCreate(StrictModel):
    """Shared organizational infrastructure (level 4), in force from ``start`` to ``end``."""

    id: Slug | None = None
    kind: AgreementKind = Field(
        description="information_sharing: a written information-sharing agreement; joint_mis: a "
        "joint management information system; liaison: a staff liaison position; co_location: "
        "staff located in another agency."
    )
    title: Name | None = Field(
        default=None, description="Its name; made from the kind if left out."
    )
    org_ids: OrgIds
    start: dt.date
    end: dt.date | None = Field(
        default=None, description="The last day it is in force; open-ended if left out."
    )
    notes: Text = ""

    @model_validator(mode="after")
    def _valid(self) -> AgreementCreate:
        _two_different(self.org_ids, "org_ids")
        _ends_after_start(self.start, self.end)
        return self


class CollaborativeCreate(StrictModel):
    """A stakeholder collaborative: local with its own governance (level 5), or state (6)."""

    id: Slug | None = None
    name: Name
    scope: CollaborativeScope
    governance: Text = Field(
        default="",
        description="How it governs itself, e.g. 'steering committee elected by members'. "
        "A local collaborative needs its own governance.",
    )
    member_org_ids: OrgIds
    start: dt.date
    end: dt.date | None = Field(default=None, description="When it ended, if it did.")

    @model_validator(mode="after")
    def _valid(self) -> CollaborativeCreate:
        _two_different(self.member_org_ids, "member_org_ids")
        _ends_after_start(self.start, self.end)
        if self.scope is CollaborativeScope.LOCAL and not self.governance:
            raise FieldProblem(
                "governance",
                "a local collaborative needs its own governance: say how it governs itself",
            )
        return self


class JointCasePlan(ReadModel):
    """A joint case plan as stored. ``case_ref`` is shown only to those who may see the case."""

    id: str
    case_ref: str | None
    org_ids: list[str]
    date: dt.date
    created_at: dt.datetime


class JointProgram(ReadModel):
    """A joint program as stored."""

    id: str
    name: str
    org_ids: list[str]
    start: dt.date
    end: dt.date | None
    notes: str
    created_at: dt.datetime


class Agreement(ReadModel):
    """An agreement as stored."""

    id: str
    kind: AgreementKind
    title: str
    org_ids: list[str]
    start: dt.date
    end: dt.date | None
    notes: str
    created_at: dt.datetime


class Collaborative(ReadModel):
    """A collaborative as stored."""

    id: str
    name: str
    scope: CollaborativeScope
    governance: str
    member_org_ids: list[str]
    start: dt.date
    end: dt.date | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ReferralFact:
    """What partnership analytics need to know of one referral between two organizations.

    ``closed_at`` is when the receiving side reported back (the feedback loop closed), or None.
    """

    from_org: str
    to_org: str
    sent_at: dt.datetime
    case_ref: str
    closed_at: dt.datetime | None = None


class ReferralTally(NamedTuple):
    """The referrals between an organization and one partner sent by some moment: how many
    each way, and when the first and the last of them were sent. A plain record, as a hub
    tallies thousands of partners; what partnership levels sum up as level-1 evidence."""

    sent: int
    received: int
    first_sent_at: dt.datetime
    last_sent_at: dt.datetime


class EvidenceRecords(NamedTuple):
    """Every stored record of partnership evidence that names one organization, by kind, each
    list oldest first (by date or start, then id)."""

    case_plans: list[JointCasePlan]
    programs: list[JointProgram]
    agreements: list[Agreement]
    collaboratives: list[Collaborative]


class EvidenceKind(StrEnum):
    """What a piece of evidence is."""

    REFERRALS = "referrals"
    JOINT_CASE_PLAN = "joint_case_plan"
    JOINT_PROGRAM = "joint_program"
    AGREEMENT = "agreement"
    COLLABORATIVE = "collaborative"


class Evidence(ReadModel):
    """One piece of evidence for a partnership level, with a sentence that says what it is."""

    level: PartnershipLevel
    kind: EvidenceKind
    id: str | None = Field(
        description="The record's id; none for referrals, which are summed up per pair."
    )
    summary: str = Field(description="What the evidence is, in plain words.")
    org_ids: list[str]
    start: dt.date = Field(description="When it began; for referrals the first one.")
    end: dt.date | None = Field(
        description="When it ended; for referrals the last one; none while it is in force."
    )
    case_ref: str | None = Field(
        default=None,
        description="The case of a joint case plan, only for admins and caseworkers of a member.",
    )


class PartnerLevel(ReadModel):
    """How deep the partnership with one partner goes, and the evidence that puts it there."""

    partner_id: str
    level: PartnershipLevel = Field(description="The highest level reached, 1 to 6.")
    label: str = Field(description="The level in the words of reference 001.")
    evidence: list[Evidence] = Field(
        description="Every piece of evidence in force, highest level first, then oldest first."
    )


class PartnershipLevels(ReadModel):
    """The partnership levels of one organization with each of its partners, as of a date."""

    org_id: str
    as_of: dt.date
    partners: list[PartnerLevel]
