"""A signed-in browser visits a hostile page, on another origin and on another port of the
same host, which tries every write route of the API with the browser's session: none succeeds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute

from graph_models import OrganizationCreate
from service.app import create_app
from service.data.migration import record_counts
from service.settings import Settings
from tests.browser.conftest import other_site

ATTACK = """<!doctype html><meta charset="utf-8"><body><script>
const routes = %s;
async function attack(victim) {
  for (const [method, path] of routes) {
    const body = JSON.stringify({id: "evil", name: "Evil", sector: "wic", role: "admin"});
    const tries = [
      {method, body, mode: "no-cors", credentials: "include"},
      {method, body, mode: "no-cors", credentials: "include",
       headers: {"Content-Type": "text/plain"}},
      {method, body, mode: "cors", credentials: "include",
       headers: {"Content-Type": "application/json"}},
    ];
    for (const options of tries) {
      try { await fetch(victim + path, options); } catch (refused) {}
    }
  }
  window.attackDone = true;
}
</script>"""


def write_routes() -> list[tuple[str, str]]:
    """Every write route of the API, with its path filled in with records that exist."""
    app = create_app(Settings())
    return sorted(
        (method, route.path.replace("{org_id}", "wic-lane").replace("{", "").replace("}", ""))
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/v1")
        for method in route.methods
        if method not in ("GET", "HEAD")
    )


@pytest.fixture
def hostile_site() -> Iterator[int]:
    """A page that attacks the service, served on a port of its own."""
    page = (ATTACK % json.dumps(write_routes())).encode()
    with other_site(lambda _: page) as port:
        yield port


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"], ids=["other-origin", "other-port"])
def test_a_hostile_page_cannot_write_with_the_victims_session(
    page, live_server, hostile_site, host
):
    live_server.store.create_organization(
        OrganizationCreate(id="wic-lane", name="WIC Lane County", sector="wic", region="Lane")
    )
    before = record_counts(live_server.store)
    attacker = page.context.new_page()
    sent: list[str] = []
    attacker.on("request", lambda request: sent.append(f"{request.method} {request.url}"))
    attacker.goto(f"http://{host}:{hostile_site}/")
    attacker.evaluate(f"attack({json.dumps(live_server.url)})")
    attacker.wait_for_function("window.attackDone === true")
    posts = [each for each in sent if each.startswith(f"POST {live_server.url}/api/")]
    assert len(posts) >= 2 * sum(method == "POST" for method, _ in write_routes())
    assert record_counts(live_server.store) == before
    assert live_server.store.get_organization("wic-lane").name == "WIC Lane County"
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-org-id=wic-lane]").count() == 1
