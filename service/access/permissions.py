"""Bearer tokens and what each role may do."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum
from typing import Protocol

from graph_models import Principal, Role, TokenCreate, TokenInfo
from service.errors import Forbidden


class TokenStore(Protocol):
    def create_token(self, token: TokenCreate, *, token_hash: str) -> TokenInfo: ...


TOKEN_PREFIX = "sg_"


class Permission(StrEnum):
    """Things a request may want to do."""

    READ_NETWORK = "read the network"
    EDIT_NETWORK = "edit organizations, contacts, engagements and profiles"
    ASSESS = "assess relationships"
    DELETE = "delete records"
    MANAGE_TOKENS = "manage access tokens"
    CASE_WORK = "record case-level work"
    # -- referrals ----
    READ_CASES = "read case-level referral records"
    READ_AUDIT = "read the audit log"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.LEADER: frozenset(
        {Permission.READ_NETWORK, Permission.EDIT_NETWORK, Permission.ASSESS, Permission.DELETE}
    ),
    Role.PLANNER: frozenset({Permission.READ_NETWORK, Permission.EDIT_NETWORK}),
    Role.CASEWORKER: frozenset({Permission.READ_NETWORK, Permission.CASE_WORK}),
}

# -- referrals ----
# Case-level records are kept by case-level staff, each only for its own organization (see
# service/referrals/service.py); leaders and planners see referral aggregates, never case_refs.
ROLE_PERMISSIONS[Role.CASEWORKER] |= {Permission.READ_CASES}


def new_token() -> str:
    """A fresh random bearer token.

    >>> new_token().startswith("sg_") and len(new_token()) > 40
    True
    """
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: tokens are random, so one SHA-256 round is enough.

    >>> hash_token("sg_example")[:12]
    '5a645680ae34'
    """
    return hashlib.sha256(token.encode()).hexdigest()


def require(principal: Principal, permission: Permission) -> None:
    """Raise :class:`Forbidden` unless the principal's role grants ``permission``."""
    if permission not in ROLE_PERMISSIONS[principal.role]:
        raise Forbidden(f"the {principal.role.value} role may not {permission.value}")


def issue_token(store: TokenStore, request: TokenCreate) -> tuple[str, TokenInfo]:
    """Make a new token, store its hash, and return the token (shown once) with its holder."""
    token = new_token()
    return token, store.create_token(request, token_hash=hash_token(token))


# -- case-level data ----


def may_see_case(principal: Principal, org_ids: list[str]) -> bool:
    """Whether case-level data shared by ``org_ids`` may be shown: to admins, and to
    caseworkers of one of those organizations.

    >>> caseworker = Principal(token_id="t", name="Cas", role=Role.CASEWORKER, org_id="wic")
    >>> may_see_case(caseworker, ["wic", "hub"]), may_see_case(caseworker, ["eld", "hub"])
    (True, False)
    """
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.CASEWORKER and principal.org_id in org_ids
