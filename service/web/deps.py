"""Dependencies of the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from graph_models.common import AsOf
from service.settings import Settings
from service.store.protocol import Store
from service.web.reuse import ReusedAnswers


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_reused(request: Request) -> ReusedAnswers:
    reused: ReusedAnswers = request.app.state.reused
    return reused


StoreDep = Annotated[Store, Depends(get_store)]
ReusedDep = Annotated[ReusedAnswers, Depends(get_reused)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def as_of_query(
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
