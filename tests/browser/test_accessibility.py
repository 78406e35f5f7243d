"""axe-core (as axe-playwright-python ships it, pinned) on every page of the service: no
serious or critical violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from service.data.seeds import load_seed
from tests.networks import add_evidence_and_referrals

ANSWER_PAGES = [
    "/orgs/ode-eld",
    "/orgs/ode-eld/partnership-levels",
    "/orgs/ode-eld/relationship-health?flagged=true",
    "/orgs/ode-eld/engagement-plan",
    "/network/measures",
    "/network/measures?org=Oregon+Health+Authority+(OHA)&depth=2",
    "/paths",
    "/paths?from_name=Oregon+Health+Authority+(OHA)&to_name=Local+public+health+and+WIC+sites",
    "/paths?from_name=Early&to_name=Nothing",
]
OTHER_PAGES = [
    "/organizations",
    "/orgs/ode-eld/ecomap",
    "/orgs/ode-eld/missing-partners",
    "/orgs/ode-eld/missing-partners?profile=oregon-infant-toddler",
    "/regions/Lane/map",
    "/cases/NO-SUCH-CASE",
    "/feedback-gaps",
    "/import",
]
"""Every page but ``/docs``, Swagger UI as FastAPI serves it, whose own style and markup are
not the service's."""
BLOCKING = {"serious", "critical"}


@pytest.fixture
def network(live_server):
    load_seed(live_server.store, "oregon")
    add_evidence_and_referrals(live_server.store)
    return live_server


def blocking_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Each serious or critical violation axe finds on the page, with its first element."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['nodes'][0]['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("path", ANSWER_PAGES)
@pytest.mark.parametrize("width", [1280, 375])
def test_the_answer_pages_pass_axe_and_fit_the_width(page, network, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{network.url}{path}")
    assert blocking_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_every_other_page_passes_axe(page, network, path):
    page.goto(f"{network.url}{path}")
    assert blocking_violations(page) == []
