"""A worker computes big answers again (hubs' eco-maps) in turns, its short requests going on
beside them, and once for all who asked meanwhile; waiting for a turn holds no thread."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio.to_thread
from anyio.from_thread import start_blocking_portal

from service.web.reuse import SHARED_FROM_BYTES, ReusedAnswers

MB = 1024 * 1024
HUB = b"x" * SHARED_FROM_BYTES
TYPICAL = b"a few partners"


def on_its_own_loop(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run ``scenario`` on an event loop in a thread of its own, as a worker would."""
    with start_blocking_portal() as portal:
        portal.call(scenario)


def kept_at_stamp_one(*answers: tuple[str, bytes]) -> ReusedAnswers:
    kept = ReusedAnswers(MB)
    for key, answer in answers:
        kept.answer(key, lambda: 1, lambda answer=answer: answer)
    return kept


def test_a_hub_computed_again_waits_for_the_lane_and_a_typical_eco_map_does_not():
    kept, computed = kept_at_stamp_one(("hub", HUB), ("typical", TYPICAL)), []

    def computing(name: str, answer: bytes) -> Callable[[], bytes]:
        return lambda: computed.append(name) or answer

    async def scenario() -> None:
        lane = asyncio.Semaphore(1)
        async with lane:  # an analysis holds the lane
            hub = asyncio.create_task(
                kept.answer_in_turn("hub", lambda: 2, computing("hub", HUB), lane)
            )
            typical = kept.answer_in_turn("typical", lambda: 2, computing("typical", TYPICAL), lane)
            assert await typical == TYPICAL
            await asyncio.sleep(0.2)  # time enough for the hub to be computed, were it let
            assert computed == ["typical"]
        assert await hub == HUB
        assert computed == ["typical", "hub"]

    on_its_own_loop(scenario)


def test_hubs_waiting_for_the_lane_hold_no_thread_so_short_requests_still_get_one():
    kept = kept_at_stamp_one(*[(f"hub-{n}", HUB) for n in range(4)], ("typical", TYPICAL))

    async def scenario() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        lane = asyncio.Semaphore(1)
        async with lane:
            hubs = [
                asyncio.create_task(kept.answer_in_turn(f"hub-{n}", lambda: 2, lambda: HUB, lane))
                for n in range(4)
            ]
            asking = kept.answer_in_turn("typical", lambda: 2, lambda: TYPICAL, lane)
            assert await asyncio.wait_for(asking, timeout=10) == TYPICAL
            assert not any(hub.done() for hub in hubs)
        assert await asyncio.gather(*hubs) == [HUB] * 4

    on_its_own_loop(scenario)


def test_many_asking_for_a_hub_after_a_write_take_turns_and_it_is_computed_once():
    kept, computed = kept_at_stamp_one(("hub", HUB)), []  # one worker, no shared folder

    def compute() -> bytes:
        computed.append("hub")
        return HUB

    async def scenario() -> None:
        lane = asyncio.Semaphore(1)
        asking = [kept.answer_in_turn("hub", lambda: 2, compute, lane) for _ in range(4)]
        assert await asyncio.gather(*asking) == [HUB] * 4

    on_its_own_loop(scenario)
    assert computed == ["hub"]  # at stamp 2, by the first to take the lane


def test_a_hub_answer_another_worker_shared_while_this_one_waited_is_read_not_computed(
    tmp_path: Path,
):
    kept, other_worker = ReusedAnswers(MB, shared=tmp_path), ReusedAnswers(MB, shared=tmp_path)
    kept.answer("hub", lambda: 1, lambda: HUB)
    shared_meanwhile = b"y" * SHARED_FROM_BYTES

    async def scenario() -> None:
        lane = asyncio.Semaphore(1)
        async with lane:
            hub = asyncio.create_task(
                kept.answer_in_turn("hub", lambda: 2, lambda: b"computed again", lane)
            )
            await asyncio.sleep(0.1)
            other_worker.answer("hub", lambda: 2, lambda: shared_meanwhile)
        assert await hub == shared_meanwhile

    on_its_own_loop(scenario)
