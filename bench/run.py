"""The benchmark behind ``make bench``: the speed bars of the design, proven through HTTP.

It builds the generated network of a scale once (cached under ``bench/cache/<scale>/``, rebuilt
when the generator's version or seed changes), measures the bulk import on a scratch store,
starts the service as a subprocess on the cached network, and times each analytic route for
typical agencies and for hubs. Beside every figure it times the figure's fair floor in this
process: the best simple way to answer the same question from the same data
(:mod:`bench.floors`), each figure printed as ours / floor and held within
:data:`NEAR_FLOOR` times it (:data:`NEAR_HUB_FLOOR` for hub eco-maps).
Then it times how long maps take to draw in headless Chromium, beside the same maps drawn by
the commit this branch grew from (:mod:`bench.pictures`), a spreadsheet import of the small
network through the command line beside the bulk path, and the GraphML export of the network.
It prints a table and writes
``bench/results.json``.

With ``--store neo4j`` the same harness runs on a throwaway Neo4j (``tests/neo4j_server``) into
which the cached network is migrated; there the baseline of each figure is the best
hand-written Cypher for its question (:mod:`bench.neo4j_floor`), checked first to give the
service's answer, plus a bare round trip for a route; each figure is held to the embedded
store's bar and to within 1.5 times its floor. That Neo4j gets a page cache that holds the
whole store (:func:`page_cache_mb`).

    python -m bench.run --scale statewide      # make bench
    python -m bench.run --scale small          # make bench SCALE=small, about a minute
    python -m bench.run --store neo4j          # make bench STORE=neo4j
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from neo4j import GraphDatabase
from pydantic import SecretStr
from tqdm import tqdm

from bench import neo4j_floor
from bench.floors import FLOOR_HOW, PROFILE, Floor
from bench.pictures import time_to_draw
from bench.surveys import survey_figures
from graph_models import NetworkBundle
from service.app import create_app
from service.data.exports import export_network
from service.data.generator import CLOCK, COUNTED, GENERATOR_VERSION, SCALES, generate_network
from service.data.migration import migrate
from service.data.snapshot import read_network
from service.data.spreadsheet import network_tables
from service.settings import Settings, StoreKind
from service.store import open_store
from service.store.embedded import DATABASE_FILE, EmbeddedStore
from service.store.embedded.connection import FILE_PAGE_SIZE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMA_FILE = ROOT / "service" / "store" / "embedded" / "schema.sql"
TOKEN = "sg_bench-admin-token"
IMPORT_BATCHES = {"statewide": 8, "statewide-x2": 8, "small": 4, "tiny": 1}
"""How many referral batches the import figure times on a scratch store."""
IMPORT_RUNS = 3
"""How many times the import figure is timed, each on a fresh store; it reports the median."""
ROUNDS = 3
"""How many times each organization is asked, in turn with its floor (:func:`in_turn`): ten
hubs give a p95 of thirty samples, fifty typical agencies one of 150."""
DRAWN_WITHIN_S = 2
"""How soon a map must be drawn and answer the mouse, from the click that asks for it."""
NEO4J_SERVER = ROOT / "tests" / "neo4j_server" / "neo4j.sh"
NEO4J_HEAP = "2g"
"""The heap of the benchmark's Neo4j."""
NEO4J_STORE_PER_FILE = 3
"""About how many times the embedded store's data file the same network takes in Neo4j (at
statewide scale 3.4 GB of store files for a data file of 1.4 GB), rounded up."""
NEO4J_COPY_BATCH = 10_000
"""Records a transaction of the copy into Neo4j carries: fewer, larger commits."""
NEAR_FLOOR = 3.0
"""How many times its fair floor a figure may take (a rate: how many times slower)."""
NEAR_HUB_FLOOR = 2.0
"""How many times its fair floor a hub's eco-map may take."""
PROFILED = 3
"""On Neo4j, how many of the slowest questions get their floor's ``PROFILE`` written."""


@dataclass
class Figure:
    """One measured figure (ours) beside its floor (``baseline``) and its bar."""

    name: str
    value: float
    unit: str
    baseline: float | None
    baseline_how: str
    bar: str
    meets: bool | None
    within: float | None = None
    """How many times the floor the figure may take; None: not held to its floor."""
    embedded: float | None = None
    """On Neo4j, the same figure of the embedded store, measured in the same run."""

    @property
    def ratio(self) -> float | None:
        """How many times its floor the figure takes: ours / floor, floor / ours for a rate.

        >>> Figure("import", 50, "events/s", 100, "", "", None).ratio
        2.0
        """
        if not self.baseline or not self.value:
            return None
        if self.unit.endswith("/s"):
            return round(self.baseline / self.value, 2)
        return round(self.value / self.baseline, 2)

    @property
    def near_floor(self) -> bool | None:
        """Whether the figure is within :attr:`within` times its floor."""
        if self.within is None or self.ratio is None:
            return None
        return self.ratio <= self.within


# -- the cached network ---------------------------------------------------------------------


def cached_network(scale: str, seed: int) -> Path:
    """The data directory holding the network of ``scale`` and ``seed``, built if needed
    (again whenever the generator, the embedded store's schema or its page size changes)."""
    directory = HERE / "cache" / scale
    schema = hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()[:16]
    stamp = {
        "generator": GENERATOR_VERSION,
        "schema": schema,
        "page_size": FILE_PAGE_SIZE,
        "scale": scale,
        "seed": seed,
    }
    stamp_file = directory / "network.json"
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp:
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    store = EmbeddedStore(directory)
    with tqdm(desc=f"building {scale}", total=SCALES[scale].counted) as bar:

        def advance(what: str, count: int) -> None:
            if what in COUNTED:
                bar.update(count)

        for batch in generate_network(scale=scale, seed=seed):
            store.import_bundle(batch, progress=advance)
    store.close()
    stamp_file.write_text(json.dumps(stamp))
    return directory


# -- import rate ----------------------------------------------------------------------------


def import_figure(scale: str, seed: int) -> Figure:
    """Referral events a second through the bulk path (JSON validated into a bundle, then
    ``import_bundle``) on a scratch store that holds the network's organizations, beside a
    plain ``executemany`` of the same rows without validation or counters; the median of
    :data:`IMPORT_RUNS` runs, each on a fresh store."""
    setup: list[NetworkBundle] = []
    payloads: list[bytes] = []
    for batch in generate_network(scale=scale, seed=seed):
        if batch.referrals:
            payloads.append(batch.model_dump_json().encode())
            if len(payloads) == IMPORT_BATCHES[scale]:
                break
        elif batch.organizations or batch.contacts:
            setup.append(batch)
    rates, raw_rates = [], []
    for _ in range(IMPORT_RUNS):
        with tempfile.TemporaryDirectory() as scratch:
            store = EmbeddedStore(Path(scratch))
            for batch in setup:
                store.import_bundle(batch)
            started, events = time.perf_counter(), 0
            for payload in payloads:
                events += store.import_bundle(
                    NetworkBundle.model_validate_json(payload)
                ).referral_events
            rates.append(events / (time.perf_counter() - started))
            store.close()
            raw_rates.append(events / _raw_insert_seconds(payloads, Path(scratch) / "raw.sqlite3"))
    rate = statistics.median(rates)
    return Figure(
        "import of referral events",
        round(rate),
        "events/s",
        round(statistics.median(raw_rates)),
        "sqlite executemany of the same rows, unvalidated",
        ">= 75000",
        rate >= 75_000,
        NEAR_FLOOR,
    )


def _raw_insert_seconds(payloads: list[bytes], path: Path) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE referrals (id, case_ref, from_org, to_org, sent_at, events)")
    started = time.perf_counter()
    for payload in payloads:
        rows = [
            (
                r["id"],
                r["case_ref"],
                r["from_org"],
                r["to_org"],
                r["sent_at"],
                json.dumps(r["events"]),
            )
            for r in json.loads(payload)["referrals"]
        ]
        db.execute("BEGIN")
        db.executemany("INSERT INTO referrals VALUES (?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


# -- data in and out ------------------------------------------------------------------------


def run_cli(args: list[str], data_dir: Path) -> tuple[float, float]:
    """Run ``stakeholder-graph ARGS`` on the embedded store in ``data_dir`` as its own process:
    its seconds (start to exit, opening the store included) and its peak memory in MB."""
    env = {
        **os.environ,
        "STAKEHOLDER_GRAPH_STORE": "embedded",
        "STAKEHOLDER_GRAPH_DATA_DIR": str(data_dir),
    }
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "service", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise RuntimeError(f"stakeholder-graph {args[0]} failed: {errors.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def spreadsheet_figure(seed: int) -> Figure:
    """Rows a second of a spreadsheet import of the small generated network (2,500
    organizations, 15,000 relationships, their engagements and evidence, without referrals)
    through the command line into an empty store, beside records a second of the bulk path
    (``import_bundle``) loading the same network in the same run."""
    batches = [batch for batch in generate_network(scale="small", seed=seed) if not batch.referrals]
    with tempfile.TemporaryDirectory() as scratch:
        bulk, sheet = Path(scratch) / "bulk", Path(scratch) / "sheet"
        bulk.mkdir()
        source = EmbeddedStore(bulk)
        started, records = time.perf_counter(), 0
        for batch in batches:
            done = source.import_bundle(batch)
            records += done.sectors + done.organizations + done.contacts + done.assessments
            records += done.engagements + done.evidence
        bulk_rate = records / (time.perf_counter() - started)
        written = export_network(source, "xlsx")
        rows = sum(
            len(sheet_rows.rows) for sheet_rows in network_tables(read_network(source).bundle)
        )
        source.close()
        workbook = Path(scratch) / written.filename
        workbook.write_bytes(written.content)
        seconds, _ = run_cli(["import", str(workbook)], sheet)
    rate = rows / seconds
    return Figure(
        "spreadsheet import of the small network (CLI)",
        round(rate),
        "rows/s",
        round(bulk_rate),
        "import_bundle of the same network's records, same run",
        "",
        None,
    )


def graphml_figures(data_dir: Path, scale: str) -> list[Figure]:
    """The export of the whole network of ``data_dir`` to GraphML through the command line:
    seconds (opening the store included) and the process's peak memory."""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "network.graphml"
        seconds, peak = run_cli(["export", "--format", "graphml", "-o", str(target)], data_dir)
    return [
        Figure(
            f"GraphML export of the {scale} network (CLI)",
            round(seconds, 1),
            "s",
            None,
            "",
            "",
            None,
        ),
        Figure("peak memory of the GraphML export", round(peak), "MB", None, "", "", None),
    ]


# -- Neo4j ----------------------------------------------------------------------------------


def settings_environment(settings: Settings) -> dict[str, str]:
    """The ``STAKEHOLDER_GRAPH_*`` variables that make a service process use ``settings``."""
    return {
        "STAKEHOLDER_GRAPH_DATA_DIR": str(settings.data_dir),
        "STAKEHOLDER_GRAPH_STORE": settings.store.value,
        "STAKEHOLDER_GRAPH_NEO4J_URI": settings.neo4j_uri,
        "STAKEHOLDER_GRAPH_NEO4J_USER": settings.neo4j_user,
        "STAKEHOLDER_GRAPH_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "STAKEHOLDER_GRAPH_NEO4J_DATABASE": settings.neo4j_database,
        "STAKEHOLDER_GRAPH_ADMIN_TOKEN": TOKEN,
        "STAKEHOLDER_GRAPH_KEPT_ANSWERS_MB": str(settings.kept_answers_mb),
    }


@contextmanager
def throwaway_neo4j(scratch: Path, data_dir: Path) -> Iterator[Settings]:
    """A Neo4j of its own for the benchmark (the tests' throwaway server, its state in
    ``scratch``), stopped and deleted afterwards; settings that point at it. It is sized as
    Neo4j advises for the network of ``data_dir``: a page cache that holds the whole store
    (:func:`page_cache_mb`) and a heap of :data:`NEO4J_HEAP`."""
    env = {
        **os.environ,
        "NEO4J_STATE_DIR": str(scratch / "neo4j"),
        "NEO4J_HEAP": NEO4J_HEAP,
        "NEO4J_PAGECACHE_MB": str(page_cache_mb((data_dir / DATABASE_FILE).stat().st_size)),
    }
    subprocess.run(["bash", str(NEO4J_SERVER), "up"], env=env, check=True)
    try:
        found = dict(
            line.split("=", 1) for line in (scratch / "neo4j" / "env").read_text().splitlines()
        )
        yield Settings(
            data_dir=scratch,
            store=StoreKind.NEO4J,
            neo4j_uri=found["STAKEHOLDER_GRAPH_NEO4J_URI"],
            neo4j_user=found["STAKEHOLDER_GRAPH_NEO4J_USER"],
            neo4j_password=SecretStr(found["STAKEHOLDER_GRAPH_NEO4J_PASSWORD"]),
            admin_token=SecretStr(TOKEN),
        )
    finally:
        subprocess.run(["bash", str(NEO4J_SERVER), "down"], env=env, check=False)


def page_cache_mb(data_file_bytes: int) -> int:
    """Megabytes of page cache that hold the Neo4j store of a network whose embedded data file
    is ``data_file_bytes`` large: :data:`NEO4J_STORE_PER_FILE` times it, at least the tests'
    256.

    >>> page_cache_mb(1_400 * 2**20), page_cache_mb(0)
    (4200, 256)
    """
    return max(256, round(data_file_bytes * NEO4J_STORE_PER_FILE / 2**20))


def load_into_neo4j(data_dir: Path, settings: Settings) -> float:
    """Copy the cached network into the Neo4j of ``settings`` as ``stakeholder-graph migrate``
    does; the seconds it took."""
    source, target = EmbeddedStore(data_dir), open_store(settings)
    started = time.perf_counter()
    try:
        with tqdm(desc="copying into Neo4j", unit=" records") as bar:

            def advance(kind: Any, count: int) -> None:
                bar.update(count)

            migrate(source, target, batch_size=NEO4J_COPY_BATCH, progress=advance)
    finally:
        source.close()
        target.close()
    return time.perf_counter() - started


class CypherFloors:
    """The baselines on Neo4j: the hand-written floors of :mod:`bench.neo4j_floor`, each
    checked to give the answer of an in-process service on the same server before it is
    timed."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = TestClient(create_app(settings))
        self.client.__enter__()
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"
        auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
        self.driver = GraphDatabase.driver(
            settings.neo4j_uri, auth=auth, notifications_min_severity="OFF"
        )

    def floor(
        self, method: str, path: str, params: dict[str, str], org_ids: list[str]
    ) -> Callable[[str], Any]:
        """The floor of a per-organization route (:data:`neo4j_floor.FLOORS`), checked first
        to give the service's answer for the first three of ``org_ids``."""
        floor = partial(
            neo4j_floor.FLOORS[method][0],
            self.driver,
            self.settings.neo4j_database,
            **floor_day(params),
        )
        for org_id in org_ids[:3]:
            self._check(method, floor(org_id), path.format(org_id), _filled(params, org_id))
        return floor

    def whole_floor(self) -> Callable[[], Any]:
        """The floor of the whole feedback-gap report, checked first to give the service's
        answer."""
        floor = partial(neo4j_floor.whole_gaps, self.driver, self.settings.neo4j_database)
        self._check("whole_gaps", floor(), "/api/v1/feedback-gaps", {})
        return floor

    def _check(self, method: str, found: Any, path: str, params: dict[str, str]) -> None:
        """Stop the benchmark when ``found``, the floor's answer, is not the service's."""
        answer = self.client.get(path, params=params)
        if answer.status_code != 200 or neo4j_floor.differs(method, found, answer.json()):
            raise SystemExit(
                f"the hand-written floor of GET {path} {params} answers otherwise than the service"
            )

    def slowest_plans(
        self, figures: list[Figure], questions: dict[str, tuple[str, tuple[Any, ...]]]
    ) -> str:
        """The ``PROFILE`` of the floors of the :data:`PROFILED` questions the service
        answered slowest among ``figures`` (a figure's name, the question and what it asks
        in ``questions``), each headed by the figure, ours beside the floor."""
        asked = [figure for figure in figures if figure.name in questions]
        plans = []
        for figure in sorted(asked, key=lambda figure: -figure.value)[:PROFILED]:
            question, given = questions[figure.name]
            query, params = neo4j_floor.statement(question, *given)
            plan = neo4j_floor.profile(self.driver, self.settings.neo4j_database, query, **params)
            plans.append(
                f"{figure.name}: ours {figure.value} {figure.unit}, floor {figure.baseline}; "
                f"the floor's PROFILE for {', '.join(map(str, given)) or 'the whole network'}"
                f"\n{plan}"
            )
        return "\n\n".join(plans) + "\n"

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.driver.close()


def floor_questions(
    typical: list[str], hubs: list[str], pairs: list[tuple[str, str]]
) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """What the floor of each figure on Neo4j is asked when its plan is shown, by the figure's
    name: the question (see :func:`bench.neo4j_floor.statement`) of the route for the first
    organization (or pair) the figure timed.

    >>> questions = floor_questions(["a"], ["hub"], [("a", "b")])
    >>> questions["eco-map, hubs, p95"], questions["shortest path, p95"]
    (('ecomap', ('hub',)), ('paths', ('a', 'b', 1)))
    """
    questions: dict[str, tuple[str, tuple[Any, ...]]] = {
        f"{name}, {group}, p95": (method, (org_ids[0], *floor_day(params).values()))
        for name, _, params, method, _ in ORGANIZATION_ROUTES
        for group, org_ids in (("typical", typical), ("hubs", hubs))
    }
    questions["shortest path, p95"] = ("paths", (*pairs[0], 1))
    questions["ten paths of up to four hops, p95"] = ("paths", (*pairs[0], 10))
    questions["whole feedback-gap report"] = ("whole_gaps", ())
    return questions


# -- the service ----------------------------------------------------------------------------


def refuse_taken(port: int) -> None:
    """Stop the benchmark when a server already listens on ``port``: the service started
    there would fail to bind, and the benchmark would time that other server instead.

    >>> with socket.socket() as server:
    ...     server.bind(("127.0.0.1", 0))
    ...     server.listen()
    ...     refuse_taken(server.getsockname()[1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    SystemExit: port ... is taken by another server; pass --port
    """
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken by another server; pass --port")


class Service:
    """The service started as a subprocess on a data directory, as a user would run it."""

    def __init__(self, settings: Settings, port: int) -> None:
        env = {**os.environ, **settings_environment(settings)}
        refuse_taken(port)
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=120,
        )
        while True:
            if self.process.poll() is not None:
                raise SystemExit("the service did not start")
            try:
                if self.client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        self.cold_start = time.perf_counter() - started

    def timed(self, path: str, **params: Any) -> float:
        """Milliseconds one GET takes, its body read; a non-200 stops the benchmark."""
        started = time.perf_counter()
        response = self.client.get(path, params=params)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {params}: {response.status_code} {response.text[:300]}")
        return elapsed

    def peak_memory_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples``, in the nearest-rank sense.

    >>> percentiles([float(n) for n in range(1, 101)])
    (50.0, 95.0)
    """
    ordered = sorted(samples)
    rank = lambda p: ordered[max(0, -(-len(ordered) * p // 100) - 1)]  # noqa: E731
    return rank(50), rank(95)


def spread(
    name: str,
    samples: list[float],
    baseline: list[float],
    how: str,
    bar: float,
    within: float | None = None,
    embedded: list[float] | None = None,
) -> list[Figure]:
    """p50 and p95 of ``samples`` in milliseconds beside the floor's (and the embedded
    store's, when given); ``bar`` (0 for none) is for the p95, and both are held ``within``
    times the floor's."""
    figures = []
    beside = percentiles(embedded) if embedded else (None, None)
    for label, value, base, other in zip(
        ("p50", "p95"), percentiles(samples), percentiles(baseline), beside, strict=True
    ):
        has_bar = label == "p95" and bar > 0
        figures.append(
            Figure(
                f"{name}, {label}",
                round(value, 1),
                "ms",
                round(base, 1),
                how,
                f"< {bar}" if has_bar else "",
                value < bar if has_bar else None,
                within,
                None if other is None else round(other, 1),
            )
        )
    return figures


def _filled(params: dict[str, str], org_id: str) -> dict[str, str]:
    """``params`` with ``org_id`` in the place of each ``{}``."""
    return {key: value.format(org_id) for key, value in params.items()}


def _route(service: Service, path: str, params: dict[str, str], org_id: str) -> float:
    """Time one GET of ``path`` for ``org_id``, which fills the ``{}`` in path and params."""
    return service.timed(path.format(org_id), **_filled(params, org_id))


def time_each(call: Callable[[str], Any], org_ids: list[str]) -> list[float]:
    samples = []
    for org_id in org_ids:
        started = time.perf_counter()
        call(org_id)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def in_turn(
    call: Callable[[str], Any], base: Callable[[str], Any], org_ids: list[str], rounds: int
) -> tuple[list[float], list[float]]:
    """:func:`time_each` of ``call`` and of ``base`` (its floor) for ``org_ids``, a round of
    one then a round of the other, ``rounds`` times. Timed one after the other, each would
    see other moments of a shared machine, whose speed changes from one second to the next
    (by as much as 1.9 times here). Each round starts with one call left untimed: the first
    would pay for whatever the other's round left the server busy with.

    >>> ours, floor = in_turn(len, len, ["a", "b"], 3)
    >>> len(ours), len(floor)
    (6, 6)
    """
    samples: list[float] = []
    baseline: list[float] = []
    for _ in range(rounds):
        for timed, into in ((call, samples), (base, baseline)):
            timed(org_ids[0])
            into += time_each(timed, org_ids)
    return samples, baseline


ROUND_TRIP_HOW = ", plus a bare round trip"
"""An answer through HTTP costs at least a bare round trip: the floor of a route is its answer
in-process (or through the bare driver on Neo4j) and a ``GET /health`` sent right after it,
timed together, so that the floor's p95 holds what HTTP costs at the slower moments too."""
NETWORK_DAY = CLOCK.date().isoformat()
"""The day the generated network ends. Relationship health is asked as of it, so that its
90-day window holds the network's last referrals, as a deployment's holds its own: asked of
today, long after, the window would be empty."""
ORGANIZATION_ROUTES: list[tuple[str, str, dict[str, str], str, tuple[float, float]]] = [
    ("eco-map", "/api/v1/organizations/{}/ecomap", {}, "ecomap", (25, 100)),
    (
        "missing partners",
        "/api/v1/organizations/{}/missing-partners",
        {"profile": PROFILE},
        "missing_partners",
        (50, 250),
    ),
    ("partnership levels", "/api/v1/organizations/{}/partnership-levels", {}, "levels", (0, 0)),
    (
        "relationship health",
        "/api/v1/organizations/{}/relationship-health",
        {"as_of": NETWORK_DAY},
        "health",
        (0, 0),
    ),
    ("engagement plan", "/api/v1/organizations/{}/engagement-plan", {}, "plan", (0, 0)),
    (
        "one organization's feedback gaps",
        "/api/v1/feedback-gaps",
        {"org_id": "{}"},
        "gaps",
        (50, 0),
    ),
]
"""Per-organization routes: name, path, params, the method of its floor in
:class:`~bench.floors.Floor`, bars in ms for typical agencies and hubs (0: none)."""


def floor_day(params: dict[str, str]) -> dict[str, date]:
    """What a floor is asked besides the organization when its route is asked ``params``:
    the ``day`` of an ``as_of``.

    >>> floor_day({"as_of": "2025-06-30"}), floor_day({"profile": "x"})
    ({'day': datetime.date(2025, 6, 30)}, {})
    """
    return {"day": date.fromisoformat(params["as_of"])} if "as_of" in params else {}


def service_figures(
    settings: Settings,
    port: int,
    floor: Floor,
    cypher: CypherFloors | None,
    *,
    typical: list[str],
    hubs: list[str],
    pairs: list[tuple[str, str]],
) -> list[Figure]:
    """Cold start, each route, the whole gap report and peak memory of the service started on
    ``settings``; each beside its fair floor (``floor``, or with ``cypher`` the hand-written
    Cypher on Neo4j), plus a bare round trip for a route."""
    service = Service(settings, port)
    try:
        figures = [
            Figure(
                "cold start",
                round(service.cold_start, 2),
                "s",
                None if cypher else round(floor.load_seconds, 2),
                "" if cypher else "networkx graph loaded from SQLite in-process",
                "< 15",
                service.cold_start < 15,
                None if cypher else NEAR_FLOOR,
            )
        ]
        # What every request costs before any question is asked: the floor under each figure.
        round_trips = [service.timed("/health") for _ in range(200)]
        for label, value in zip(("p50", "p95"), percentiles(round_trips), strict=True):
            figures.append(
                Figure(
                    f"bare round trip (GET /health), {label}",
                    round(value, 1),
                    "ms",
                    None,
                    "",
                    "",
                    None,
                )
            )

        def plus_round_trip(answer: Callable[..., Any]) -> Callable[..., None]:
            """``answer``, then a bare round trip (see :data:`ROUND_TRIP_HOW`)."""

            def floor(*asked: Any) -> None:
                answer(*asked)
                service.timed("/health")

            return floor

        within = None if cypher else NEAR_FLOOR
        for name, path, params, method, bars in ORGANIZATION_ROUTES:
            call = partial(_route, service, path, params)
            for group, org_ids, bar in (("typical", typical, bars[0]), ("hubs", hubs, bars[1])):
                # The floor in-process (on Neo4j through the bare driver), plus a round trip.
                answer: Callable[[str], Any]
                if cypher is None:
                    answer = partial(getattr(floor, method), **floor_day(params))
                    how = FLOOR_HOW[method] + ROUND_TRIP_HOW
                    near = NEAR_HUB_FLOOR if (method, group) == ("ecomap", "hubs") else within
                else:
                    answer = cypher.floor(method, path, params, org_ids)
                    how, near = neo4j_floor.HOW + ROUND_TRIP_HOW, None
                asked_floor = plus_round_trip(answer)
                # Each answers every organization once before either is timed: whichever went
                # first would otherwise read from the file what the other then finds in memory.
                for warm_up in (call, asked_floor):
                    time_each(warm_up, org_ids)
                samples, baseline = in_turn(call, asked_floor, org_ids, ROUNDS)
                figures += spread(f"{name}, {group}", samples, baseline, how, bar, near)
        for name, k, bar in (("shortest path", 1, 10), ("ten paths of up to four hops", 10, 200)):
            route = partial(service.timed, "/api/v1/paths", k=k, max_hops=4)
            for a, b in pairs[:3]:
                route(from_org=a, to_org=b)  # warm-up
            samples = [route(from_org=a, to_org=b) for a, b in pairs]
            paths: Callable[[str, str], Any]
            if cypher is None:
                method = "shortest_path" if k == 1 else "paths"
                paths = floor.shortest_path if k == 1 else partial(floor.paths, k=k, max_hops=4)
                how = FLOOR_HOW[method] + ROUND_TRIP_HOW
            else:
                paths = partial(
                    neo4j_floor.warmest_paths, cypher.driver, cypher.settings.neo4j_database, k=k
                )
                how = neo4j_floor.HOW + ROUND_TRIP_HOW
            paths_floor = plus_round_trip(paths)
            baseline = [_seconds(partial(paths_floor, a, b)) * 1000 for a, b in pairs]
            figures += spread(name, samples, baseline, how, bar, within)
        service.timed("/api/v1/feedback-gaps")
        whole = statistics.median(service.timed("/api/v1/feedback-gaps") for _ in range(3))
        whole_floor: Callable[[], Any] = floor.whole_gaps
        how = FLOOR_HOW["whole_gaps"]
        if cypher is not None:  # one request of seconds: no round trip added
            whole_floor, how = cypher.whole_floor(), neo4j_floor.HOW
        base = statistics.median(_seconds(whole_floor) * 1000 for _ in range(3))
        figures.append(
            Figure(
                "whole feedback-gap report",
                round(whole, 1),
                "ms",
                round(base, 1),
                how,
                "< 5000",
                whole < 5000,
                within,
            )
        )
        peak = service.peak_memory_mb()
        figures.append(
            Figure("peak memory of the service", round(peak), "MB", None, "", "< 1024", peak < 1024)
        )
    finally:
        service.stop()
    return figures


def drawing_figures(data_dir: Path, typical: list[str], hub: str, region: str) -> list[Figure]:
    """Time to draw each kind of map in headless Chromium, beside the same map drawn by the
    commit this branch grew from (see :mod:`bench.pictures`)."""
    return [
        Figure(
            name,
            round(value),
            "ms",
            None if earlier is None else round(earlier),
            "" if earlier is None else "the same page drawn by the earlier commit",
            f"< {DRAWN_WITHIN_S * 1000}",
            value < DRAWN_WITHIN_S * 1000,
        )
        for name, value, earlier in time_to_draw(data_dir, typical, hub, region)
    ]


def held_to_floors(figures: list[Figure]) -> list[Figure]:
    """On Neo4j a query's p95 (and the whole gap report) is held to the embedded store's bar,
    where it has one, and to within :data:`bench.neo4j_floor.RATIO` times its hand-written
    floor: it meets them when it meets both.

    >>> how = neo4j_floor.HOW + ROUND_TRIP_HOW
    >>> [(f.bar, f.meets) for f in held_to_floors([Figure("a, p50", 3, "ms", 1, how, "", None),
    ...     Figure("a, p95", 3, "ms", 2, how, "", None),
    ...     Figure("b, p95", 30, "ms", 25, how, "< 25", False)])]
    [('', None), ('<= 1.5x', True), ('< 25, <= 1.5x', False)]
    """
    for figure in figures:
        if figure.baseline_how.startswith(neo4j_floor.HOW) and not figure.name.endswith("p50"):
            near, ratio_bar = (figure.ratio or 0) <= neo4j_floor.RATIO, f"<= {neo4j_floor.RATIO}x"
            figure.bar = f"{figure.bar}, {ratio_bar}" if figure.bar else ratio_bar
            figure.meets = near if figure.meets is None else figure.meets and near
    return figures


def beside_embedded(figures: list[Figure], embedded: list[Figure]) -> None:
    """Set on each of ``figures`` (on Neo4j) the value of the figure of the same name in
    ``embedded``, the embedded store's figures of the same requests in the same run.

    >>> ours = [Figure("eco-map, typical, p50", 9.0, "ms", 6.0, "", "", None)]
    >>> beside_embedded(ours, [Figure("eco-map, typical, p50", 3.0, "ms", 2.0, "", "", None)])
    >>> ours[0].embedded
    3.0
    """
    values = {figure.name: figure.value for figure in embedded}
    for figure in figures:
        figure.embedded = values.get(figure.name)


def measure(
    scale: str, seed: int, port: int, store: StoreKind, *, drawing: bool = True
) -> tuple[list[Figure], dict[str, Any]]:
    data_dir = cached_network(scale, seed)
    floor = Floor(data_dir, PROFILE)
    plans = ""
    rng = random.Random(seed)
    by_degree = sorted(floor.graph.degree, key=lambda pair: (-pair[1], pair[0]))
    hubs = [org_id for org_id, _ in by_degree[:10]]
    ordinary = [org_id for org_id, degree in by_degree[10:] if degree >= 1]
    typical = rng.sample(ordinary, min(50, len(ordinary)))
    pairs = [(rng.choice(ordinary), rng.choice(ordinary)) for _ in range(30)]
    asked = {"typical": typical, "hubs": hubs, "pairs": [(a, b) for a, b in pairs if a != b]}
    # Each figure is the answer computed, beside its floor: answers kept would make every
    # round of the hubs after the first free. `make bench-load` shows what keeping them gives.
    embedded = Settings(data_dir=data_dir, kept_answers_mb=0, admin_token=SecretStr(TOKEN))
    if store is StoreKind.EMBEDDED:
        figures = [import_figure(scale, seed)]
        figures += service_figures(embedded, port, floor, None, **asked)
        print(table(figures), flush=True)  # kept on screen should drawing fail
        region = floor.db.execute(
            "SELECT region FROM organizations WHERE region IS NOT NULL"
            " GROUP BY region ORDER BY count(*) DESC, region LIMIT 1"
        ).fetchone()[0]
        if drawing:
            figures += drawing_figures(data_dir, typical[:5], hubs[0], region)
        figures += [spreadsheet_figure(seed), *graphml_figures(data_dir, scale)]
        figures += survey_figures(port)
    else:
        with (
            tempfile.TemporaryDirectory() as scratch,
            throwaway_neo4j(Path(scratch), data_dir) as settings,
        ):
            copied = load_into_neo4j(data_dir, settings)
            figures = [
                Figure("copy of the network into Neo4j", round(copied, 1), "s", None, "", "", None)
            ]
            cypher = CypherFloors(settings)
            try:
                figures += held_to_floors(service_figures(settings, port, floor, cypher, **asked))
                plans = cypher.slowest_plans(figures, floor_questions(**asked))
            finally:
                cypher.close()
        beside_embedded(figures, service_figures(embedded, port, floor, None, **asked))
    counts = {
        table: floor.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("organizations", "contacts", "relationships", "referrals")
    }
    return figures, {"hubs": hubs, "counts": counts, "plans": plans}


def _seconds(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def table(figures: list[Figure]) -> str:
    """The figures as ours / floor beside their bars (and, on Neo4j, the embedded store's),
    and below them how each floor is got.

    >>> rows = table([Figure("cold start", 3, "s", 1.5, "graph loaded", "< 15", True, 3)])
    >>> rows.splitlines()[2].split()
    ['cold', 'start', '3', '1.5', 's', '2.0x', '[1]', '3x', '<', '15', 'yes']
    >>> rows.splitlines()[-1]
    'floors: [1] graph loaded'
    """
    hows = list(dict.fromkeys(f.baseline_how for f in figures if f.baseline_how))
    beside = any(f.embedded is not None for f in figures)  # a Neo4j run, beside the embedded
    head = (
        f"{'figure':<44} {'ours':>9} {'floor':>9} {'embedded' if beside else '':>{9 * beside}}"
        f"{' ' * beside}{'unit':<9} {'ours/floor':>11} {'within':>6} {'bar':>9}  meets"
    )
    lines = [head, "-" * len(head)]
    for f in figures:
        meets = [] if f.meets is None else ["yes" if f.meets else "NO"]
        if f.near_floor is False:
            meets.append("NOT NEAR FLOOR")
        ratio = f"{f.ratio}x [{hows.index(f.baseline_how) + 1}]" if f.ratio is not None else "-"
        embedded = f"{f.embedded if f.embedded is not None else '-':>9} " if beside else ""
        lines.append(
            f"{f.name:<44} {f.value:>9} {f.baseline if f.baseline is not None else '-':>9} "
            f"{embedded}{f.unit:<9} {ratio:>11} {f'{f.within}x' if f.within else '':>6} "
            f"{f.bar:>9}  {', '.join(meets)}"
        )
    lines += ["", "floors: " + "; ".join(f"[{n}] {how}" for n, how in enumerate(hows, 1))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        choices=list(SCALES),
        default="statewide",
        help="network size (default: statewide; small runs in about a minute)",
    )
    parser.add_argument(
        "--store",
        choices=[kind.value for kind in StoreKind],
        default="embedded",
        help="embedded (default), or neo4j: a throwaway Neo4j, each query beside hand-written "
        "Cypher",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--no-drawing",
        action="store_true",
        help="leave out how long maps take to draw in Chromium (embedded store)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="default: bench/results.json, bench/results-neo4j.json on Neo4j (beside it, "
        "results-neo4j-plans.txt: the PROFILE of the slowest questions' floors)",
    )
    args = parser.parse_args(argv)
    args.out = args.out or HERE / (
        "results.json" if args.store == "embedded" else "results-neo4j.json"
    )
    started = time.perf_counter()
    figures, network = measure(
        args.scale, args.seed, args.port, StoreKind(args.store), drawing=not args.no_drawing
    )
    print(table(figures))
    result = {
        "scale": args.scale,
        "seed": args.seed,
        "store": args.store,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "network": network["counts"],
        "seconds": round(time.perf_counter() - started),
        "figures": [
            {**asdict(f), "floor": f.baseline, "ratio": f.ratio, "near_floor": f.near_floor}
            for f in figures
        ],
    }
    if args.out.is_file() and "load" in (kept := json.loads(args.out.read_text())):
        result["load"] = kept["load"]  # what `make bench-load` wrote there stays
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    if network["plans"]:
        plans = args.out.with_name(f"{args.out.stem}-plans.txt")
        plans.write_text(network["plans"])
        print(f"the plans of the {PROFILED} slowest questions' floors: {plans}")
    failed = [f.name for f in figures if f.meets is False or f.near_floor is False]
    print(
        f"\n{len(failed)} of {len(figures)} figures miss their bar or their floor's: "
        f"{', '.join(failed) or 'none'}; "
        f"load average {result['machine']['load_average']}; written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
