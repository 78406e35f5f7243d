"""The lane of a worker's long computations: one at a time, beside its short requests.

Missing partners and warm paths take tens of milliseconds of CPU, and so does a hub's eco-map
computed afresh; eco-maps of typical agencies, writes and pages a few. Run side by side in
one worker, every thread shares one interpreter, so a few long computations at once would
stretch each short request many times over. In the lane they run one at a time per worker,
and the short requests asked meanwhile go on beside the one that runs. Measured statewide,
realistic mix, 2 workers, 32 clients: typical eco-map p95 150 and 225 ms in two runs -> 104
ms with analyses in the lane (one worker 169 and 203 -> 54 ms); 91 and 99 ms -> 69 and 78
with hubs' eco-maps in it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from anyio import from_thread


class Lane:
    """One long computation at a time, taken in the order asked for.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> async def analysis(lane: Lane) -> str:
    ...     async with lane.held():
    ...         return "computed in the lane"
    >>> with ThreadPoolExecutor(1) as apart:  # on an event loop of its own
    ...     apart.submit(asyncio.run, analysis(Lane())).result()
    'computed in the lane'
    """

    def __init__(self) -> None:
        self._turn = asyncio.Semaphore(1)

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """The lane, held by a coroutine on the event loop, which waits its turn without a
        thread."""
        async with self._turn:
            yield

    @contextmanager
    def held_from_thread(self) -> Iterator[None]:
        """The lane, held by a thread the event loop lent to a plain function (a route or
        dependency that is not ``async``)."""
        from_thread.run(self._turn.acquire)
        try:
            yield
        finally:
            from_thread.run_sync(self._turn.release)
