"""Bulk batches and the garbage collector: paused while a batch is made, and after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from graph_models.bundles import collector_paused


@pytest.fixture
def nothing_frozen() -> Iterator[None]:
    """No frozen objects when the test starts (the service freezes what it loaded); frozen
    or not afterwards as before it."""
    was_frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    yield
    gc.unfreeze()
    if was_frozen:
        gc.freeze()


def in_oldest_generation(thing: object) -> bool:
    return any(tracked is thing for tracked in gc.get_objects(generation=2))


def test_objects_made_while_the_collector_is_paused_join_its_oldest_generation(
    nothing_frozen: None,
) -> None:
    with collector_paused():
        made = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert in_oldest_generation(made)


def test_objects_frozen_before_a_pause_stay_frozen(nothing_frozen: None) -> None:
    # The frozen count is not compared: another thread of the process may free frozen objects.
    kept = [[] for _ in range(1000)]
    gc.freeze()
    with collector_paused():
        pass
    assert not any(tracked is kept for tracked in gc.get_objects())
