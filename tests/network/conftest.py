"""What the tests of the network's pages share: browsers signed in as each role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from graph_models import Role, TokenCreate
from service.access.csrf import csrf_token_for
from service.access.permissions import issue_token
from service.access.sessions import SESSION_COOKIE
from service.app import create_app
from service.settings import Settings
from service.store import Store

Browser = Callable[..., tuple[TestClient, str]]


@pytest.fixture
def browser(settings: Settings, store: Store) -> Iterator[Browser]:
    """``browser(Role.LEADER, org_id=None)``: a browser signed in through the sign-in form
    with a fresh token of that role, and the CSRF token of its session."""
    app = create_app(settings, store=store)
    opened: list[TestClient] = []

    def make(role: Role, org_id: str | None = None) -> tuple[TestClient, str]:
        token, _ = issue_token(
            store, TokenCreate(name=f"{role.value} Lee", role=role, org_id=org_id)
        )
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        opened.append(client)
        assert client.post("/login", data={"token": token}).status_code == 303
        return client, csrf_token_for(client.cookies[SESSION_COOKIE])

    yield make
    for client in opened:
        client.__exit__(None, None, None)
