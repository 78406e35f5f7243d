"""Access tokens and the principal a request acts as."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, model_validator

from graph_models.common import Name, ReadModel, Slug, StrictModel, Timestamp, utc_now
from graph_models.enums import Role

ExpiresAt = Annotated[
    Timestamp | None,
    Field(
        description="When the token stops working (ISO 8601, UTC when no offset is given); "
        "null: never."
    ),
]


def _in_the_future(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= utc_now():
        raise ValueError("expires_at must be in the future")


class TokenCreate(StrictModel):
    """A new bearer token for a person or a script."""

    name: Name = Field(description="Who holds the token; recorded as the author of assessments.")
    role: Role
    org_id: Slug | None = Field(
        default=None,
        description="The organization a caseworker belongs to; for a leader or planner, the "
        "one organization whose relationships and activities they may change.",
    )
    expires_at: ExpiresAt = None

    @model_validator(mode="after")
    def _caseworker_belongs_to_one_organization(self) -> TokenCreate:
        if self.role is Role.CASEWORKER and self.org_id is None:
            raise ValueError("a caseworker token needs the org_id of its organization")
        _in_the_future(self.expires_at)
        return self


class TokenUpdate(StrictModel):
    """A new expiry for a token: a time in the future, or null for never."""

    expires_at: ExpiresAt

    @model_validator(mode="after")
    def _expires_in_the_future(self) -> TokenUpdate:
        _in_the_future(self.expires_at)
        return self


class Principal(ReadModel):
    """Who a request acts as."""

    token_id: str
    name: str
    role: Role
    org_id: str | None = None
    created_at: datetime | None = None


class TokenInfo(Principal):
    """A stored token as admins see it: its holder, expiry and revocation, never its secret."""

    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class SessionRecord(ReadModel):
    """A browser's session as the store keeps it: the hash of its id (the cookie's value)
    and of the token it was opened with, and when it ends."""

    id_hash: str
    token_hash: str
    created_at: datetime
    expires_at: datetime


class SignInCode(ReadModel):
    """A one-time sign-in code as the store keeps it: its hash, the hash of the token it signs
    in with, and when it stops working."""

    code_hash: str
    token_hash: str
    expires_at: datetime
