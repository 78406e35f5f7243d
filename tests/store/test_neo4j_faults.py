"""Neo4j going away: a 503 that says so while it is gone, and afterwards nothing lost or doubled.

One test crashes a Neo4j of its own (SIGKILL) in the middle of a run of writes and starts it
again on the same data; the other cuts every connection to the suite's Neo4j again and again,
through a proxy, while writes go on. A write answered 201 or 200 must be there exactly once; a
write answered 503 must not be there, unless the 503 said the commit's outcome is unknown, and
then at most once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.app import create_app
from service.cli import main
from service.settings import Settings, StoreKind
from service.store.neo4j import cypher
from tests.conftest import ADMIN_TOKEN, SECTORS, neo4j_settings, server_env, wipe_neo4j

SERVER = Path(__file__).parents[1] / "neo4j_server" / "neo4j.sh"
UNKNOWN_OUTCOME = "may or may not have been applied"


@dataclass
class OwnNeo4j:
    """A throwaway Neo4j of this module's own, beside the suite's (``neo4j.sh`` with its state
    in ``state_dir``)."""

    state_dir: Path

    def run(self, command: str) -> None:
        env = {**os.environ, "NEO4J_STATE_DIR": str(self.state_dir)}
        subprocess.run(["bash", str(SERVER), command], env=env, check=True, capture_output=True)

    def settings(self, **overrides: object) -> Settings:
        env = server_env(self.state_dir / "env")
        return Settings(
            store=StoreKind.NEO4J,
            neo4j_uri=env["STAKEHOLDER_GRAPH_NEO4J_URI"],
            neo4j_user=env["STAKEHOLDER_GRAPH_NEO4J_USER"],
            neo4j_password=SecretStr(env["STAKEHOLDER_GRAPH_NEO4J_PASSWORD"]),
            admin_token=SecretStr(ADMIN_TOKEN),
            **overrides,
        )


@pytest.fixture(scope="module")
def own_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnNeo4j]:
    """The spare Neo4j that ``make test`` starts beside the suite's, else one started here."""
    if neo4j_settings(tmp_path_factory.getbasetemp()) is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    spare = os.environ.get("STAKEHOLDER_GRAPH_SPARE_NEO4J")
    if spare:
        yield OwnNeo4j(Path(spare))
        return
    server = OwnNeo4j(tmp_path_factory.mktemp("own-neo4j"))
    server.run("up")
    yield server
    server.run("down")


@dataclass
class Writes:
    """Writes sent one after another until told to stop, each once, never retried: new
    organizations without an id (a double would get a '-2' id) and new assessments of one
    relationship (a double would lengthen its history)."""

    client: TestClient
    rel_id: str
    answers: list[tuple[str, int, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        for n in range(100_000):
            if self.stop.is_set():
                return
            org = self.client.post(
                "/api/v1/organizations", json={"name": f"Written {n} once", "sector": "wic"}
            )
            self.answers.append((f"written-{n}-once", org.status_code, _detail(org.json())))
            state = "green" if n % 2 else "yellow"
            assessed = self.client.patch(
                f"/api/v1/relationships/{self.rel_id}", json={"state": state, "reason": f"step {n}"}
            )
            self.answers.append((f"step {n}", assessed.status_code, _detail(assessed.json())))

    def count(self, status: int) -> int:
        return sum(1 for _, code, _ in self.answers if code == status)

    def wait_for(self, status: int, count: int) -> None:
        while self.count(status) < count:
            self.stop.wait(0.05)


def _detail(body: object) -> str:
    return body.get("detail", "") if isinstance(body, dict) else ""


def check_nothing_lost_or_doubled(client: TestClient, writes: Writes) -> None:
    """Every acknowledged write is there once; every refused one is not, unless its outcome
    was said to be unknown, and then at most once."""
    orgs = client.get("/api/v1/organizations", params={"limit": 500}).json()["items"]
    org_ids = [org["id"] for org in orgs]
    history = client.get(f"/api/v1/relationships/{writes.rel_id}/history").json()
    reasons = [step["reason"] for step in history]
    assert not [org_id for org_id in org_ids if org_id.endswith("-once-2")]
    for what, status, detail in writes.answers:
        found = org_ids.count(what) if what.startswith("written-") else reasons.count(what)
        if status in (200, 201):
            assert found == 1, (what, status)
        elif UNKNOWN_OUTCOME in detail:
            assert found <= 1, (what, detail)
        else:
            assert (status, found) == (503, 0), (what, status, detail)


def set_up(client: TestClient) -> str:
    """Sign in as admin, add two organizations and a relationship; returns its id."""
    client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    client.app.state.store.upsert_sectors(SECTORS)
    for org_id in ("hub", "partner"):
        client.post("/api/v1/organizations", json={"id": org_id, "name": org_id, "sector": "wic"})
    rel = client.post(
        "/api/v1/relationships",
        json={"org_a": "hub", "org_b": "partner", "state": "no_dot", "reason": "first"},
    )
    rel_id: str = rel.json()["id"]
    return rel_id


@contextlib.contextmanager
def writing(client: TestClient, rel_id: str) -> Iterator[Writes]:
    """:class:`Writes` going on in a thread while the block runs."""
    writes = Writes(client, rel_id)
    writer = threading.Thread(target=writes.run)
    writer.start()
    try:
        yield writes
    finally:
        writes.stop.set()
        writer.join()


def test_a_crashed_neo4j_gets_503s_that_say_so_and_after_its_restart_nothing_is_lost_or_doubled(
    own_neo4j,
):
    settings = own_neo4j.settings(neo4j_retry_seconds=1.0)
    with TestClient(create_app(settings)) as client:
        with writing(client, set_up(client)) as writes:
            writes.wait_for(201, 10)
            own_neo4j.run("kill")
            writes.wait_for(503, 2)
            page = client.get("/orgs/hub/ecomap")
            own_neo4j.run("restart")
            writes.wait_for(201, writes.count(201) + 3)
        unreachable = f"Neo4j at {settings.neo4j_uri} is unreachable: "
        assert page.status_code == 503
        assert unreachable in page.text
        refusals = [detail for _, status, detail in writes.answers if status == 503]
        assert all(d.startswith(unreachable) or UNKNOWN_OUTCOME in d for d in refusals)
        check_nothing_lost_or_doubled(client, writes)


COMMIT = b"\x00\x02\xb0\x12\x00\x00"
"""A Bolt COMMIT message, as the driver sends it."""


class ConnectionCutter:
    """A TCP proxy to Neo4j on a loopback port that cuts a connection when the driver sends
    something it was told to watch for: before the server gets it, or just after."""

    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._armed: list[tuple[bytes, bool]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, needle: bytes, *, forward: bool) -> None:
        """Cut the next connection that sends ``needle``; with ``forward`` only once the
        server has it."""
        with self._lock:
            self._armed.append((needle, forward))

    @property
    def armed(self) -> int:
        with self._lock:
            return len(self._armed)

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._target)
            threading.Thread(target=self._upstream, args=(client, server), daemon=True).start()
            threading.Thread(target=_downstream, args=(server, client), daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                cut = self._take(data)
                if cut is None or cut[1]:
                    server.sendall(data)
                if cut is not None:
                    break
        _close(client)
        _close(server)

    def _take(self, data: bytes) -> tuple[bytes, bool] | None:
        with self._lock:
            for armed in self._armed:
                if armed[0] in data:
                    self._armed.remove(armed)
                    return armed
        return None


def _downstream(server: socket.socket, client: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := server.recv(65536):
            client.sendall(data)
    _close(client)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def neo4j_through_a_cutter(tmp_path: Path) -> Iterator[tuple[Settings, ConnectionCutter]]:
    """Settings of the suite's Neo4j, emptied, reached through a :class:`ConnectionCutter`."""
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    wipe_neo4j(settings)
    cutter = ConnectionCutter(int(settings.neo4j_uri.rsplit(":", 1)[1]))
    yield settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{cutter.port}"}), cutter
    cutter.close()


def test_a_write_cut_off_mid_transaction_is_retried_and_one_cut_off_at_commit_is_not_repeated(
    neo4j_through_a_cutter: tuple[Settings, ConnectionCutter],
):
    settings, cutter = neo4j_through_a_cutter
    with TestClient(create_app(settings)) as client:
        rel_id = set_up(client)
        cutter.arm(b"MERGE (o:Organization", forward=False)
        cutter.arm(COMMIT, forward=True)
        cutter.arm(b"MERGE (a:Assessment", forward=False)
        with writing(client, rel_id) as writes:
            while cutter.armed:
                writes.stop.wait(0.05)
            writes.wait_for(201, 5)
        check_nothing_lost_or_doubled(client, writes)
    lost_answers = [what for what, status, detail in writes.answers if UNKNOWN_OUTCOME in detail]
    assert lost_answers == ["written-0-once"]
    assert writes.count(503) == 1


def test_a_read_cut_off_on_its_way_is_sent_again_and_answered(
    neo4j_through_a_cutter: tuple[Settings, ConnectionCutter],
):
    settings, cutter = neo4j_through_a_cutter
    with TestClient(create_app(settings)) as client:
        set_up(client)
        cutter.arm(cypher.PARTNER_RECORDS["now"].encode()[:60], forward=False)
        answer = client.get("/api/v1/organizations/hub/ecomap")
        assert cutter.armed == 0  # the eco-map's read was cut off once
        assert answer.status_code == 200
        assert [p["organization"]["id"] for p in answer.json()["partners"]] == ["partner"]


def test_serve_and_seed_load_stop_with_one_clear_line_and_exit_1_when_neo4j_is_unreachable(
    monkeypatch, capsys
):
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    monkeypatch.setenv("STAKEHOLDER_GRAPH_STORE", "neo4j")
    monkeypatch.setenv("STAKEHOLDER_GRAPH_NEO4J_URI", f"bolt://127.0.0.1:{port}")
    monkeypatch.setenv("STAKEHOLDER_GRAPH_NEO4J_RETRY_SECONDS", "1")
    for command in (["serve", "--port", str(port)], ["seed", "load", "oregon"]):
        assert main(command) == 1
        error = capsys.readouterr().err
        assert error.startswith(
            f"stakeholder-graph: error: Neo4j at bolt://127.0.0.1:{port} is unreachable: "
        )
        assert "Connection refused" in error
        assert error.count("\n") == 1


def test_a_user_neo4j_does_not_know_stops_with_one_clear_line_and_exit_1(
    tmp_path, monkeypatch, capsys
):
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    monkeypatch.setenv("STAKEHOLDER_GRAPH_STORE", "neo4j")
    monkeypatch.setenv("STAKEHOLDER_GRAPH_NEO4J_USER", "nobody-we-know")
    assert main(["seed", "load", "oregon"]) == 1
    assert capsys.readouterr().err == (
        f"stakeholder-graph: error: Neo4j at {settings.neo4j_uri} refused the user name or "
        "password: The client is unauthorized due to authentication failure.\n"
    )
