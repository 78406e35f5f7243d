"""The Import page's writes: cookie-authenticated, so each needs the page's CSRF token; the
page and the API share one set of rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from graph_models import OrganizationQuery, Role, TokenCreate
from service.access.csrf import csrf_token_for
from service.access.permissions import issue_token
from service.access.sessions import SESSION_COOKIE
from service.app import create_app
from service.settings import Settings
from service.store import Store
from tests.data.test_routes import XLSX
from tests.data.test_spreadsheet import PARTNERS, workbook


@pytest.fixture
def browser_as(settings: Settings, store: Store) -> Iterator:  # type: ignore[type-arg]
    """``browser_as(Role.LEADER)``: a client signed in through the sign-in form, and its CSRF
    token."""
    app = create_app(settings, store=store)
    opened: list[TestClient] = []

    def make(role: Role) -> tuple[TestClient, str]:
        token, _ = issue_token(store, TokenCreate(name=f"{role.value} tester", role=role))
        client = TestClient(app, follow_redirects=False).__enter__()
        opened.append(client)
        assert client.post("/login", data={"token": token}).status_code == 303
        return client, csrf_token_for(client.cookies[SESSION_COOKIE])

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def post_file(client: TestClient, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(
        "/import",
        data=data,
        files={"file": ("partners.xlsx", workbook(Organizations=PARTNERS), XLSX)},
    )


def test_the_import_page_previews_and_applies_only_with_the_csrf_token(browser_as, store):
    leader, csrf = browser_as(Role.LEADER)
    assert post_file(leader, {}).status_code == 403
    preview = post_file(leader, {"csrf_token": csrf})
    assert preview.status_code == 200, preview.text[-3000:]
    assert 'action="/import/' in preview.text
    apply_path = preview.text.split('action="/import/')[1].split('"')[0]
    assert leader.post(f"/import/{apply_path}").status_code == 403
    assert store.list_organizations(OrganizationQuery()).total == 0
    applied = leader.post(f"/import/{apply_path}", data={"csrf_token": csrf})
    assert applied.status_code == 200
    assert "2 organizations created" in applied.text
    assert store.get_organization("wic-lane").name == "WIC Lane"
    again = leader.post(f"/import/{apply_path}", data={"csrf_token": csrf})
    assert again.status_code == 404 and "upload the file again" in again.text


def test_a_planner_posting_the_form_is_refused_and_nothing_is_kept(browser_as, store):
    planner, csrf = browser_as(Role.PLANNER)
    refused = post_file(planner, {"csrf_token": csrf})
    assert refused.status_code == 403
    assert "Importing is for leaders and admins" in refused.text
    assert store.list_organizations(OrganizationQuery()).total == 0


def test_an_empty_upload_says_what_to_send(browser_as):
    leader, csrf = browser_as(Role.LEADER)
    answer = leader.post(
        "/import", data={"csrf_token": csrf}, files={"file": ("", b"", "application/octet-stream")}
    )
    assert answer.status_code == 422
    assert "the file is empty; upload an XLSX workbook" in answer.text
