"""Dependencies of the routes, as ``Annotated`` aliases.

A dependency that only reads the request or the app's state is ``async``: FastAPI runs a
plain ``def`` dependency in its thread pool, and while a worker computes a long analysis
each trip there and back waits for the interpreter. Kept off the pool, one worker busy with
missing partners answered a kept typical eco-map in 7-10 ms at p50 instead of 13 (p95 24
instead of 30). Dependencies that read the store stay plain functions, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from graph_models.common import AsOf
from service.settings import Settings
from service.store.protocol import Store
from service.web.reuse import ReusedAnswers


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_reused(request: Request) -> ReusedAnswers:
    reused: ReusedAnswers = request.app.state.reused
    return reused


async def get_analysis_lane(request: Request) -> asyncio.Semaphore:
    lane: asyncio.Semaphore = request.app.state.analysis_lane
    return lane


LaneDep = Annotated[asyncio.Semaphore, Depends(get_analysis_lane)]
"""The worker's lane of long analyses, to wait for on the event loop."""


async def in_analysis_lane(lane: LaneDep) -> AsyncIterator[None]:
    """Hold the worker's lane for long analyses while the request computes its answer.

    Missing partners and warm paths take tens of milliseconds of CPU; eco-maps, writes and
    pages a few. Run side by side in one worker, every thread shares one interpreter, so a
    few analyses at once would stretch each short request many times over. In the lane they
    run one at a time per worker, waiting their turn without a thread, and the short
    requests asked meanwhile go on beside the one that runs (statewide, 2 workers, 32
    clients: typical eco-map p95 150 and 225 ms in two runs -> 104 ms; one worker 169 and
    203 -> 54 ms). Hubs' eco-maps computed again take their turns in the lane too
    (:meth:`~service.web.reuse.ReusedAnswers.answer_in_turn`).
    """
    async with lane:
        yield


AnalysisLane = Depends(in_analysis_lane)
"""Put on a route that computes a long analysis: ``dependencies=[AnalysisLane]``."""

StoreDep = Annotated[Store, Depends(get_store)]
ReusedDep = Annotated[ReusedAnswers, Depends(get_reused)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def as_of_query(
    as_of: Annotated[
        date | None,
        Query(
            description="Answer from the history as it stood at the end of this day (UTC); "
            "today, up to now, if left out."
        ),
    ] = None,
) -> AsOf:
    """The ``as_of`` query option, resolved once for the whole request."""
    return AsOf.of(as_of)


AsOfDep = Annotated[AsOf, Depends(as_of_query)]
