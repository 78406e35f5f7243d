"""Laid-out maps kept for their next opening.

A map is kept under what it shows: the kind of map, whose map, the day it answers for, the
view asked for, and a fingerprint of the analytic answer it was drawn from. A write that changes
the map changes that answer, so the next opening lays it out afresh; a write that leaves the
map as it was keeps the layout.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


def fingerprint(data: bytes) -> str:
    """A short digest of an analytic answer as JSON.

    >>> len(fingerprint(b'{"partners": []}'))
    32
    """
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class LayoutCache(Generic[T]):
    """The last ``size`` layouts made, by key; safe to share between request threads.

    >>> cache: LayoutCache[str] = LayoutCache(size=1)
    >>> cache.get(("ecomap", "a"), lambda: "laid out"), cache.get(("ecomap", "a"), lambda: "again")
    ('laid out', 'laid out')
    >>> cache.hits, cache.misses
    (1, 1)
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._kept: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The layout kept under ``key``, or ``make()``'s, kept from now on."""
        with self._lock:
            if key in self._kept:
                self.hits += 1
                self._kept.move_to_end(key)
                return self._kept[key]
        made = make()
        with self._lock:
            self.misses += 1
            self._kept[key] = made
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return made
