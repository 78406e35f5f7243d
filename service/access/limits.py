"""Wrong tokens, counted per client: a client that sends too many is refused for a while.

A client is its network address. After ``limit`` wrong tokens or sign-in codes within
``seconds``, every request of that client that carries a token (right or wrong) gets 429 for
``seconds``; other clients are not affected. Each wrong token and each refusal is logged.
The counts live in the store, as sessions do: every worker counts them together, and the one
that counts a client past the limit refuses it at once. Each worker looks up a client's refusal
in the store at most once per :data:`LOOK_AGAIN_SECONDS`, so a refusal reaches the others
within that time, and a request costs no read of the store for it most of the time (on Neo4j,
a round trip in two of a typical question's).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from graph_models.common import utc_now
from service.errors import TooManyAttempts
from service.settings import Settings
from service.store.protocol import Store

log = logging.getLogger("stakeholder_graph.access")

LOOK_AGAIN_SECONDS = 1.0
"""How long a worker goes by what it last read of a client's refusal before it reads again."""
_REMEMBERED_CLIENTS = 10_000
"""Clients whose refusal a worker remembers at most; past it, it forgets them all."""


class WrongTokens:
    """The rule: at most ``limit`` wrong tokens from one client in ``seconds``, then refused
    for ``seconds``; the counts are kept in the store each method is given.

    >>> from pathlib import Path; import tempfile
    >>> from service.store.embedded import EmbeddedStore
    >>> store = EmbeddedStore(Path(tempfile.mkdtemp()))
    >>> from datetime import UTC
    >>> now, ticks = [datetime(2024, 5, 1, 9, 0, tzinfo=UTC)], [0.0]
    >>> wrong = WrongTokens(limit=2, seconds=60, clock=lambda: now[0])
    >>> other_worker = WrongTokens(limit=2, seconds=60, clock=lambda: now[0],
    ...     ticks=lambda: ticks[0])
    >>> wrong.record(store, "10.0.0.9"); other_worker.refused_for(store, "10.0.0.9")
    >>> wrong.record(store, "10.0.0.9")
    >>> wrong.refused_for(store, "10.0.0.9"), wrong.refused_for(store, "10.0.0.7")
    (60.0, None)
    >>> other_worker.refused_for(store, "10.0.0.9")  # it read the store less than a second ago
    >>> ticks[0] += LOOK_AGAIN_SECONDS; other_worker.refused_for(store, "10.0.0.9")
    60.0
    >>> now[0] += timedelta(seconds=61); wrong.refused_for(store, "10.0.0.9")
    >>> store.close()
    """

    def __init__(
        self,
        *,
        limit: int,
        seconds: float,
        clock: Callable[[], datetime] = utc_now,
        ticks: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.seconds, self._clock, self._ticks = limit, seconds, clock, ticks
        self._looked: dict[str, tuple[float, datetime | None]] = {}
        """Per client, when this worker last read its refusal (``ticks()``) and what it read."""

    @classmethod
    def from_settings(cls, settings: Settings) -> WrongTokens:
        return cls(limit=settings.wrong_token_limit, seconds=settings.wrong_token_seconds)

    def refused_for(self, store: Store, client: str) -> float | None:
        """Seconds ``client`` is still refused for, or None when it is not."""
        until = self._refused_until(store, client)
        left = (until - self._clock()).total_seconds() if until else 0.0
        return left if left > 0 else None

    def check(self, store: Store, client: str) -> None:
        """Raise :class:`TooManyAttempts` while ``client`` is refused."""
        left = self.refused_for(store, client)
        if left is not None:
            raise TooManyAttempts(
                f"too many wrong tokens from this address; try again in {int(left) + 1} s"
            )

    def record(self, store: Store, client: str) -> None:
        """Count a wrong token of ``client``; at the limit, refuse it for ``seconds``."""
        now, window = self._clock(), timedelta(seconds=self.seconds)
        count = store.note_wrong_token(client, now, since=now - window)
        log.warning("wrong token from %s (%d in %g s)", client, count, self.seconds)
        if count >= self.limit:
            store.refuse_client(client, now + window)
            self._remember(client, now + window)
            log.warning("refusing %s for %g s after %d wrong tokens", client, self.seconds, count)

    def _refused_until(self, store: Store, client: str) -> datetime | None:
        """Until when ``client`` is refused, as this worker read it less than
        :data:`LOOK_AGAIN_SECONDS` ago, else as the store has it now."""
        looked = self._looked.get(client)
        if looked is not None and self._ticks() - looked[0] < LOOK_AGAIN_SECONDS:
            return looked[1]
        until = store.client_refused_until(client)
        self._remember(client, until)
        return until

    def _remember(self, client: str, until: datetime | None) -> None:
        if len(self._looked) >= _REMEMBERED_CLIENTS:
            self._looked.clear()
        self._looked[client] = (self._ticks(), until)
