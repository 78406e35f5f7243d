"""Access tokens, for admins."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from graph_models import Principal, TokenCreate
from service.access.permissions import issue_token
from service.web.deps import StoreDep, TokenManager

router = APIRouter(prefix="/tokens", tags=["access"])


class IssuedToken(BaseModel):
    """A new token. The token itself is shown this once; only its hash is stored."""

    token: str = Field(description="Send as 'Authorization: Bearer TOKEN'.")
    principal: Principal


@router.post("", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, store: StoreDep, _: TokenManager) -> IssuedToken:
    """Issue a token with a role (admin, leader, planner, caseworker)."""
    token, principal = issue_token(store, body)
    return IssuedToken(token=token, principal=principal)
