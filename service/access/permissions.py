"""Bearer tokens and what each role may do."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from enum import StrEnum
from typing import Protocol

from graph_models import Principal, RelationshipState, Role, TokenCreate, TokenInfo
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
    if not may(principal, permission):
        raise Forbidden(f"the {principal.role.value} role may not {permission.value}")


def may(principal: Principal, permission: Permission) -> bool:
    """Whether the principal's role grants ``permission``: what a page asks before it offers a
    control.

    >>> planner = Principal(token_id="t", name="Pat", role=Role.PLANNER)
    >>> may(planner, Permission.EDIT_NETWORK), may(planner, Permission.ASSESS)
    (True, False)
    """
    return permission in ROLE_PERMISSIONS[principal.role]


SCOPED_ROLES = frozenset({Role.LEADER, Role.PLANNER})
"""Roles whose token may name one organization (``org_id``), to which their writes about
relationships, engagements, organizations, contacts and evidence are then held."""


def in_scope(principal: Principal, org_ids: Collection[str]) -> bool:
    """Whether the principal may write about a record of ``org_ids`` (a relationship, an
    activity, an organization and its contacts, a piece of evidence): a leader or planner whose
    token names an organization only about one that involves it.

    >>> scoped = Principal(token_id="t", name="Lee", role=Role.LEADER, org_id="hub")
    >>> in_scope(scoped, ["hub", "wic"]), in_scope(scoped, ["eld", "wic"])
    (True, False)
    """
    return principal.role not in SCOPED_ROLES or not principal.org_id or principal.org_id in org_ids


def require_scope(principal: Principal, org_ids: Collection[str], what: str) -> None:
    """Raise :class:`Forbidden` unless :func:`in_scope`; ``what`` names the write refused."""
    if not in_scope(principal, org_ids):
        raise Forbidden(
            f"this {principal.role.value} token belongs to '{principal.org_id}': it may "
            f"{what} only where '{principal.org_id}' takes part"
        )


def require_record(principal: Principal, org_ids: Collection[str]) -> None:
    """Raise :class:`Forbidden` unless the principal's role edits the network and their
    organization, if their token names one, is among ``org_ids``: who records or changes an
    engagement activity."""
    require(principal, Permission.EDIT_NETWORK)
    require_scope(principal, org_ids, "record or change an activity")


def require_edit(principal: Principal, org_id: str, permission: Permission) -> None:
    """Raise :class:`Forbidden` unless the principal's role grants ``permission``
    (:attr:`Permission.EDIT_NETWORK` to change, :attr:`Permission.DELETE` to remove) and their
    organization, if their token names one, is ``org_id``: who edits an organization and its
    contacts.

    >>> scoped = Principal(token_id="t", name="Lee", role=Role.LEADER, org_id="hub")
    >>> require_edit(scoped, "hub", Permission.EDIT_NETWORK)
    >>> require_edit(scoped, "wic", Permission.EDIT_NETWORK)
    Traceback (most recent call last):
    service.errors.Forbidden: this leader token belongs to 'hub': it may edit an organization \
or its contacts only where 'hub' takes part
    """
    require(principal, permission)
    require_scope(principal, [org_id], "edit an organization or its contacts")


def require_evidence(principal: Principal, org_ids: Collection[str]) -> None:
    """Raise :class:`Forbidden` unless the principal's role edits the network and their
    organization, if their token names one, is among ``org_ids``: who records a joint program,
    an agreement or a collaborative."""
    require(principal, Permission.EDIT_NETWORK)
    require_scope(principal, org_ids, "record partnership evidence")


def may_relate(principal: Principal, state: RelationshipState) -> bool:
    """Whether the principal may record a new relationship in ``state``: those who assess, in
    any state; those who edit the network, as a proposal to develop (no dot), which a leader
    then assesses.

    >>> planner = Principal(token_id="t", name="Pat", role=Role.PLANNER)
    >>> may_relate(planner, RelationshipState.NO_DOT), may_relate(planner, RelationshipState.GREEN)
    (True, False)
    """
    return may(principal, Permission.ASSESS) or (
        may(principal, Permission.EDIT_NETWORK) and state is RelationshipState.NO_DOT
    )


def require_relate(principal: Principal, state: RelationshipState) -> None:
    """Raise :class:`Forbidden` unless :func:`may_relate`."""
    if not may_relate(principal, state):
        if may(principal, Permission.EDIT_NETWORK):
            raise Forbidden(
                f"the {principal.role.value} role may propose a new partner only as no_dot "
                "(develop); a leader assesses it"
            )
        require(principal, Permission.ASSESS)


PAGE_PERMISSIONS: dict[str, Permission] = {
    "/organizations": Permission.READ_NETWORK,
    "/my/referrals": Permission.READ_CASES,
    "/paths": Permission.READ_NETWORK,
    "/network/measures": Permission.READ_NETWORK,
    "/feedback-gaps": Permission.READ_NETWORK,
    "/import": Permission.ASSESS,
}
"""What opening each page of the navigation asks of a role: its route requires it
(:func:`require_page`) and the navigation links it only for those whose role grants it
(:func:`may_open`)."""


def require_page(principal: Principal, path: str) -> None:
    """Raise :class:`Forbidden` unless the principal may open the page at ``path``."""
    require(principal, PAGE_PERMISSIONS[path])


def may_open(principal: Principal | None, path: str) -> bool:
    """Whether the navigation links ``path`` for the principal.

    >>> caseworker = Principal(token_id="t", name="Cas", role=Role.CASEWORKER, org_id="wic")
    >>> may_open(caseworker, "/my/referrals"), may_open(caseworker, "/import")
    (True, False)
    """
    return principal is not None and may(principal, PAGE_PERMISSIONS[path])


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
