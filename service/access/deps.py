"""Who sends a request, and whether their role lets it through: the access dependencies of
every route and page, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import FormData

from graph_models import Principal
from service.access.csrf import (
    CSRF_FIELD,
    CSRF_HEADER,
    CsrfSent,
    check_cookie_write,
    csrf_token_for,
)
from service.access.limits import WrongTokens
from service.access.permissions import Permission, require
from service.access.sessions import SESSION_COOKIE, principal_for, session_principal
from service.errors import Unauthenticated
from service.settings import Settings
from service.store.protocol import Store
from service.web.deps import SettingsDep, StoreDep
from service.web.forms import FormPages

T = TypeVar("T")


def bearer_token(request: Request) -> str | None:
    """The token of the ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def get_principal(
    request: Request, store: Store, settings: Settings, *, csrf_sent: str | None = None
) -> Principal:
    """Who sends the request: the holder of its bearer token, else of its session cookie.

    A client refused for wrong tokens gets :class:`~service.errors.TooManyAttempts`; a write
    made with the cookie needs the session's CSRF token (``csrf_sent``, else the header) and
    the service's own origin. Raises :class:`Unauthenticated` without a working token or
    session.
    """
    token = bearer_token(request)
    if token:
        principal = checked_token(request, store, lambda: principal_for(token, store, settings))
    else:
        session_id = request.cookies.get(SESSION_COOKIE)
        if not session_id:
            raise Unauthenticated("sign in: send 'Authorization: Bearer TOKEN'")
        principal = session_principal(session_id, store, settings)
        request.state.csrf_token = csrf_token_for(session_id)
        check_cookie_write(request, session_id, csrf_sent or request.headers.get(CSRF_HEADER))
    request.state.principal = principal  # the navigation of any page, an error page too
    return principal


def wrong_tokens(request: Request) -> WrongTokens:
    """The wrong-token rule of the service (see :mod:`service.access.limits`)."""
    counts: WrongTokens = request.app.state.wrong_tokens
    return counts


def checked_token(request: Request, store: Store, check: Callable[[], T]) -> T:
    """``check()`` of a token or code the client sent, counted in ``store`` against the
    client when it is wrong; refused at once while the client is refused."""
    counts, client = wrong_tokens(request), request.client.host if request.client else "-"
    counts.check(store, client)
    try:
        return check()
    except Unauthenticated:
        counts.record(store, client)
        raise


def page_reader(request: Request, store: Store, settings: Settings) -> Principal:
    """Who a page is shown to, if their role may read the network."""
    principal = get_principal(request, store, settings)
    require(principal, Permission.READ_NETWORK)
    return principal


def form_principal(request: Request, store: Store, settings: Settings, form: FormData) -> Principal:
    """Who posts a page's form: :func:`get_principal` with the form's ``csrf_token``."""
    sent = form.get(CSRF_FIELD)
    return get_principal(
        request, store, settings, csrf_sent=sent if isinstance(sent, str) else None
    )


async def page_forms(request: Request, store: StoreDep, settings: SettingsDep) -> FormPages:
    """The form pages of ``request``: shown to a reader of the network, posted with the
    session's CSRF token."""
    return FormPages(
        request,
        reader=lambda: page_reader(request, store, settings),
        poster=lambda form: form_principal(request, store, settings, form),
    )


PageForms = Annotated[FormPages, Depends(page_forms)]


bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A token from `stakeholder-graph token create` or `POST /api/v1/tokens`.",
)


def current_principal(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    csrf_sent: CsrfSent,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    return get_principal(request, store, settings, csrf_sent=csrf_sent)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def allowed(permission: Permission) -> Any:
    """A dependency that lets a request through only if its role grants ``permission``
    (``async``: see :mod:`service.web.deps`)."""

    async def check(principal: PrincipalDep) -> Principal:
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
