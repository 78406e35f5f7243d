"""Browser fixtures: the service on a loopback port and Debian's Chromium, headless.

Every request the page makes is recorded, so tests can check that nothing leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from pydantic import SecretStr

from graph_models import Role, TokenCreate
from service.access.permissions import issue_token
from service.app import create_app
from service.settings import Settings
from service.store.embedded import EmbeddedStore
from service.store.protocol import Store
from tests.conftest import ADMIN_TOKEN, SECTORS, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    """The service running on a loopback port, on an embedded store the test can fill."""

    url: str
    store: EmbeddedStore
    requested: list[str] = field(default_factory=list)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    store = EmbeddedStore(tmp_path)
    store.upsert_sectors(SECTORS)
    settings = Settings(data_dir=tmp_path, admin_token=SecretStr(ADMIN_TOKEN))
    with serving(settings, store) as url:
        yield LiveServer(url=url, store=store)
    store.close()


@contextmanager
def serving(settings: Settings, store: Store, port: int | None = None) -> Iterator[str]:
    """The service of ``settings`` on ``store`` on a loopback port (``port``, else a free one),
    for the block; its URL."""
    port = port or free_port()
    config = uvicorn.Config(
        create_app(settings, store=store), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the service did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("STAKEHOLDER_GRAPH_REQUIRE_BROWSER") == "1":
            pytest.fail("Debian's chromium is not installed; `make chromium` installs it")
        pytest.skip("no chromium: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server: LiveServer):  # type: ignore[no-untyped-def]
    """A fresh browser page, signed in as admin; ``live_server.requested`` lists every URL."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    browser_page = context.new_page()
    browser_page.on("request", lambda request: live_server.requested.append(request.url))
    sign_in(browser_page, live_server.url, ADMIN_TOKEN)
    yield browser_page
    context.close()


@pytest.fixture
def open_as(chromium, live_server: LiveServer):  # type: ignore[no-untyped-def]
    """``open_as(Role.LEADER, org_id=None, width=1280)``: a browser page signed in with a fresh
    token of that role (of that organization), in a window that wide."""
    contexts = []

    def make(role: Role, org_id: str | None = None, width: int = 1280):  # type: ignore[no-untyped-def]
        token, _ = issue_token(
            live_server.store, TokenCreate(name=f"{role.value} tester", role=role, org_id=org_id)
        )
        context = chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        browser_page = context.new_page()
        sign_in(browser_page, live_server.url, token)
        return browser_page

    yield make
    for context in contexts:
        context.close()


def sign_in(browser_page, url: str, token: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in as a person would: type the token into the sign-in form and submit it."""
    browser_page.goto(f"{url}/login")
    browser_page.fill("#token", token)
    browser_page.click("form.sign-in button[type=submit]")
    browser_page.wait_for_url(lambda address: "/login" not in address)


def submit(page: Page, selector: str) -> None:
    """Click what ``selector`` names (a form's button, or a link) and wait for the page it
    leads to to load: a click does not wait for the navigation it starts, and the old page
    would be read."""
    with page.expect_navigation():
        page.click(selector)


def as_text_field(page, selector: str):  # type: ignore[no-untyped-def]
    """The date field as a browser without a date picker shows it: a text box that takes
    whatever is typed."""
    page.evaluate(f"document.querySelector('{selector}').type = 'text'")
    return selector


def screenshot(browser_page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a screenshot under ``tests/browser/screenshots/`` for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    browser_page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def other_site(page_at: Callable[[str], bytes]) -> Iterator[int]:
    """A site of another origin on a loopback port of its own, which answers every GET with
    the HTML ``page_at(path)``; yields its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page_at(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield port
    finally:
        server.shutdown()
