"""Who sends a request, and whether their role lets it through: the access dependencies of
every route and page, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from graph_models import Principal, Role
from service.access.permissions import Permission, hash_token, require
from service.errors import Unauthenticated
from service.settings import Settings
from service.store.protocol import Store
from service.web.deps import SettingsDep, StoreDep

SESSION_COOKIE = "stakeholder_graph_session"


def bearer_token(request: Request) -> str | None:
    """The token of a request: the ``Authorization: Bearer`` header, else the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


def get_principal(request: Request, store: Store, settings: Settings) -> Principal:
    """Who sends the request; raises :class:`Unauthenticated` without a known token."""
    token = bearer_token(request)
    if not token:
        raise Unauthenticated("sign in: send 'Authorization: Bearer TOKEN'")
    return principal_for(token, store, settings)


def page_reader(request: Request, store: Store, settings: Settings) -> Principal:
    """Who a page is shown to, if their role may read the network."""
    principal = get_principal(request, store, settings)
    require(principal, Permission.READ_NETWORK)
    return principal


bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A token from `stakeholder-graph token create` or `POST /api/v1/tokens`.",
)


def current_principal(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    return get_principal(request, store, settings)


def principal_for(token: str, store: Store, settings: Settings) -> Principal:
    """Who holds ``token``: the bootstrap admin, or a token stored (hashed) in the store."""
    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    if admin and hmac.compare_digest(token.encode(), admin.encode()):
        return Principal(token_id="admin-token", name="admin", role=Role.ADMIN)
    principal = store.principal_for_token(hash_token(token))
    if principal is None:
        raise Unauthenticated("the token is not known; ask an admin for a new one")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def allowed(permission: Permission) -> Any:
    """A dependency that lets a request through only if its role grants ``permission``."""

    def check(principal: PrincipalDep) -> Principal:
        require(principal, permission)
        return principal

    return Depends(check)


Reader = Annotated[Principal, allowed(Permission.READ_NETWORK)]
Editor = Annotated[Principal, allowed(Permission.EDIT_NETWORK)]
Assessor = Annotated[Principal, allowed(Permission.ASSESS)]
Deleter = Annotated[Principal, allowed(Permission.DELETE)]
TokenManager = Annotated[Principal, allowed(Permission.MANAGE_TOKENS)]
CaseWorker = Annotated[Principal, allowed(Permission.CASE_WORK)]
# -- referrals ----
CaseReader = Annotated[Principal, allowed(Permission.READ_CASES)]
Auditor = Annotated[Principal, allowed(Permission.READ_AUDIT)]
