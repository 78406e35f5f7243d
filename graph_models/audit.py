"""The audit log: every read of case-level data, who made it and when."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from graph_models.common import ListQuery
from graph_models.enums import Role


class AuditAction(StrEnum):
    """What a request did with case-level data."""

    TRACE_CASE = "trace_case"
    VIEW_CASE_PAGE = "view_case_page"
    LIST_REFERRALS = "list_referrals"
    READ_REFERRAL = "read_referral"
    RECORD_REFERRAL = "record_referral"
    RECORD_EVENT = "record_event"
    READ_PARTNERSHIP_EVIDENCE = "read_partnership_evidence"
    RECORD_JOINT_CASE_PLAN = "record_joint_case_plan"


class AuditEntryCreate(BaseModel):
    """A read of one case's data, as the service records it."""

    actor: str
    token_id: str
    role: Role
    org_id: str | None
    action: AuditAction
    case_ref: str
    referral_id: str | None = None


class AuditEntry(AuditEntryCreate):
    """An entry of the audit log; ``seq`` grows with every entry."""

    seq: int
    at: datetime


class AuditQuery(ListQuery):
    """Which audit entries to list, newest first."""

    case_ref: str | None = Field(default=None, max_length=64, description="Only this case.")
    org_id: str | None = Field(
        default=None, description="Only reads by tokens of this organization."
    )
    action: AuditAction | None = Field(default=None, description="Only this kind of read.")
    since: datetime | None = Field(default=None, description="Only entries at or after this.")
    until: datetime | None = Field(default=None, description="Only entries at or before this.")
