"""Fixtures: every store-backed test runs on the embedded store and on a real Neo4j.

``make test`` starts a throwaway Neo4j and exports its ``STAKEHOLDER_GRAPH_NEO4J_*`` settings
with ``STAKEHOLDER_GRAPH_REQUIRE_NEO4J=1``; a bare ``pytest`` without them skips the Neo4j runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from graph_models import (
    AssessmentImport,
    NetworkBundle,
    OrganizationCreate,
    RelationshipImport,
    RelationshipState,
    Role,
    Sector,
    TokenCreate,
)
from graph_models.common import utc_now
from service.access.csrf import csrf_token_for
from service.access.permissions import issue_token
from service.access.sessions import SESSION_COOKIE
from service.app import create_app
from service.settings import Settings, StoreKind
from service.store import Store, open_store

ADMIN_TOKEN = "sg_test-admin-token"
SECTORS = [
    Sector(slug="early_intervention", label="Early intervention"),
    Sector(slug="early_learning_hub", label="Early Learning Hubs"),
    Sector(slug="wic", label="WIC"),
    Sector(slug="primary_care", label="Primary care providers"),
    Sector(slug="library", label="Libraries"),
    Sector(slug="state_agency", label="State agencies"),
]


def pytest_configure(config: pytest.Config) -> None:
    """Point each worker of a parallel run at a Neo4j of its own: ``tests/run_suite.sh`` starts
    one per worker and lists their env files, in worker order, in
    ``STAKEHOLDER_GRAPH_TEST_NEO4J_ENVS``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ...
    listed = os.environ.get("STAKEHOLDER_GRAPH_TEST_NEO4J_ENVS")
    if worker and listed:
        os.environ.update(server_env(Path(listed.split(":")[int(worker.removeprefix("gw"))])))


def server_env(env_file: Path) -> dict[str, str]:
    """The settings ``neo4j.sh up`` wrote for a server to ``env_file`` (``KEY=VALUE`` lines)."""
    return dict(line.split("=", 1) for line in env_file.read_text().splitlines())


def neo4j_settings(data_dir: Path) -> Settings | None:
    """Settings for the throwaway Neo4j of ``make test``, or None when there is none."""
    if not os.environ.get("STAKEHOLDER_GRAPH_NEO4J_URI"):
        if os.environ.get("STAKEHOLDER_GRAPH_REQUIRE_NEO4J") == "1":
            pytest.fail("STAKEHOLDER_GRAPH_REQUIRE_NEO4J=1 but no STAKEHOLDER_GRAPH_NEO4J_URI")
        return None
    return Settings(data_dir=data_dir, store=StoreKind.NEO4J, admin_token=SecretStr(ADMIN_TOKEN))


def wipe_neo4j(settings: Settings) -> None:
    """Empty the test database: Community edition has one database, shared by all tests."""
    from neo4j import GraphDatabase

    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=settings.neo4j_database)


@pytest.fixture(params=["embedded", "neo4j"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for one store; the test runs once per store."""
    if request.param == "embedded":
        return Settings(
            data_dir=tmp_path, store=StoreKind.EMBEDDED, admin_token=SecretStr(ADMIN_TOKEN)
        )
    found = neo4j_settings(tmp_path)
    if found is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    wipe_neo4j(found)
    return found


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """An empty store of the kind under test, with a few sectors."""
    opened = open_store(settings)
    opened.upsert_sectors(SECTORS)
    yield opened
    opened.close()


@pytest.fixture
def reopen(settings: Settings) -> Callable[[], Store]:
    """Open the same store again, as a restarted process would."""
    return lambda: open_store(settings)


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    """An HTTP client of the service, signed in as admin."""
    with TestClient(create_app(settings, store=store)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        yield test_client


@pytest.fixture
def token_for(store: Store) -> Callable[..., dict[str, str]]:
    """Headers of a fresh token: ``token_for(Role.PLANNER)``, ``token_for(Role.CASEWORKER,
    org_id="wic-lane")``."""

    def make(role: Role, org_id: str | None = None) -> dict[str, str]:
        token, _ = issue_token(
            store, TokenCreate(name=f"{role.value} tester", role=role, org_id=org_id)
        )
        return {"Authorization": f"Bearer {token}"}

    return make


def days_from_today(days: int) -> date:
    """The day ``days`` after today (UTC), before it when negative, read from the clock at each
    call rather than once on import: a run that crosses midnight dates what it sends as the
    service, which reads its clock when it answers, counts days."""
    return utc_now().date() + timedelta(days=days)


def add_orgs(store: Store, *specs: tuple[str, str]) -> None:
    """Add organizations given as ``(id, sector)``; the name is made from the id."""
    for org_id, sector in specs:
        store.create_organization(
            OrganizationCreate(
                id=org_id, name=org_id.replace("-", " ").title(), sector=sector, region="Lane"
            )
        )


def add_hub(store: Store, partners: int) -> None:
    """Add the organization ``hub`` with ``partners`` green partners, ``partner-000`` and on,
    in one import."""
    assessed = AssessmentImport(
        state=RelationshipState.GREEN, reason="shared plan", assessed_by="t", assessed_at=utc_now()
    )
    org_ids = [f"partner-{n:03}" for n in range(partners)]
    store.import_bundle(
        NetworkBundle(
            name="hub",
            title="Hub",
            organizations=[
                OrganizationCreate(id=org_id, name=org_id.title(), sector="wic")
                for org_id in ("hub", *org_ids)
            ],
            relationships=[
                RelationshipImport(org_a="hub", org_b=org_id, history=[assessed])
                for org_id in org_ids
            ],
        )
    )


def free_port() -> int:
    """A loopback port no one listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_service(data_dir: Path, port: int, *, workers: int = 1) -> subprocess.Popen[bytes]:
    """``python -m service serve --workers N`` on the embedded store in ``data_dir``, up and
    answering; with several workers, in a process group of its own (``os.killpg`` ends it)."""
    env = {
        **os.environ,
        "STAKEHOLDER_GRAPH_DATA_DIR": str(data_dir),
        "STAKEHOLDER_GRAPH_STORE": "embedded",
        "STAKEHOLDER_GRAPH_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=workers > 1,
    )
    deadline = time.monotonic() + 60 * workers
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the service did not start within {60 * workers} s")


@dataclass(frozen=True)
class Served:
    """``stakeholder-graph serve`` running as its own process, on a loopback port."""

    url: str
    pid: int


@pytest.fixture
def fresh_service(tmp_path: Path) -> Iterator[Served]:
    """``python -m service serve`` on an empty data directory, as a user first starts it."""
    port = free_port()
    process = start_service(tmp_path / "data", port)
    yield Served(url=f"http://127.0.0.1:{port}", pid=process.pid)
    process.terminate()
    process.wait(timeout=10)


SignedIn = Callable[..., tuple[TestClient, str]]


@pytest.fixture
def browser(settings: Settings, store: Store) -> Iterator[SignedIn]:
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
