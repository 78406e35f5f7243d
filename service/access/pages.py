"""Signing a browser in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from service.access.deps import SESSION_COOKIE, principal_for
from service.errors import DomainError
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_error

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    token: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    """Sign a browser in with a token: set the session cookie and go home."""
    try:
        principal_for(token, store, settings)
    except DomainError as error:
        return page_error(request, error)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600)
    return response
