"""The concurrency benchmark behind ``make bench-load``: many clients at once through HTTP.

It copies the cached generated network of a scale (:func:`bench.run.cached_network`) to a
scratch directory, starts ``stakeholder-graph serve`` on it twice, with one worker and with the
default number (the machine's cores), and drives one and then the other with a load generator
running in processes of its own (never sharing the server's interpreter), for a bounded time
per step:

- the realistic mix: 70% typical eco-maps, 10% hub eco-maps, 10% missing partners of typical
  agencies, 5% warm paths, 5% writes (a relationship assessed again);
- the caseworker mix: caseworkers, each with a token of their organization, record referrals
  their organization sends (40%) and trace cases it took part in (60%);

with 1, 8, 32 and 128 concurrent clients, each client one kept-alive connection (on uvloop,
answers read by httptools, whose parser is written in C) asking again as soon as it is answered
and reading the whole answer.
It prints requests per second and p50/p95/p99 per kind of request, errors, the server's CPU
(cores busy) and memory (all processes together), and the CPU of the load generator's own
processes (cores busy, measured in each of them), with the load average of the machine beside
each step. Then the two servers take the realistic mix at 32 clients in turns (:func:`in_turns`),
for the ratio of two workers' throughput to one's; it holds the run to the bars of the design at
32 and 8 clients and writes the figures to ``bench/results.json`` under the key ``load`` (the
other keys of the file are kept).

The load generator runs on the same machine as the server, so every core it keeps busy is one
the server could not use: when the server's cores and the generator's add up to about the
machine's, the figures show what the machine can do with both on it, and a server whose clients
are on other machines, as a deployment's are, would do more. The generator's own CPU per step
tells how much.

    python -m bench.load --scale statewide     # make bench-load
    python -m bench.load --scale small         # make bench-load SCALE=small, a few minutes
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httptools
import httpx
import psutil
import uvloop

from bench.floors import PROFILE
from bench.run import HERE, TOKEN, cached_network, machine, refuse_taken
from graph_models import Role, TokenCreate
from service.access.permissions import issue_token
from service.settings import machine_cores
from service.store.embedded import DATABASE_FILE, EmbeddedStore

CLIENTS = (1, 8, 32, 128)
SECONDS = {"statewide": 20.0, "small": 8.0, "tiny": 3.0}
"""How long each step (a mix, a number of clients, a server) runs."""
GENERATORS = 2
"""Processes the load generator runs in; the clients are shared among them."""
MIXES: dict[str, dict[str, float]] = {
    "realistic": {
        "typical eco-map": 70,
        "hub eco-map": 10,
        "missing partners": 10,
        "paths": 5,
        "write (assessment)": 5,
    },
    "caseworker": {"write (referral)": 40, "case trace": 60},
}
BARS = {
    "requests/s at 32 clients": ">= 250",
    "typical eco-map p95 at 32 clients": "< 50 ms",
    "typical eco-map p95 at 8 clients": "< 25 ms",
    "errors": "0",
    "throughput at 32 clients, default workers / one worker": ">= 1.7",
}


@dataclass(frozen=True)
class Plan:
    """What the clients ask for: organizations, pairs, relationships, caseworkers, cases."""

    port: int
    typical: list[str]
    hubs: list[str]
    pairs: list[tuple[str, str]]
    relationships: list[str]
    caseworkers: list[tuple[str, str, list[str], list[str]]]
    """(token, organization, its partners, case references it took part in)."""


# -- the load generator (in its own processes) ------------------------------------------------


def request_for(kind: str, plan: Plan, rng: random.Random, client: int) -> tuple[str, str, Any]:
    """The method, path and JSON body (or None) of one request of ``kind``; writes as the admin,
    caseworkers' requests with the caseworker's own token (chosen by the client)."""
    if kind == "typical eco-map":
        return "GET", f"/api/v1/organizations/{rng.choice(plan.typical)}/ecomap", None
    if kind == "hub eco-map":
        return "GET", f"/api/v1/organizations/{rng.choice(plan.hubs)}/ecomap", None
    if kind == "missing partners":
        org_id = rng.choice(plan.typical)
        return "GET", f"/api/v1/organizations/{org_id}/missing-partners?profile={PROFILE}", None
    if kind == "paths":
        a, b = rng.choice(plan.pairs)
        return "GET", f"/api/v1/paths?from_org={a}&to_org={b}&max_hops=4&k=3", None
    if kind == "write (assessment)":
        state = rng.choice(["green", "yellow", "red", "no_dot"])
        assessed = {"state": state, "reason": "assessed in the load benchmark"}
        return "PATCH", f"/api/v1/relationships/{rng.choice(plan.relationships)}", assessed
    _, org_id, partners, cases = plan.caseworkers[client % len(plan.caseworkers)]
    if kind == "write (referral)":
        sent_at = datetime.now(UTC) - timedelta(minutes=rng.randint(1, 600))
        referral: dict[str, object] = {
            # a new case each time: each step sends the same choices again, and the same
            # referral twice on one day is refused as a duplicate
            "case_ref": f"L-{secrets.randbelow(10**9):09d}",
            "from_org": org_id,
            "to_org": rng.choice(partners),
            "sent_at": sent_at.isoformat(),
            "consent": True,
        }
        return "POST", "/api/v1/referrals", referral
    return "GET", f"/api/v1/cases/{rng.choice(cases)}/trace", None


class KeptConnection(asyncio.Protocol):
    """A client's kept-alive HTTP/1.1 connection: it sends a request's bytes and waits for the
    whole answer, which httptools (the parser the service's workers use too) reads as it comes.
    Nothing of the answer is kept but its status: a request costs the generator about 0.1 ms of
    CPU, where aiohttp's client took 0.24 to 0.26."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answered: asyncio.Future[int] | None = None
        self.closed = False
        """The server closed the connection, or said it would after its answer."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's: not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._settle(error)

    def on_message_complete(self) -> None:
        """httptools: the whole answer has come."""
        self.closed = self.closed or not self._parser.should_keep_alive()
        self._settle(self._parser.get_status_code())

    def eof_received(self) -> None:
        self.closed = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._settle(ConnectionError("the server closed the connection"))

    def _settle(self, outcome: int | Exception) -> None:
        if self._answered is None or self._answered.done():
            return
        if isinstance(outcome, Exception):
            self._answered.set_exception(outcome)
        else:
            self._answered.set_result(outcome)

    async def ask(self, request: bytes) -> int:
        """The status of the answer to ``request`` (its bytes), once all of it has come."""
        assert self._transport is not None
        self._answered = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return await self._answered

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def request_bytes(method: str, path: str, body: Any, headers: str) -> bytes:
    """An HTTP/1.1 request with ``headers`` (lines ending in CRLF) and ``body`` as compact JSON.

    >>> request_bytes("GET", "/health", None, "Host: h\\r\\n")
    b'GET /health HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n'
    >>> request_bytes("PATCH", "/r", {"state": "red"}, "Host: h\\r\\n")[-37:]
    b'Content-Length: 15\\r\\n\\r\\n{"state":"red"}'
    """
    if body is None:
        return f"{method} {path} HTTP/1.1\r\n{headers}\r\n".encode()
    data = json.dumps(body, separators=(",", ":")).encode()
    typed = f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return f"{method} {path} HTTP/1.1\r\n{headers}{typed}\r\n".encode() + data


async def one_client(
    plan: Plan,
    mix: dict[str, float],
    client: int,
    until: float,
    seen: list[tuple[str, float, bool]],
) -> None:
    """One client of ``mix`` until ``until``: one kept-alive connection (opened again after a
    failure), each request's kind, ms and whether it was answered without error appended to
    ``seen``."""
    rng = random.Random(client)
    kinds, weights = list(mix), list(mix.values())
    token = TOKEN
    if "case trace" in mix:
        token = plan.caseworkers[client % len(plan.caseworkers)][0]
    headers = f"Host: 127.0.0.1:{plan.port}\r\nAuthorization: Bearer {token}\r\n"
    loop = asyncio.get_running_loop()
    connection: KeptConnection | None = None
    try:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            request = request_bytes(*request_for(kind, plan, rng, client), headers)
            started = time.perf_counter()
            try:
                if connection is None or connection.closed:
                    _, connection = await loop.create_connection(
                        KeptConnection, "127.0.0.1", plan.port
                    )
                ok = await asyncio.wait_for(connection.ask(request), 60) < 400
            except (OSError, RuntimeError, httptools.HttpParserError, TimeoutError):
                # RuntimeError: uvloop's, writing into a connection closed meanwhile
                ok = False
                if connection is not None:
                    connection.close()
                    connection = None
            seen.append((kind, (time.perf_counter() - started) * 1000, ok))
    finally:
        if connection is not None:
            connection.close()


def generate(
    plan: Plan, mix: dict[str, float], clients: list[int], start: float, until: float
) -> tuple[list[tuple[str, float, bool]], float]:
    """Run ``clients`` at once from ``start`` until ``until`` (monotonic clock, the same in
    every process); every request's kind, ms and whether it was answered without error, and
    the CPU seconds (user and system, all threads) this process spent meanwhile. The entry
    point of a generator process."""
    seen: list[tuple[str, float, bool]] = []
    time.sleep(max(0.0, start - time.monotonic()))

    async def run_all() -> None:
        await asyncio.gather(*(one_client(plan, mix, client, until, seen) for client in clients))

    cpu_before = time.process_time()
    uvloop.run(run_all())
    return seen, time.process_time() - cpu_before


# -- the server -------------------------------------------------------------------------------


@contextmanager
def serving(data_dir: Path, port: int, workers: int) -> Iterator[psutil.Process]:
    """``serve --workers N`` on ``data_dir`` until every worker answers; the server's process."""
    env = {
        **os.environ,
        "STAKEHOLDER_GRAPH_DATA_DIR": str(data_dir),
        "STAKEHOLDER_GRAPH_STORE": "embedded",
        "STAKEHOLDER_GRAPH_ADMIN_TOKEN": TOKEN,
    }
    refuse_taken(port)
    command = [sys.executable, "-m", "service", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the service did not start")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield psutil.Process(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def server_processes(server: psutil.Process) -> list[psutil.Process]:
    """The server and its workers (not the resource tracker, a helper of multiprocessing)."""
    found = [server]
    for child in server.children():
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def memory_mb(processes: list[psutil.Process]) -> tuple[float, float]:
    """The memory of ``processes`` together: resident now, and the sum of each one's peak."""
    now = peak = 0.0
    for process in processes:
        try:
            now += process.memory_info().rss
            status = Path(f"/proc/{process.pid}/status").read_text()
        except (psutil.Error, OSError):
            continue
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        peak += int(line.split()[1]) * 1024
    return round(now / 2**20), round(peak / 2**20)


# -- one step ---------------------------------------------------------------------------------


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile.

    >>> percentile([float(n) for n in range(1, 101)], 0.95)
    95.0
    """
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def step(
    pool: Any, plan: Plan, server: psutil.Process, mix: str, clients: int, seconds: float
) -> dict[str, Any]:
    """Drive ``server`` with ``clients`` of ``mix`` for ``seconds`` from the generator
    processes of ``pool``; what it measured."""
    processes = server_processes(server)
    generators = min(GENERATORS, clients)
    shares = [list(range(clients))[n::generators] for n in range(generators)]
    load_before = os.getloadavg()
    start = time.monotonic() + 0.5
    until = start + seconds
    cpu_before = cpu_seconds(processes)
    parts = pool.starmap(generate, [(plan, MIXES[mix], share, start, until) for share in shares])
    elapsed = time.monotonic() - start
    busy = (cpu_seconds(processes) - cpu_before) / elapsed
    memory_now, memory_peak = memory_mb(processes)
    seen = [sample for samples, _ in parts for sample in samples]
    kinds: dict[str, Any] = {}
    for kind in MIXES[mix]:
        times = [ms for named, ms, ok in seen if named == kind and ok]
        errors = sum(1 for named, _, ok in seen if named == kind and not ok)
        kinds[kind] = {
            "requests": len(times) + errors,
            "errors": errors,
            "per_s": round(len(times) / seconds, 1),
            **{
                f"p{q}_ms": round(percentile(times, q / 100), 1) if times else None
                for q in (50, 95, 99)
            },
        }
    return {
        "mix": mix,
        "clients": clients,
        "seconds": round(seconds, 1),
        "requests_per_s": round(sum(1 for _, _, ok in seen if ok) / seconds, 1),
        "errors": sum(1 for _, _, ok in seen if not ok),
        "kinds": kinds,
        "server_cpu_cores": round(busy, 2),
        "generator_cpu_cores": round(sum(cpu for _, cpu in parts) / elapsed, 2),
        "server_memory_mb": memory_now,
        "server_peak_memory_mb": memory_peak,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


# -- what is asked ----------------------------------------------------------------------------


def make_plan(data_dir: Path, port: int, seed: int) -> Plan:
    """Typical agencies, hubs, pairs and relationships to ask about, and caseworkers of twenty
    typical agencies that send referrals, with tokens issued in the scratch store."""
    rng = random.Random(seed)
    db = sqlite3.connect(data_dir / DATABASE_FILE)
    degree: dict[str, int] = {}
    for org_a, org_b in db.execute("SELECT org_a, org_b FROM relationships"):
        degree[org_a] = degree.get(org_a, 0) + 1
        degree[org_b] = degree.get(org_b, 0) + 1
    by_degree = sorted(degree, key=lambda org_id: (-degree[org_id], org_id))
    hubs, ordinary = by_degree[:10], by_degree[10:]
    typical = rng.sample(ordinary, min(200, len(ordinary)))
    pairs = [(rng.choice(ordinary), rng.choice(ordinary)) for _ in range(200)]
    relationships = [
        row[0]
        for row in db.execute(
            "SELECT id FROM relationships WHERE org_a IN (SELECT value FROM json_each(?1)) "
            "OR org_b IN (SELECT value FROM json_each(?1))",
            (json.dumps(typical),),
        )
    ]
    senders = db.execute(
        "SELECT from_org FROM referral_pairs GROUP BY from_org "
        "HAVING count(*) BETWEEN 3 AND 50 ORDER BY from_org"
    ).fetchall()
    chosen = rng.sample([row[0] for row in senders], min(20, len(senders)))
    cases = {
        org_id: [
            row[0]
            for row in db.execute(
                "SELECT case_ref FROM referrals WHERE from_org = ? AND sensitive = 0 LIMIT 50",
                (org_id,),
            )
        ]
        for org_id in chosen
    }
    partners = {
        org_id: [
            row[0]
            for row in db.execute("SELECT to_org FROM referral_pairs WHERE from_org = ?", (org_id,))
        ]
        for org_id in chosen
    }
    db.close()
    store = EmbeddedStore(data_dir)
    try:
        caseworkers = [
            (
                issue_token(
                    store,
                    TokenCreate(name=f"Caseworker {org_id}", role=Role.CASEWORKER, org_id=org_id),
                )[0],
                org_id,
                partners[org_id],
                cases[org_id],
            )
            for org_id in chosen
            if cases[org_id]
        ]
    finally:
        store.close()
    return Plan(
        port, typical, hubs, [(a, b) for a, b in pairs if a != b], relationships, caseworkers
    )


# -- the run ----------------------------------------------------------------------------------


TURNS = 3
"""Steps of 32 clients each server takes, in turns, for the ratio of two workers to one."""


def in_turns(
    pool: Any, plans: dict[int, Plan], servers: dict[int, psutil.Process], seconds: float
) -> dict[str, Any]:
    """The realistic mix at 32 clients against each of ``servers`` (by workers) in turns,
    :data:`TURNS` steps each, and the ratio of the medians of their throughputs. This machine's
    speed drifts by a tenth or more from one minute to the next, and the sweep's two steps at
    32 clients come minutes apart; taken in turns, the drift slows both servers alike."""
    taken: dict[int, list[float]] = {workers: [] for workers in servers}
    for _ in range(TURNS):
        for workers, server in servers.items():
            step(pool, plans[workers], server, "realistic", 8, min(2.0, seconds))  # warm-up
            measured = step(pool, plans[workers], server, "realistic", 32, seconds)
            taken[workers].append(measured["requests_per_s"])
    one, most = min(servers), max(servers)
    medians = {workers: statistics.median(figures) for workers, figures in taken.items()}
    return {
        "requests_per_s": {str(workers): figures for workers, figures in taken.items()},
        "ratio": round(medians[most] / medians[one], 2) if medians[one] else 0,
    }


def verdicts(
    steps: list[dict[str, Any]], default_workers: int, ratio: float | None = None
) -> dict[str, Any]:
    """The bars of the design, held to the realistic mix of this run; ``ratio``: two workers'
    throughput at 32 clients over one worker's, measured in turns (:func:`in_turns`), rather
    than from the two steps of the sweep, minutes apart."""

    def found(workers: int, clients: int) -> dict[str, Any]:
        return next(
            s
            for s in steps
            if s["workers"] == workers and s["clients"] == clients and s["mix"] == "realistic"
        )

    at32, at8, one32 = found(default_workers, 32), found(default_workers, 8), found(1, 32)
    if ratio is None:
        ratio = at32["requests_per_s"] / one32["requests_per_s"] if one32["requests_per_s"] else 0
    values = {
        "requests/s at 32 clients": (at32["requests_per_s"], at32["requests_per_s"] >= 250),
        "typical eco-map p95 at 32 clients": (
            at32["kinds"]["typical eco-map"]["p95_ms"],
            (at32["kinds"]["typical eco-map"]["p95_ms"] or 1e9) < 50,
        ),
        "typical eco-map p95 at 8 clients": (
            at8["kinds"]["typical eco-map"]["p95_ms"],
            (at8["kinds"]["typical eco-map"]["p95_ms"] or 1e9) < 25,
        ),
        "errors": (sum(s["errors"] for s in steps), sum(s["errors"] for s in steps) == 0),
        "throughput at 32 clients, default workers / one worker": (
            round(ratio, 2),
            ratio >= 1.7,
        ),
    }
    return {
        name: {"value": value, "bar": BARS[name], "meets": meets}
        for name, (value, meets) in values.items()
    }


def table(steps: list[dict[str, Any]]) -> str:
    lines = [
        "| workers | mix | clients | req/s | errors | kind | req/s | p50 ms | p95 ms | p99 ms "
        "| server CPU (cores) | generator CPU (cores) | server memory (MB) | load average |",
        "| ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- |",
    ]
    for s in steps:
        for n, (kind, k) in enumerate(s["kinds"].items()):
            head = (
                [
                    str(s["workers"]),
                    s["mix"],
                    str(s["clients"]),
                    str(s["requests_per_s"]),
                    str(s["errors"]),
                ]
                if n == 0
                else ["", "", "", "", ""]
            )
            tail = (
                [
                    str(s["server_cpu_cores"]),
                    str(s["generator_cpu_cores"]),
                    str(s["server_memory_mb"]),
                    str(s["load_average_before"]),
                ]
                if n == 0
                else ["", "", "", ""]
            )
            row = [kind, str(k["per_s"]), str(k["p50_ms"]), str(k["p95_ms"]), str(k["p99_ms"])]
            lines.append("| " + " | ".join(head + row + tail) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", choices=sorted(SECONDS), default="statewide")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, help="per step (default: by scale)")
    parser.add_argument("--clients", type=int, nargs="+", default=list(CLIENTS))
    args = parser.parse_args(argv)
    seconds = args.seconds or SECONDS[args.scale]
    default_workers = machine_cores()
    began = time.monotonic()
    cached = cached_network(args.scale, args.seed)
    steps: list[dict[str, Any]] = []
    context = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as scratch,
        context.Pool(GENERATORS) as pool,
        ExitStack() as servers_up,
    ):
        data_dir = Path(scratch)
        shutil.copy(cached / DATABASE_FILE, data_dir / DATABASE_FILE)
        plan = make_plan(data_dir, args.port, args.seed)
        servers: dict[int, psutil.Process] = {}
        plans: dict[int, Plan] = {}
        for n, workers in enumerate(sorted({1, default_workers})):  # both up, on one file
            plans[workers] = replace(plan, port=args.port + n)
            servers[workers] = servers_up.enter_context(serving(data_dir, args.port + n, workers))
        for workers, server in servers.items():
            step(pool, plans[workers], server, "realistic", 8, min(3.0, seconds))  # warm-up
            for mix in MIXES:
                for clients in args.clients:
                    measured = step(pool, plans[workers], server, mix, clients, seconds)
                    measured["workers"] = workers
                    steps.append(measured)
                    print(
                        f"{workers} worker(s), {mix}, {clients} clients: "
                        f"{measured['requests_per_s']} req/s, {measured['errors']} errors, "
                        f"load average {measured['load_average_before']}",
                        flush=True,
                    )
        compared = len(servers) > 1 and {8, 32} <= set(args.clients)
        turns = in_turns(pool, plans, servers, seconds) if compared else None
        if turns:
            print(f"in turns at 32 clients, requests/s: {turns['requests_per_s']}", flush=True)
    ratio = turns["ratio"] if turns else None
    bars = verdicts(steps, default_workers, ratio) if {8, 32} <= set(args.clients) else {}
    results = {
        "scale": args.scale,
        "seed": args.seed,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "default_workers": default_workers,
        "seconds_per_step": seconds,
        "seconds": round(time.monotonic() - began),
        "steps": steps,
        "in_turns": turns,
        "bars": bars,
    }
    print(table(steps))
    for name, verdict in bars.items():
        print(
            f"{name}: {verdict['value']} (bar {verdict['bar']}): "
            f"{'meets' if verdict['meets'] else 'does NOT meet'}"
        )
    path = HERE / "results.json"
    stored = json.loads(path.read_text()) if path.is_file() else {}
    stored["load"] = results
    path.write_text(json.dumps(stored, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
