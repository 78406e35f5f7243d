"""The load generator of ``make bench-load`` against a real ``serve``."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.load import Plan, generate, serving
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
