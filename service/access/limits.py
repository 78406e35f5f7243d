"""Wrong tokens, counted per client: a client that sends too many is refused for a while.

A client is its network address. After ``limit`` wrong tokens or sign-in codes within
``seconds``, every request of that client that carries a token (right or wrong) gets 429 for
``seconds``; other clients are not affected. Each wrong token and each refusal is logged.
The counts live in the store, as sessions do: every worker counts them together and refuses
the client as soon as one has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from graph_models.common import utc_now
from service.errors import TooManyAttempts
from service.settings import Settings
from service.store.protocol import Store

log = logging.getLogger("stakeholder_graph.access")


class WrongTokens:
    """The rule: at most ``limit`` wrong tokens from one client in ``seconds``, then refused
    for ``seconds``; the counts are kept in the store each method is given.

    >>> from pathlib import Path; import tempfile
    >>> from service.store.embedded import EmbeddedStore
    >>> store = EmbeddedStore(Path(tempfile.mkdtemp()))
    >>> from datetime import UTC
    >>> now = [datetime(2024, 5, 1, 9, 0, tzinfo=UTC)]
    >>> wrong = WrongTokens(limit=2, seconds=60, clock=lambda: now[0])
    >>> wrong.record(store, "10.0.0.9"); wrong.refused_for(store, "10.0.0.9")
    >>> wrong.record(store, "10.0.0.9")
    >>> wrong.refused_for(store, "10.0.0.9"), wrong.refused_for(store, "10.0.0.7")
    (60.0, None)
    >>> now[0] += timedelta(seconds=61); wrong.refused_for(store, "10.0.0.9")
    >>> store.close()
    """

    def __init__(
        self, *, limit: int, seconds: float, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.limit, self.seconds, self._clock = limit, seconds, clock

    @classmethod
    def from_settings(cls, settings: Settings) -> WrongTokens:
        return cls(limit=settings.wrong_token_limit, seconds=settings.wrong_token_seconds)

    def refused_for(self, store: Store, client: str) -> float | None:
        """Seconds ``client`` is still refused for, or None when it is not."""
        until = store.client_refused_until(client)
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
            log.warning("refusing %s for %g s after %d wrong tokens", client, self.seconds, count)
