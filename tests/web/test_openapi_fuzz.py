"""Schemathesis sends every route of ``/openapi.json`` generated requests, in-process, on both
stores filled with the Oregon network: no answer is a server error, and every answer keeps to
what the OpenAPI document says (its status codes, content types, bodies and headers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis import checks
from schemathesis.specs.openapi.schemas import OpenApiSchema

from service.app import create_app
from service.settings import Settings, StoreKind
from service.store import open_store
from tests.conftest import ADMIN_TOKEN, neo4j_settings, wipe_neo4j
from tests.networks import fill

EXAMPLES_PER_ROUTE = 12
"""Generated requests per route and store, besides the ones Schemathesis derives from the
schema's edges: enough to reach every parameter, few enough to keep the suite quick."""

CONTRACT_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def api_schema(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenApiSchema]:
    """The OpenAPI document of a service on a store filled with the Oregon network."""
    data_dir: Path = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "embedded":
        chosen: Settings | None = Settings(
            data_dir=data_dir, store=StoreKind.EMBEDDED, admin_token=SecretStr(ADMIN_TOKEN)
        )
    else:
        chosen = neo4j_settings(data_dir)
        if chosen is None:
            pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
        wipe_neo4j(chosen)
    store = open_store(chosen)
    fill(store)
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(chosen, store=store))
    store.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_ROUTE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_route_answers_as_its_openapi_document_says(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, checks=CONTRACT_CHECKS
    )
