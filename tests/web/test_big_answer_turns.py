"""A worker computes big answers again (hubs' eco-maps) one at a time, its short requests going
on beside them, and once for all who asked meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from service.web.reuse import SHARED_FROM_BYTES, ReusedAnswers

MB = 1024 * 1024
HUB = b"x" * SHARED_FROM_BYTES
TYPICAL = b"a few partners"


def in_thread(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_a_hub_computed_again_waits_for_another_hub_being_computed_and_a_typical_one_does_not():
    kept, order = ReusedAnswers(MB), []
    first_hub_may_finish = threading.Event()

    def computing(name: str, answer: bytes, until: threading.Event | None = None):
        def compute() -> bytes:
            order.append(f"{name} started")
            if until is not None:
                until.wait(timeout=10)
            order.append(f"{name} done")
            return answer

        return compute

    for key, answer in (("hub-a", HUB), ("hub-b", HUB), ("typical", TYPICAL)):
        kept.answer(key, lambda: 1, lambda answer=answer: answer)
    hub_a = in_thread(
        lambda: kept.answer("hub-a", lambda: 2, computing("a", HUB, first_hub_may_finish))
    )
    while "a started" not in order:
        time.sleep(0.01)
    hub_b = in_thread(lambda: kept.answer("hub-b", lambda: 2, computing("b", HUB)))
    assert kept.answer("typical", lambda: 2, computing("typical", TYPICAL)) == TYPICAL
    time.sleep(0.2)  # time enough for hub b to be computed, were it let
    first_hub_may_finish.set()
    hub_a.join()
    hub_b.join()
    assert order == [
        "a started",
        "typical started",
        "typical done",
        "a done",
        "b started",
        "b done",
    ]


def test_many_asking_for_a_hub_after_a_write_take_turns_and_it_is_computed_once():
    kept, computed = ReusedAnswers(MB), []  # one worker, no shared folder

    def compute() -> bytes:
        computed.append(1)
        time.sleep(0.05)
        return HUB

    kept.answer("hub", lambda: 1, compute)
    answers: list[bytes] = []
    asking = [
        in_thread(lambda: answers.append(kept.answer("hub", lambda: 2, compute))) for _ in range(4)
    ]
    for thread in asking:
        thread.join()
    assert answers == [HUB] * 4
    assert len(computed) == 2  # once at each stamp


def test_a_hub_answer_another_worker_shared_while_this_one_waited_is_read_not_computed(
    tmp_path: Path,
):
    kept = ReusedAnswers(MB, shared=tmp_path)
    other_worker = ReusedAnswers(MB, shared=tmp_path)
    shared_meanwhile = b"y" * SHARED_FROM_BYTES
    computed: list[str] = []
    kept.answer("hub", lambda: 1, lambda: HUB)
    kept.answer("other hub", lambda: 1, lambda: HUB)

    def compute_other_hub_while_the_other_worker_shares() -> bytes:
        computed.append("other hub")
        other_worker.answer("hub", lambda: 2, lambda: shared_meanwhile)
        return HUB

    busy = in_thread(
        lambda: kept.answer("other hub", lambda: 2, compute_other_hub_while_the_other_worker_shares)
    )
    while not computed:
        time.sleep(0.01)
    assert kept.answer("hub", lambda: 2, lambda: computed.append("hub") or HUB) == shared_meanwhile
    busy.join()
    assert computed == ["other hub"]
