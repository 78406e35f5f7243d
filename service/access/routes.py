"""Access: issuing, listing, expiring and revoking tokens, and the audit log of case-level
reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from graph_models import AuditEntry, AuditQuery, Page, TokenCreate, TokenInfo, TokenUpdate
from graph_models.common import utc_now
from service.access.deps import Auditor, TokenManager
from service.access.permissions import issue_token
from service.web.deps import StoreDep

tokens = APIRouter(prefix="/tokens", tags=["access"])


class IssuedToken(BaseModel):
    """A new token. The token itself is shown this once; only its hash is stored."""

    token: str = Field(description="Send as 'Authorization: Bearer TOKEN'.")
    principal: TokenInfo


@tokens.post("", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, store: StoreDep, _: TokenManager) -> IssuedToken:
    """Issue a token with a role (admin, leader, planner, caseworker), optionally with an
    `expires_at` in the future."""
    token, principal = issue_token(store, body)
    return IssuedToken(token=token, principal=principal)


@tokens.get("")
def list_tokens(store: StoreDep, _: TokenManager) -> list[TokenInfo]:
    """Every stored token, oldest first: holder, role, organization, when it expires and
    whether it was revoked. Never the token itself. Admins only."""
    return store.list_tokens()


@tokens.patch("/{token_id}")
def update_token(token_id: str, body: TokenUpdate, store: StoreDep, _: TokenManager) -> TokenInfo:
    """Give a token a new expiry (`expires_at` in the future, or null for never). An expired
    token gets 401 at once, and so do the browser sessions opened with it."""
    return store.set_token_expiry(token_id, body.expires_at)


@tokens.post("/{token_id}/revoke")
def revoke_token(token_id: str, store: StoreDep, _: TokenManager) -> TokenInfo:
    """Revoke a token for good: it gets 401 at once, and so do the browser sessions opened
    with it. Revoking it again changes nothing."""
    return store.revoke_token(token_id, utc_now())


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
