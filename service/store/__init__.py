"""Stores of the stakeholder graph, behind one Protocol."""

from __future__ import annotations

from service.settings import Settings, StoreKind
from service.store.protocol import ImportSummary, Store

__all__ = ["ImportSummary", "Store", "open_store"]


def open_store(settings: Settings, *, lazy: bool = False) -> Store:
    """The store the settings ask for, opened and ready; ``lazy``: the store builds its
    analytics graph at the first read of it rather than now."""
    if settings.store is StoreKind.NEO4J:
        from service.store.neo4j import Neo4jStore

        return Neo4jStore.connect(settings, lazy=lazy)
    from service.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.data_dir, lazy=lazy)
