"""The benchmark behind ``make bench``: the speed bars of the design, proven through HTTP.

It builds the generated network of a scale once (cached under ``bench/cache/<scale>/``, rebuilt
when the generator's version or seed changes), measures the bulk import on a scratch store,
starts the service as a subprocess on the cached network, and times each analytic route for
typical agencies and for hubs. Beside every figure it times a baseline in this process: the
naive computation of the same answer with plain networkx over the whole graph and plain SQL.
It prints a table and writes ``bench/results.json``.

    python -m bench.run --scale statewide      # make bench
    python -m bench.run --scale small          # make bench SCALE=small, about a minute
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
from tqdm import tqdm

from graph_models import NetworkBundle
from service.generator import GENERATOR_VERSION, SCALES, generate_network
from service.store.embedded import DATABASE_FILE, EmbeddedStore

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMA_FILE = ROOT / "service" / "store" / "schema.sql"
TOKEN = "sg_bench-admin-token"
PROFILE = "oregon-infant-toddler"
STATE_COST = {"green": 1, "yellow": 2, "no_dot": 3, "red": 5}
IMPORT_BATCHES = {"statewide": 8, "small": 4, "tiny": 1}
"""How many referral batches the import figure times on a scratch store."""


@dataclass
class Figure:
    """One measured figure beside its baseline and its bar."""

    name: str
    value: float
    unit: str
    baseline: float | None
    baseline_how: str
    bar: str
    meets: bool | None

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return round(self.value / self.baseline, 2)


# -- the cached network ---------------------------------------------------------------------


def cached_network(scale: str, seed: int) -> Path:
    """The data directory holding the network of ``scale`` and ``seed``, built if needed
    (again whenever the generator or the embedded store's schema changes)."""
    directory = HERE / "cache" / scale
    schema = hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()[:16]
    stamp = {"generator": GENERATOR_VERSION, "schema": schema, "scale": scale, "seed": seed}
    stamp_file = directory / "network.json"
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp:
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    store = EmbeddedStore(directory)
    size = SCALES[scale]
    total = size.organizations * (1 + size.contacts_per_organization)
    with tqdm(desc=f"building {scale}", total=total + size.relationships + size.referrals) as bar:

        def advance(what: str, count: int) -> None:
            if what not in ("sectors", "profiles"):
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
    plain ``executemany`` of the same rows without validation or counters."""
    batches = generate_network(scale=scale, seed=seed)
    with tempfile.TemporaryDirectory() as scratch:
        store = EmbeddedStore(Path(scratch))
        payloads: list[bytes] = []
        for batch in batches:
            if batch.referrals:
                payloads.append(batch.model_dump_json().encode())
                if len(payloads) == IMPORT_BATCHES[scale]:
                    break
            elif not batch.relationships:
                store.import_bundle(batch)
        started, events = time.perf_counter(), 0
        for payload in payloads:
            events += store.import_bundle(
                NetworkBundle.model_validate_json(payload)
            ).referral_events
        elapsed = time.perf_counter() - started
        store.close()
        baseline = _raw_insert_seconds(payloads, Path(scratch) / "raw.sqlite3")
    return Figure(
        "import of referral events",
        round(events / elapsed),
        "events/s",
        round(events / baseline),
        "sqlite executemany of the same rows, unvalidated",
        ">= 75000",
        events / elapsed >= 75_000,
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


# -- naive baselines ------------------------------------------------------------------------


class Naive:
    """The same answers computed the naive way: the whole graph in networkx, plain SQL."""

    def __init__(self, data_dir: Path) -> None:
        started = time.perf_counter()
        self.db = sqlite3.connect(data_dir / DATABASE_FILE)
        self.graph = nx.Graph()
        for org_id, sector in self.db.execute("SELECT id, sector FROM organizations"):
            self.graph.add_node(org_id, sector=sector)
        for org_a, org_b, state in self.db.execute(
            "SELECT r.org_a, r.org_b, a.state FROM relationships r JOIN assessments a "
            "ON a.rel_id = r.id ORDER BY a.assessed_at, a.seq"
        ):
            self.graph.add_edge(org_a, org_b, state=state, cost=STATE_COST[state])
        self.load_seconds = time.perf_counter() - started
        self.profile = json.loads(
            self.db.execute("SELECT sectors FROM profiles WHERE name = ?", (PROFILE,)).fetchone()[0]
        )

    def ecomap(self, org_id: str) -> Any:
        partners = {other: data["state"] for other, data in self.graph.adj[org_id].items()}
        flows = self.db.execute(
            "SELECT to_org, from_org, count(*), sum(loop_closed_at IS NULL) FROM referrals "
            "WHERE from_org = ?1 OR to_org = ?1 GROUP BY to_org, from_org",
            (org_id,),
        ).fetchall()
        return partners, flows

    def missing_partners(self, org_id: str) -> Any:
        have = {self.graph.nodes[other]["sector"] for other in self.graph.adj[org_id]}
        gaps = {}
        for sector in self.profile:
            if sector in have:
                continue
            ranked = sorted(
                (
                    (len(list(nx.common_neighbors(self.graph, org_id, other))), other)
                    for other, data in self.graph.nodes(data=True)
                    if data["sector"] == sector
                ),
                reverse=True,
            )
            gaps[sector] = ranked[:5]
        return gaps

    def paths(self, source: str, target: str, k: int) -> Any:
        """The ``k`` cheapest simple routes by Yen's algorithm over the whole graph, their hop
        limit left out: a bounded stand-in for the same question."""
        routes = nx.shortest_simple_paths(self.graph, source, target, weight="cost")
        return [path for _, path in zip(range(k), routes, strict=False)]

    def gaps(self, org_id: str | None) -> Any:
        where = "WHERE from_org = ?1 OR to_org = ?1" if org_id else "WHERE ?1 IS NULL"
        cutoff = (datetime.now(UTC) - timedelta(days=30)).isoformat()
        rows = self.db.execute(
            f"SELECT from_org, to_org, count(*), count(loop_closed_at), "
            f"sum(loop_closed_at IS NULL AND sent_at < ?2), group_concat(feedback_days) "
            f"FROM referrals {where} GROUP BY from_org, to_org",
            (org_id, cutoff),
        ).fetchall()
        return [
            (*row[:5], statistics.median(float(d) for d in row[5].split(",")) if row[5] else None)
            for row in rows
        ]


# -- the service ----------------------------------------------------------------------------


class Service:
    """The service started as a subprocess on a data directory, as a user would run it."""

    def __init__(self, data_dir: Path, port: int) -> None:
        env = {
            **os.environ,
            "STAKEHOLDER_GRAPH_DATA_DIR": str(data_dir),
            "STAKEHOLDER_GRAPH_ADMIN_TOKEN": TOKEN,
        }
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
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
    name: str, samples: list[float], baseline: list[float], how: str, bar: float
) -> list[Figure]:
    """p50 and p95 of ``samples`` in milliseconds beside the baseline's; ``bar`` (0 for
    none) is for the p95."""
    figures = []
    for label, value, base in zip(
        ("p50", "p95"), percentiles(samples), percentiles(baseline), strict=True
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
            )
        )
    return figures


def _route(service: Service, path: str, params: dict[str, str], org_id: str) -> float:
    """Time one GET of ``path`` for ``org_id``, which fills the ``{}`` in path and params."""
    filled = {key: value.format(org_id) for key, value in params.items()}
    return service.timed(path.format(org_id), **filled)


def time_each(call: Callable[[str], Any], org_ids: list[str]) -> list[float]:
    samples = []
    for org_id in org_ids:
        started = time.perf_counter()
        call(org_id)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(scale: str, seed: int, port: int) -> tuple[list[Figure], dict[str, Any]]:
    figures = [import_figure(scale, seed)]
    data_dir = cached_network(scale, seed)
    naive = Naive(data_dir)
    rng = random.Random(seed)
    by_degree = sorted(naive.graph.degree, key=lambda pair: (-pair[1], pair[0]))
    hubs = [org_id for org_id, _ in by_degree[:10]]
    ordinary = [org_id for org_id, degree in by_degree[10:] if degree >= 1]
    typical = rng.sample(ordinary, min(50, len(ordinary)))
    service = Service(data_dir, port)
    try:
        figures.append(
            Figure(
                "cold start",
                round(service.cold_start, 2),
                "s",
                round(naive.load_seconds, 2),
                "networkx graph loaded from SQLite in-process",
                "< 15",
                service.cold_start < 15,
            )
        )
        routes: list[
            tuple[str, str, dict[str, Any], Callable[[str], Any], str, tuple[float, float]]
        ] = [
            (
                "eco-map",
                "/api/v1/organizations/{}/ecomap",
                {},
                naive.ecomap,
                "adjacency + SQL group-by",
                (25, 100),
            ),
            (
                "missing partners",
                "/api/v1/organizations/{}/missing-partners",
                {"profile": PROFILE},
                naive.missing_partners,
                "networkx common neighbours per sector",
                (50, 250),
            ),
            (
                "partnership levels",
                "/api/v1/organizations/{}/partnership-levels",
                {},
                naive.ecomap,
                "adjacency + SQL group-by",
                (0, 0),
            ),
            (
                "relationship health",
                "/api/v1/organizations/{}/relationship-health",
                {},
                naive.ecomap,
                "adjacency + SQL group-by",
                (0, 0),
            ),
            (
                "engagement plan",
                "/api/v1/organizations/{}/engagement-plan",
                {},
                naive.ecomap,
                "adjacency + SQL group-by",
                (0, 0),
            ),
            (
                "one organization's feedback gaps",
                "/api/v1/feedback-gaps",
                {"org_id": "{}"},
                naive.gaps,
                "SQL group-by over its referrals",
                (50, 0),
            ),
        ]
        for name, path, params, baseline_call, how, bars in routes:
            call = partial(_route, service, path, params)
            for group, org_ids, bar in (("typical", typical, bars[0]), ("hubs", hubs, bars[1])):
                time_each(call, org_ids[:5])  # warm-up
                samples = time_each(call, org_ids)
                baseline = time_each(baseline_call, org_ids)
                figures += spread(f"{name}, {group}", samples, baseline, how, bar)
        pairs = [(rng.choice(ordinary), rng.choice(ordinary)) for _ in range(30)]
        pairs = [(a, b) for a, b in pairs if a != b]
        for name, k, bar in (("shortest path", 1, 10), ("ten paths of up to four hops", 10, 200)):
            route = partial(service.timed, "/api/v1/paths", k=k, max_hops=4)
            for a, b in pairs[:3]:
                route(from_org=a, to_org=b)  # warm-up
            samples = [route(from_org=a, to_org=b) for a, b in pairs]
            baseline = [_seconds(partial(naive.paths, a, b, k)) * 1000 for a, b in pairs]
            how = "networkx Yen (shortest_simple_paths), whole graph"
            figures += spread(name, samples, baseline, how, bar)
        service.timed("/api/v1/feedback-gaps")
        whole = statistics.median(service.timed("/api/v1/feedback-gaps") for _ in range(3))
        base = statistics.median(_seconds(lambda: naive.gaps(None)) * 1000 for _ in range(3))
        figures.append(
            Figure(
                "whole feedback-gap report",
                round(whole, 1),
                "ms",
                round(base, 1),
                "SQL group-by over every referral",
                "< 5000",
                whole < 5000,
            )
        )
        peak = service.peak_memory_mb()
        figures.append(
            Figure("peak memory of the service", round(peak), "MB", None, "", "< 1024", peak < 1024)
        )
    finally:
        service.stop()
    counts = {
        table: naive.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("organizations", "contacts", "relationships", "referrals")
    }
    return figures, {"hubs": hubs, "counts": counts}


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
    head = (
        f"{'figure':<44} {'value':>10} {'unit':<9} {'baseline':>10} {'ratio':>7} {'bar':>9}  meets"
    )
    lines = [head, "-" * len(head)]
    for f in figures:
        meets = "" if f.meets is None else ("yes" if f.meets else "NO")
        lines.append(
            f"{f.name:<44} {f.value:>10} {f.unit:<9} "
            f"{f.baseline if f.baseline is not None else '-':>10} "
            f"{f.ratio if f.ratio is not None else '-':>7} {f.bar:>9}  {meets}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), default="statewide")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures, network = measure(args.scale, args.seed, args.port)
    print(table(figures))
    result = {
        "scale": args.scale,
        "seed": args.seed,
        "store": "embedded",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "network": network["counts"],
        "seconds": round(time.perf_counter() - started),
        "figures": [{**asdict(f), "ratio": f.ratio} for f in figures],
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    failed = [f.name for f in figures if f.meets is False]
    print(
        f"\n{len(failed)} of {len(figures)} figures miss their bar: {', '.join(failed) or 'none'}; "
        f"load average {result['machine']['load_average']}; written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
