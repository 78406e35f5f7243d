"""Access tokens and the principal a request acts as."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from graph_models.common import Name, ReadModel, Slug, StrictModel
from graph_models.enums import Role


class TokenCreate(StrictModel):
    """A new bearer token for a person or a script."""

    name: Name = Field(description="Who holds the token; recorded as the author of assessments.")
    role: Role
    org_id: Slug | None = Field(
        default=None, description="The organization a caseworker belongs to."
    )

    @model_validator(mode="after")
    def _caseworker_belongs_to_one_organization(self) -> TokenCreate:
        if self.role is Role.CASEWORKER and self.org_id is None:
            raise ValueError("a caseworker token needs the org_id of its organization")
        return self


class Principal(ReadModel):
    """Who a request acts as."""

    token_id: str
    name: str
    role: Role
    org_id: str | None = None
    created_at: datetime | None = None
