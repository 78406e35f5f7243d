"""The composition root: ``create_app(settings)`` builds the whole service."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from service.access import pages as access_pages
from service.access import routes as access_routes
from service.access.limits import WrongTokens
from service.data import pages as data_pages
from service.data import routes as data_routes
from service.data.migration import bring_up_to_date
from service.data.seeds import ensure_catalog
from service.ecomaps import pages as ecomap_pages
from service.ecomaps import routes as ecomap_routes
from service.errors import DomainError, describe_validation_errors
from service.missing_partners import pages as missing_partner_pages
from service.missing_partners import routes as missing_partner_routes
from service.network import pages as network_pages
from service.network import routes as network_routes
from service.partnerships import pages as partnership_pages
from service.partnerships import routes as partnership_routes
from service.paths import pages as path_pages
from service.paths import routes as path_routes
from service.referrals import pages as referral_pages
from service.referrals import routes as referral_routes
from service.settings import Settings
from service.store import Store, open_store
from service.surveys import pages as survey_pages
from service.surveys import routes as survey_routes
from service.web import pages
from service.web.deps import StoreDep
from service.web.json_writes import JsonWrites
from service.web.limits import RequestLimits
from service.web.openapi import describe_errors
from service.web.reuse import ReusedAnswers
from service.web.security_headers import SecurityHeaders

SWITCH_INTERVAL_S = 0.0005
"""How long a thread may keep the interpreter while another waits for it (5 ms by default).
Statewide, realistic mix, 2 workers, hubs' eco-maps computed again in the analyses' lane,
three alternating runs: typical eco-map p95 at 32 clients 49.0, 57.0, 50.9 ms against 69.3,
60.6, 56.8 (p99 75-87 against 96-108), at 8 clients 26.5-30.3 against 27.4-31.6; for 8-12%
fewer requests a second at 8 clients. Shorter did no better: 0.1 ms, two alternating runs,
27.3 and 28.0 ms at 8 clients against 30.8 and 28.9, 58.8 and 57.4 at 32 against 54.3 and
53.6."""

DESCRIPTION = """
The partner network of agencies that serve infants, toddlers and families, kept as a graph:
organizations, contacts, engagement activities and relationships, each relationship with a
green / yellow / red / no-dot state and its full history of assessments.

Every `/api/v1` route takes `Authorization: Bearer TOKEN` (a browser's session cookie works
too; a write with it needs the page's `X-CSRF-Token` and the service's own origin). Tokens can
expire and be revoked; by default, 10 wrong tokens from one address within 5 minutes refuse it
(429) for 5 minutes. A write's body must be sent as `Content-Type: application/json`, else 415.
Lists are paginated with `limit` and `offset`. Errors come as `{"detail": "what is wrong"}`.
"""


class Health(BaseModel):
    """The service is up, and which store it runs on."""

    status: Literal["ok"] = "ok"
    store: str


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """Build the service for ``settings``; ``store`` overrides the one the settings name.

    >>> from pathlib import Path; import tempfile
    >>> create_app(Settings(data_dir=Path(tempfile.mkdtemp()))).title
    'stakeholder-graph'
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or open_store(settings)
        app.state.analysis_lane = asyncio.Semaphore(1)  # see service.web.deps.AnalysisLane
        # answers of this store, kept while nothing on them changes
        app.state.reused = ReusedAnswers(
            settings.kept_answers_mb * 1024 * 1024, shared=settings.shared_answers_dir
        )
        ensure_catalog(app.state.store)
        bring_up_to_date(app.state.store)
        # What was loaded lives as long as the service: keep it out of every collection,
        # whose pauses over a statewide graph would otherwise land on requests; and collect
        # less often, as a hub's answer makes tens of thousands of short-lived objects
        # (statewide hub health in-process: 132 ms with the defaults, 99 ms with these).
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        # A thread waiting for the interpreter gets it after this long at most (5 ms by
        # default): a short request beside a long computation waits that long each time it
        # comes back from the store or the event loop.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        try:
            yield
        finally:
            if store is None:
                app.state.store.close()

    app = FastAPI(
        title="stakeholder-graph",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes)
    app.state.wrong_tokens = WrongTokens.from_settings(settings)
    app.add_middleware(JsonWrites)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError) -> JSONResponse:
        return JSONResponse({"detail": error.message}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": describe_validation_errors(error.errors())}, status_code=422)

    @app.get("/health", tags=["service"])
    def health(store: StoreDep) -> Health:
        """Whether the service is up, and which store it runs on. Needs no token."""
        return Health(store=store.kind)

    api = APIRouter(prefix="/api/v1")
    for routes in (
        network_routes,
        access_routes,
        partnership_routes,
        ecomap_routes,
        missing_partner_routes,
        referral_routes,
        path_routes,
        data_routes,
        survey_routes,
    ):
        api.include_router(routes.router)
    app.include_router(api)
    app.include_router(survey_routes.respondents)
    describe_errors(app, "/api")  # /api/v1 and the respondents' /api/survey-links
    for page_routes in (
        access_pages,
        network_pages,
        missing_partner_pages,
        ecomap_pages,
        referral_pages,
        partnership_pages,
        path_pages,
        data_pages,
        survey_pages,
    ):
        app.include_router(page_routes.router)
    ecomap_pages.mount_assets(app)
    app.mount("/static", StaticFiles(directory=pages.WEB_DIR / "static"), name="static")
    swagger_assets = resources.files("fastapi_swagger") / "resources"
    app.mount("/swagger", StaticFiles(directory=str(swagger_assets)), name="swagger")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> Response:
        """The interactive API documentation, with every asset served from here."""
        return pages.render(request, "docs.html")

    return app


def app_from_environment() -> FastAPI:
    """The service for the settings of the environment: what each worker process of
    ``serve --workers N`` runs, with a store of its own opened on the same data.

    >>> import os, tempfile; from unittest import mock
    >>> with mock.patch.dict(os.environ, STAKEHOLDER_GRAPH_DATA_DIR=tempfile.mkdtemp()):
    ...     app_from_environment().title
    'stakeholder-graph'
    """
    return create_app(Settings())
