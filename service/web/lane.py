"""The lane of a worker's long analyses: one at a time, beside its short requests.

Missing partners and warm paths take tens of milliseconds of CPU; eco-maps of typical
agencies, writes and pages a few. Run side by side in one worker, every thread shares one
interpreter, so a few analyses at once would stretch each short request many times over. In
the lane they run one at a time per worker, waiting their turn without a thread, and the short
requests asked meanwhile go on beside the one that runs. Measured statewide, realistic mix, 2
workers, 32 clients: typical eco-map p95 150 and 225 ms in two runs -> 104 ms (one worker 169
and 203 -> 54 ms). Hubs' eco-maps computed again take turns of their own
(:class:`~service.web.reuse.ReusedAnswers`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Lane:
    """One long analysis at a time, taken in the order asked for.

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
        """The lane, held by a coroutine on the event loop (a route's dependency), which
        waits its turn without a thread."""
        async with self._turn:
            yield
