"""Access: issuing tokens, and the audit log of case-level reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from graph_models import AuditEntry, AuditQuery, Page, Principal, TokenCreate
from service.access.deps import Auditor, TokenManager
from service.access.permissions import issue_token
from service.web.deps import StoreDep

tokens = APIRouter(prefix="/tokens", tags=["access"])


class IssuedToken(BaseModel):
    """A new token. The token itself is shown this once; only its hash is stored."""

    token: str = Field(description="Send as 'Authorization: Bearer TOKEN'.")
    principal: Principal


@tokens.post("", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, store: StoreDep, _: TokenManager) -> IssuedToken:
    """Issue a token with a role (admin, leader, planner, caseworker)."""
    token, principal = issue_token(store, body)
    return IssuedToken(token=token, principal=principal)


audit = APIRouter(tags=["audit"])


@audit.get("/audit")
def list_audit(
    store: StoreDep, _: Auditor, query: Annotated[AuditQuery, Query()]
) -> Page[AuditEntry]:
    """Every read of case-level data, newest first: who (name, token, role, organization) did
    what (`action`) to which `case_ref`, and when. Admins only."""
    return store.list_audit(query)


router = APIRouter()
for part in (tokens, audit):
    router.include_router(part)
