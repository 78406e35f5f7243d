"""Answers a process keeps and gives again while nothing they show has changed.

Each answer is kept with the change stamp its organization had *before* the answer was
computed (``Store.organization_stamp``, which every write by any process moves on): a write
that lands while the answer is computed moves the stamp past the kept one, so the answer is
computed afresh next time, never given stale. A store that keeps no stamps (None) has its
answers computed every time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class ReusedAnswers:
    """The answers kept by this process, the least recently given dropped first beyond
    ``capacity`` bytes (0 keeps none).

    >>> kept, computed = ReusedAnswers(capacity=100), []
    >>> def compute() -> bytes:
    ...     computed.append(1)
    ...     return b"answer"
    >>> [kept.answer("key", lambda: stamp, compute) for stamp in (3, 3, 4)]
    [b'answer', b'answer', b'answer']
    >>> len(computed)  # once for stamp 3, again after the stamp moved on
    2
    >>> kept.answer("key", lambda: None, compute) and len(computed)  # no stamp: never kept
    3
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[Hashable, tuple[int, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def answer(
        self, key: Hashable, stamp_of: Callable[[], int | None], compute: Callable[[], bytes]
    ) -> bytes:
        """The answer kept under ``key`` if it was kept at the stamp ``stamp_of()`` gives now;
        otherwise ``compute()``, kept at that stamp (read first) unless it is None. Nothing is
        read when nothing is kept (a capacity of 0)."""
        if not self.capacity:
            return compute()
        stamp = stamp_of()
        if stamp is not None:
            with self._lock:
                kept = self._kept.get(key)
                if kept is not None and kept[0] == stamp:
                    self._kept.move_to_end(key)
                    return kept[1]
        answer = compute()
        if stamp is not None:
            self._keep(key, stamp, answer)
        return answer

    def _keep(self, key: Hashable, stamp: int, answer: bytes) -> None:
        if len(answer) > self.capacity // 4:
            return
        with self._lock:
            before = self._kept.pop(key, None)
            if before is not None:
                self._size -= len(before[1])
            self._kept[key] = (stamp, answer)
            self._size += len(answer)
            while self._size > self.capacity:
                _, (_, dropped) = self._kept.popitem(last=False)
                self._size -= len(dropped)
