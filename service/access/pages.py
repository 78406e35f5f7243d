"""Signing a browser in and out.

``GET /login`` shows a form; posting a token or a one-time sign-in code to ``POST /login``
opens a session and sets its cookie, so no secret ever sits in an address. ``GET
/login?code=CODE`` (the link ``serve`` prints) fills the form with the code; the code is used
only when the form is posted. ``POST /logout`` ends the session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.access.csrf import CsrfSent, check_cookie_write, check_same_origin
from service.access.deps import checked_token
from service.access.permissions import hash_token, may_open
from service.access.sessions import (
    SESSION_COOKIE,
    end_session,
    open_session,
    principal_for,
    principal_for_hash,
    redeem_sign_in_code,
)
from service.errors import DomainError, InvalidInput
from service.settings import Settings
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_error, render, templates

templates.env.globals["may_open"] = may_open
"""The navigation of every page links each page only for those whose role may open it."""

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    settings: SettingsDep,
    code: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The sign-in form, with the code of a sign-in link filled in."""
    return login_page(request, settings, code=code or "")


def login_page(
    request: Request, settings: Settings, *, code: str = "", error: DomainError | None = None
) -> Response:
    return render(
        request,
        "login.html",
        status_code=error.status_code if error else 200,
        code=code,
        error=error.message if error else None,
        code_minutes=f"{settings.sign_in_code_minutes:g}",
        session_hours=f"{settings.session_hours:g}",
    )


@router.post("/login")
def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Sign a browser in with a token or a one-time code: open a session, set its cookie and
    go home."""
    try:
        check_same_origin(request)
        if bool(token.strip()) == bool(code.strip()):
            raise InvalidInput("give either a token or a sign-in code")
        if token.strip():
            token_hash = hash_token(token.strip())
            checked_token(request, store, lambda: principal_for(token.strip(), store, settings))
        else:
            token_hash = checked_token(request, store, lambda: redeem_sign_in_code(code, store))
            principal_for_hash(token_hash, store, settings)
        session_id = open_session(token_hash, store, settings)
    except DomainError as error:
        return login_page(request, settings, error=error)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, store: StoreDep, csrf_sent: CsrfSent) -> Response:
    """Sign the browser out: end its session and forget the cookie."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        try:
            check_cookie_write(request, session_id, csrf_sent)
        except DomainError as error:
            return page_error(request, error)
        end_session(session_id, store)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response
