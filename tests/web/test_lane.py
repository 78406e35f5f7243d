"""A worker's long computations take turns in its lane; its short requests go on beside them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from anyio import to_thread

from service.web.lane import Lane
from service.web.reuse import SHARED_FROM_BYTES, ReusedAnswers

MB = 1024 * 1024
HUB = b"x" * SHARED_FROM_BYTES
TYPICAL = b"a few partners"


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

    asyncio.run(serve())
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

    assert asyncio.run(serve()) == b"y" * SHARED_FROM_BYTES
    assert len(computed) == 1
