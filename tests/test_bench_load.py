"""The load generator of ``make bench-load`` against a real ``serve``."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.load import Plan, generate, one_client, serving
from graph_models import RelationshipCreate
from service.store.embedded import EmbeddedStore
from tests.conftest import SECTORS, add_orgs, free_port


def test_the_load_generator_counts_refused_requests_as_errors_and_reports_its_own_cpu(
    tmp_path: Path,
):
    store = EmbeddedStore(tmp_path)
    store.upsert_sectors(SECTORS)
    add_orgs(store, ("wic-lane", "wic"))
    store.close()
    port = free_port()
    plan = Plan(port, ["wic-lane"], [], [], ["no-such-relationship"], [])
    mix = {"typical eco-map": 1.0, "write (assessment)": 1.0}
    with serving(tmp_path, port, 1), ThreadPoolExecutor(1) as thread:
        # in a thread of its own: the suite's browser tests may hold an event loop in this one
        start = time.monotonic()
        seen, cpu_seconds = thread.submit(generate, plan, mix, [0, 1], start, start + 1).result()
    ecomaps = [ok for kind, _, ok in seen if kind == "typical eco-map"]
    writes = [ok for kind, _, ok in seen if kind == "write (assessment)"]
    assert ecomaps and all(ecomaps)
    assert writes and not any(writes)
    assert cpu_seconds > 0


def test_the_load_generators_writes_reach_the_server_whole_and_change_the_relationship(
    tmp_path: Path,
):
    store = EmbeddedStore(tmp_path)
    store.upsert_sectors(SECTORS)
    add_orgs(store, ("wic-lane", "wic"), ("esd-lane", "wic"))
    rel = store.create_relationship(
        RelationshipCreate(org_a="wic-lane", org_b="esd-lane", state="green", reason="first"),
        assessed_by="t",
    )
    store.close()
    port = free_port()
    plan = Plan(port, ["wic-lane"], [], [], [rel.id], [])
    with serving(tmp_path, port, 1), ThreadPoolExecutor(1) as thread:
        start = time.monotonic()
        seen, _ = thread.submit(
            generate, plan, {"write (assessment)": 1.0}, [0], start, start + 0.5
        ).result()
    store = EmbeddedStore(tmp_path)
    history = store.relationship_history(rel.id)
    store.close()
    assert seen and all(ok for _, _, ok in seen)
    assert len(history) == 1 + len(seen)
    assert history[-1].reason == "assessed in the load benchmark"


def test_a_client_whose_connection_the_server_closed_after_an_answer_opens_another():
    """A server that answers each request and then closes its connection."""
    answered: list[int] = []

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        await writer.drain()
        answered.append(1)
        writer.close()

    async def scenario() -> list[tuple[str, float, bool]]:
        server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        seen: list[tuple[str, float, bool]] = []
        plan = Plan(port, ["wic-lane"], [], [], [], [])
        async with server:
            await one_client(plan, {"typical eco-map": 1.0}, 0, time.monotonic() + 0.3, seen)
        return seen

    with ThreadPoolExecutor(1) as thread:
        seen = thread.submit(asyncio.run, scenario()).result()
    assert len(seen) >= 3 and all(ok for _, _, ok in seen)
    assert len(answered) == len(seen)
