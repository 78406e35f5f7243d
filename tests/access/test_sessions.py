"""Sessions, sign-in codes, token expiry and revocation, wrong-token limits, CSRF and content
types, on both stores."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph_models import Role, SessionRecord, SignInCode
from graph_models.common import utc_now
from service.access.csrf import csrf_token_for
from service.access.limits import WrongTokens
from service.access.permissions import hash_token
from service.access.sessions import SESSION_COOKIE, issue_sign_in_code
from service.app import create_app
from service.settings import Settings
from service.store import Store
from service.store.embedded import DATABASE_FILE, EmbeddedStore
from tests.conftest import ADMIN_TOKEN

OWN_ORIGIN = "http://testserver"
NEW_ORG = {"id": "wic-lane", "name": "WIC Lane", "sector": "wic"}

Browser = Callable[..., TestClient]


@pytest.fixture
def browser(settings: Settings, store: Store) -> Iterator[Browser]:
    """``browser(address="1.2.3.4")``: a client without a token, as a browser is, from an
    address of its own; all share one service."""
    app = create_app(settings, store=store)
    opened: list[TestClient] = []

    def make(address: str = "testclient") -> TestClient:
        opened.append(TestClient(app, client=(address, 50000), follow_redirects=False))
        opened[-1].__enter__()
        return opened[-1]

    yield make
    for each in opened:
        each.__exit__(None, None, None)


def sign_in(client: TestClient, **form: str) -> str:
    """Post the sign-in form; returns the session cookie it set."""
    response = client.post("/login", data=form)
    assert response.status_code == 303, response.text
    return client.cookies[SESSION_COOKIE]


def new_token(client_as_admin: TestClient, **fields: object) -> tuple[str, str]:
    """A new planner token, issued through the API: ``(token, token_id)``."""
    body = {"name": "Pat Planner", "role": "planner", **fields}
    issued = client_as_admin.post("/api/v1/tokens", json=body).json()
    return issued["token"], issued["principal"]["token_id"]


# -- sessions ----


def test_signing_in_with_the_form_opens_a_session_whose_cookie_is_not_the_token(browser):
    you = browser()
    session_id = sign_in(you, token=ADMIN_TOKEN)
    assert ADMIN_TOKEN not in session_id
    assert you.get("/").status_code == 200
    assert you.get("/api/v1/organizations").status_code == 200


def test_the_sign_in_page_takes_no_secret_in_its_address(browser):
    you = browser()
    assert you.get("/login?token=" + ADMIN_TOKEN).status_code == 200
    assert SESSION_COOKIE not in you.cookies
    assert "Sign in" in you.get("/login").text


def test_a_wrong_token_in_the_form_shows_the_form_again_with_why(browser):
    you = browser()
    response = you.post("/login", data={"token": "sg_wrong"})
    assert response.status_code == 401
    assert "not known" in response.text and 'name="token"' in response.text
    assert SESSION_COOKIE not in you.cookies


def test_a_one_time_code_signs_in_once(browser, store, settings):
    code = issue_sign_in_code(ADMIN_TOKEN, store, settings)
    first, second = browser(), browser()
    assert code in first.get(f"/login?code={code}").text
    sign_in(first, code=code.lower())
    assert first.get("/").status_code == 200
    response = second.post("/login", data={"code": code})
    assert response.status_code == 401
    assert "was used, or has expired" in response.text


def test_an_expired_code_does_not_sign_in(browser, store):
    store.create_sign_in_code(
        SignInCode(
            code_hash=hash_token("ABCDABCDABCD"),
            token_hash=hash_token(ADMIN_TOKEN),
            expires_at=utc_now() - timedelta(seconds=1),
        )
    )
    assert browser().post("/login", data={"code": "ABCD-ABCD-ABCD"}).status_code == 401


def test_an_expired_session_is_told_to_sign_in_again(browser, store):
    now = utc_now()
    store.create_session(
        SessionRecord(
            id_hash=hash_token("old-session"),
            token_hash=hash_token(ADMIN_TOKEN),
            created_at=now - timedelta(hours=13),
            expires_at=now - timedelta(hours=1),
        )
    )
    you = browser()
    you.cookies[SESSION_COOKIE] = "old-session"
    response = you.get("/")
    assert response.status_code == 401
    assert "your session has ended; sign in again" in response.text


def test_signing_out_ends_the_session_even_for_a_copy_of_its_cookie(browser):
    you, thief = browser(), browser()
    session_id = sign_in(you, token=ADMIN_TOKEN)
    thief.cookies[SESSION_COOKIE] = session_id
    response = you.post("/logout", data={"csrf_token": csrf_token_for(session_id)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert thief.get("/").status_code == 401
    assert thief.get("/api/v1/organizations").status_code == 401


def test_signing_out_without_the_csrf_token_is_refused(browser):
    you = browser()
    sign_in(you, token=ADMIN_TOKEN)
    assert you.post("/logout", data={}).status_code == 403
    assert you.get("/").status_code == 200


# -- tokens: list, expiry, revocation ----


def test_tokens_are_listed_without_their_secret(client, store):
    token, token_id = new_token(client, expires_at="2099-01-01T00:00:00Z")
    response = client.get("/api/v1/tokens")
    assert response.status_code == 200
    listed = {each["token_id"]: each for each in response.json()}
    assert listed[token_id]["expires_at"].startswith("2099-01-01T00:00:00")
    assert listed[token_id]["revoked_at"] is None
    assert token not in response.text and hash_token(token) not in response.text


def test_a_revoked_token_and_its_sessions_get_401_at_once_on_every_worker(
    client, browser, settings, reopen
):
    token, token_id = new_token(client)
    signed_in = browser()
    sign_in(signed_in, token=token)
    other_worker_store = reopen()
    try:
        with TestClient(create_app(settings, store=other_worker_store)) as other_worker:
            headers = {"Authorization": f"Bearer {token}"}
            assert other_worker.get("/api/v1/organizations", headers=headers).status_code == 200
            revoked = client.post(f"/api/v1/tokens/{token_id}/revoke")
            assert revoked.status_code == 200 and revoked.json()["revoked_at"]
            response = other_worker.get("/api/v1/organizations", headers=headers)
            assert response.status_code == 401
            assert response.json()["detail"] == "the token was revoked; ask an admin for a new one"
    finally:
        other_worker_store.close()
    assert signed_in.get("/api/v1/organizations").status_code == 401
    again = client.post(f"/api/v1/tokens/{token_id}/revoke")
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_a_token_past_its_expiry_gets_401_and_says_so(client, store):
    token, token_id = new_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sectors", headers=headers).status_code == 200
    store.set_token_expiry(token_id, utc_now() - timedelta(seconds=1))
    response = client.get("/api/v1/sectors", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("the token expired at ")


def test_an_expiry_can_be_set_and_lifted_but_not_put_in_the_past(client):
    _, token_id = new_token(client)
    later = client.patch(f"/api/v1/tokens/{token_id}", json={"expires_at": "2099-06-30"})
    assert later.status_code == 200 and later.json()["expires_at"].startswith("2099-06-30")
    past = client.patch(f"/api/v1/tokens/{token_id}", json={"expires_at": "2001-01-01"})
    assert past.status_code == 422 and "must be in the future" in past.json()["detail"]
    never = client.patch(f"/api/v1/tokens/{token_id}", json={"expires_at": None})
    assert never.json()["expires_at"] is None
    assert client.patch("/api/v1/tokens/nobody", json={"expires_at": None}).status_code == 404
    assert client.post("/api/v1/tokens/nobody/revoke").status_code == 404


def test_a_token_cannot_be_issued_already_expired(client):
    body = {"name": "Late", "role": "planner", "expires_at": "2001-01-01T00:00:00Z"}
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 422
    assert client.get("/api/v1/tokens").json() == []


# -- wrong tokens ----


def test_ten_wrong_tokens_refuse_that_client_for_five_minutes_but_no_other(
    browser, token_for, caplog
):
    now = [utc_now()]
    attacker, colleague = browser("203.0.113.9"), browser("198.51.100.4")
    attacker.app.state.wrong_tokens = WrongTokens(limit=10, seconds=300, clock=lambda: now[0])  # type: ignore[attr-defined]
    right = token_for(Role.PLANNER)
    with caplog.at_level(logging.WARNING, logger="stakeholder_graph.access"):
        for attempt in range(10):
            wrong = {"Authorization": f"Bearer sg_guess-{attempt}"}
            assert attacker.get("/api/v1/sectors", headers=wrong).status_code == 401
    refused = attacker.get("/api/v1/sectors", headers=right)
    assert refused.status_code == 429
    assert "too many wrong tokens from this address" in refused.json()["detail"]
    assert attacker.post("/login", data={"token": ADMIN_TOKEN}).status_code == 429
    assert colleague.get("/api/v1/sectors", headers=right).status_code == 200
    assert "refusing 203.0.113.9 for 300 s after 10 wrong tokens" in caplog.text
    assert caplog.text.count("wrong token from 203.0.113.9") == 10
    now[0] += timedelta(seconds=301)
    assert attacker.get("/api/v1/sectors", headers=right).status_code == 200


# -- content types and cross-site writes ----


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_write_whose_body_is_not_declared_json_gets_415_and_changes_nothing(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    request = client.build_request(
        "POST", "/api/v1/organizations", content=b'{"id": "x", "name": "X", "sector": "wic"}'
    )
    request.headers.pop("content-type", None)
    request.headers.update(headers)
    response = client.send(request)
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["detail"]
    assert client.get("/api/v1/organizations").json()["total"] == 0


def test_a_cookie_write_needs_the_csrf_token_and_the_own_origin(browser):
    you = browser()
    session_id = sign_in(you, token=ADMIN_TOKEN)
    token = {"X-CSRF-Token": csrf_token_for(session_id)}
    no_token = you.post("/api/v1/organizations", json=NEW_ORG)
    assert no_token.status_code == 403 and "CSRF token" in no_token.json()["detail"]
    for origin in ("http://testserver:8001", "http://evil.example"):
        foreign = you.post(
            "/api/v1/organizations", json=NEW_ORG, headers={**token, "Origin": origin}
        )
        assert foreign.status_code == 403 and "another site" in foreign.json()["detail"]
    cross_site = you.post(
        "/api/v1/organizations", json=NEW_ORG, headers={**token, "Sec-Fetch-Site": "same-site"}
    )
    assert cross_site.status_code == 403
    assert you.get("/api/v1/organizations").json()["total"] == 0
    made = you.post("/api/v1/organizations", json=NEW_ORG, headers={**token, "Origin": OWN_ORIGIN})
    assert made.status_code == 201


def test_a_bearer_write_needs_no_csrf_token(client):
    response = client.post("/api/v1/organizations", json=NEW_ORG, headers={"Origin": "null"})
    assert response.status_code == 201


def test_pages_hand_the_signed_in_browser_its_csrf_token(browser):
    you = browser()
    session_id = sign_in(you, token=ADMIN_TOKEN)
    home = you.get("/").text
    assert f'<meta name="csrf-token" content="{csrf_token_for(session_id)}">' in home
    assert f'name="csrf_token" value="{csrf_token_for(session_id)}"' in home


# -- security headers ----


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/v1/sectors", "/static/site.css", "/docs", "/no-such-page"]
)
def test_every_response_carries_the_security_headers(browser, path):
    response = browser().get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


def test_a_data_directory_made_before_token_expiry_opens_and_lists_its_tokens(tmp_path: Path):
    with sqlite3.connect(tmp_path / DATABASE_FILE) as old:
        old.execute(
            "CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
            "org_id TEXT, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)"
        )
        old.execute(
            "INSERT INTO tokens VALUES ('pat', 'Pat', 'planner', NULL, 'h', "
            "'2024-01-01T00:00:00.000000Z')"
        )
    store = EmbeddedStore(tmp_path)
    try:
        [pat] = store.list_tokens()
        assert (pat.token_id, pat.expires_at, pat.revoked_at) == ("pat", None, None)
    finally:
        store.close()
