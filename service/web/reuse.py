"""Answers a process keeps and gives again while nothing they show has changed.

Each answer is kept with the change stamp its organization had *before* the answer was
computed (``Store.organization_stamp``, which every write by any process moves on): a write
that lands while the answer is computed moves the stamp past the kept one, so the answer is
computed afresh next time, never given stale. A store that keeps no stamps (None) has its
answers computed every time.

The workers of one ``serve`` share the big answers (a hub's eco-map, tens of milliseconds to
compute) through a folder: each is written there as a file named by its key and stamp, so a
worker whose own copy is older reads the one another worker computed at the current stamp
instead of computing it again. Each write that touches a hub is then computed once, not once
per worker. Answers that were big the last time are computed again in turns
(:meth:`ReusedAnswers.answer_in_turn`: the worker's lane of long analyses,
:data:`~service.web.deps.AnalysisLane`), beside the short requests; the requests for one
that waited meanwhile read the answer computed before their turn.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

from starlette.concurrency import run_in_threadpool

SHARED_FROM_BYTES = 64 * 1024
"""The smallest answer written to the shared folder: smaller ones (a typical eco-map, a few
KB and about a millisecond to compute) cost less to compute again than to write."""


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

    ``shared``: the folder the workers of one ``serve`` share answers of
    :data:`SHARED_FROM_BYTES` or more through, up to ``capacity`` bytes there too.
    """

    def __init__(self, capacity: int, shared: Path | None = None) -> None:
        self.capacity = capacity
        self.shared = shared
        self._kept: OrderedDict[Hashable, tuple[int, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def answer(
        self, key: Hashable, stamp_of: Callable[[], int | None], compute: Callable[[], bytes]
    ) -> bytes:
        """The answer kept under ``key`` if it was kept at the stamp ``stamp_of()`` gives now;
        otherwise ``compute()``, kept at that stamp (read first) unless it is None. Nothing is
        read when nothing is kept (a capacity of 0)."""
        answer = self._kept_or_computed(key, stamp_of, compute, big_too=True)
        assert answer is not None
        return answer

    async def answer_in_turn(
        self,
        key: Hashable,
        stamp_of: Callable[[], int | None],
        compute: Callable[[], bytes],
        turn: asyncio.Semaphore,
    ) -> bytes:
        """:meth:`answer`, asked from the event loop and read or computed in a thread; an
        answer that was big when last computed is computed again only while holding ``turn``,
        and read instead if the request ahead, or another worker, computed it meanwhile.

        The turn is waited for on the event loop, holding no thread: it can be the lane the
        analyses hold while they compute in a thread. Waiting for it in a thread, a worker's
        threads could all be hubs waiting behind an analysis that waits for a thread.

        >>> from anyio.from_thread import start_blocking_portal
        >>> kept, hub = ReusedAnswers(capacity=1 << 20), b"x" * SHARED_FROM_BYTES
        >>> async def twice() -> list[int]:  # the second time big: computed in the turn
        ...     turn = asyncio.Semaphore(1)
        ...     return [len(await kept.answer_in_turn("hub", lambda: stamp, lambda: hub, turn))
        ...             for stamp in (1, 2)]
        >>> with start_blocking_portal() as loop:  # an event loop in a thread of its own
        ...     loop.call(twice)
        [65536, 65536]
        """
        answer = await run_in_threadpool(self._kept_or_computed, key, stamp_of, compute, False)
        if answer is None:
            async with turn:
                answer = await run_in_threadpool(self.answer, key, stamp_of, compute)
        return answer

    def _kept_or_computed(
        self,
        key: Hashable,
        stamp_of: Callable[[], int | None],
        compute: Callable[[], bytes],
        big_too: bool,
    ) -> bytes | None:
        """:meth:`answer`, or None instead of computing again an answer that was big when
        last computed, unless ``big_too``."""
        if not self.capacity:
            return compute()
        stamp = stamp_of()
        if stamp is None:
            return compute()
        found, big = self._found(key, stamp)
        if found is not None:
            return found
        if big and not big_too:
            return None
        return self._computed(key, stamp, compute)

    def _found(self, key: Hashable, stamp: int) -> tuple[bytes | None, bool]:
        """The answer of ``key`` at ``stamp`` kept here or shared by another worker (None if
        neither), and whether the one kept here, at whatever stamp, is big."""
        with self._lock:
            kept = self._kept.get(key)
            big = kept is not None and len(kept[1]) >= SHARED_FROM_BYTES
            if kept is not None and kept[0] == stamp:
                self._kept.move_to_end(key)
                return kept[1], big
        shared = self._read_shared(key, stamp)
        if shared is not None:
            self._keep(key, stamp, shared)
        return shared, big

    def _computed(self, key: Hashable, stamp: int, compute: Callable[[], bytes]) -> bytes:
        """``compute()``, kept and shared at ``stamp``."""
        answer = compute()
        self._keep(key, stamp, answer)
        self._share(key, stamp, answer)
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

    def _shared_file(self, key: Hashable, stamp: int) -> Path:
        """The file of ``key`` at ``stamp`` in the shared folder: ``DIGEST.STAMP``."""
        assert self.shared is not None
        return self.shared / f"{hashlib.sha256(repr(key).encode()).hexdigest()[:32]}.{stamp}"

    def _read_shared(self, key: Hashable, stamp: int) -> bytes | None:
        """The answer of ``key`` that a worker wrote to the shared folder at ``stamp``, if any."""
        if self.shared is None:
            return None
        try:
            return self._shared_file(key, stamp).read_bytes()
        except OSError:  # not written yet, or the folder cannot be read: compute it here
            return None

    def _share(self, key: Hashable, stamp: int, answer: bytes) -> None:
        """Write a big ``answer`` to the shared folder whole (a reader never sees part of it),
        in place of the key's files of other stamps; then drop the oldest files beyond
        ``capacity``. Workers doing so at once only ever drop each other's answers. Sharing
        only saves work: a folder that cannot be written (gone, full) leaves the answer to
        this worker, and the request is answered all the same."""
        if self.shared is None or not SHARED_FROM_BYTES <= len(answer) <= self.capacity // 4:
            return
        target = self._shared_file(key, stamp)
        try:
            self._write_whole(target, answer)
            self._drop_beyond_capacity(target)
        except OSError:
            return

    def _write_whole(self, target: Path, answer: bytes) -> None:
        """Write ``answer`` to ``target`` in the shared folder under another name first, so
        that a reader sees all of it or none; the partial file is removed if it fails."""
        assert self.shared is not None
        handle, writing = tempfile.mkstemp(dir=self.shared, prefix=".writing-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(answer)
            now = time.time_ns()  # finer than the file system's own clock: the oldest is known
            os.utime(writing, ns=(now, now))
            os.replace(writing, target)
        except BaseException:
            Path(writing).unlink(missing_ok=True)
            raise

    def _drop_beyond_capacity(self, target: Path) -> None:
        """Drop the files of ``target``'s key at other stamps, and the oldest beyond
        ``capacity``."""
        assert self.shared is not None
        files = []
        for entry in os.scandir(self.shared):
            try:
                if not entry.name.startswith("."):  # not a file another worker is writing
                    files.append((entry.stat().st_mtime_ns, entry.stat().st_size, entry.name))
            except FileNotFoundError:  # dropped by another worker meanwhile
                continue
        digest, size = target.name.split(".")[0], 0
        for _, length, name in sorted(files, reverse=True):  # the latest first
            size += length
            if name != target.name and (name.startswith(f"{digest}.") or size > self.capacity):
                (self.shared / name).unlink(missing_ok=True)
