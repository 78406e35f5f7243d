"""A worker's long computations take turns in its lane; its short requests go on beside them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from anyio import to_thread

from service.web.lane import Lane
from service.web.reuse import SHARED_FROM_BYTES, ReusedAnswers

MB = 1024 * 1024
HUB = b"x" * SHARED_FROM_BYTES
TYPICAL = b"a few partners"
T = TypeVar("T")


def run_apart(scenario: Coroutine[Any, Any, T]) -> T:
    """Run ``scenario`` on an event loop of its own, in a thread of its own: the browser tests
    leave a loop running in the thread the tests run in."""
    with ThreadPoolExecutor(1) as apart:
        return apart.submit(asyncio.run, scenario).result()


def test_a_hub_answer_computed_again_waits_for_the_analysis_in_the_lane_a_typical_one_not():
    order: list[str] = []

    def computing(name: str, answer: bytes) -> Callable[[], bytes]:
        def compute() -> bytes:
            order.append(name)
            return answer

        return compute

    async def serve() -> None:
        lane = Lane()
        kept = ReusedAnswers(MB, long_work=lane.held_from_thread)
        await to_thread.run_sync(kept.answer, "hub", lambda: 1, computing("hub", HUB))
        await to_thread.run_sync(kept.answer, "typical", lambda: 1, computing("typical", TYPICAL))
        async with lane.held():  # missing partners, say, computed meanwhile
            hub_again = asyncio.create_task(
                to_thread.run_sync(kept.answer, "hub", lambda: 2, computing("hub again", HUB))
            )
            await to_thread.run_sync(
                kept.answer, "typical", lambda: 2, computing("typical again", TYPICAL)
            )
            await asyncio.sleep(0.2)  # time enough for the hub's thread to reach the lane
            order.append("analysis done")
        assert await hub_again == HUB

    run_apart(serve())
    assert order == ["hub", "typical", "typical again", "analysis done", "hub again"]


def test_a_hub_answer_another_worker_shared_while_this_one_waited_is_read_not_computed(
    tmp_path: Path,
):
    computed: list[int] = []

    def compute() -> bytes:
        computed.append(1)
        return HUB

    async def serve() -> bytes:
        lane = Lane()
        kept = ReusedAnswers(MB, shared=tmp_path, long_work=lane.held_from_thread)
        other_worker = ReusedAnswers(MB, shared=tmp_path)
        await to_thread.run_sync(kept.answer, "hub", lambda: 1, compute)
        async with lane.held():
            waiting = asyncio.create_task(
                to_thread.run_sync(kept.answer, "hub", lambda: 2, compute)
            )
            await asyncio.sleep(0.2)
            other_worker.answer("hub", lambda: 2, lambda: b"y" * SHARED_FROM_BYTES)
        return await waiting

    assert run_apart(serve()) == b"y" * SHARED_FROM_BYTES
    assert len(computed) == 1


def test_many_asking_for_a_hub_after_a_write_wait_in_the_lane_and_it_is_computed_once():
    computed: list[int] = []

    def compute() -> bytes:
        computed.append(1)
        return HUB

    async def serve() -> list[bytes]:
        lane = Lane()
        kept = ReusedAnswers(MB, long_work=lane.held_from_thread)  # one worker, no folder
        await to_thread.run_sync(kept.answer, "hub", lambda: 1, compute)
        async with lane.held():
            asking = [
                asyncio.create_task(to_thread.run_sync(kept.answer, "hub", lambda: 2, compute))
                for _ in range(4)
            ]
            await asyncio.sleep(0.2)
        return await asyncio.gather(*asking)

    assert run_apart(serve()) == [HUB] * 4
    assert len(computed) == 2  # once at each stamp
