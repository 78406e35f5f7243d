"""Wrong tokens, counted per client: a client that sends too many is refused for a while.

A client is its network address. After ``limit`` wrong tokens or sign-in codes within
``seconds``, every request of that client that carries a token (right or wrong) gets 429 for
``seconds``; other clients are not affected. Each wrong token and each refusal is logged.
The counts live in the process: each worker counts on its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from service.errors import TooManyAttempts
from service.settings import Settings

log = logging.getLogger("stakeholder_graph.access")


class WrongTokens:
    """The wrong tokens of each client in the last ``seconds``, and who is refused until when.

    >>> now = [0.0]
    >>> wrong = WrongTokens(limit=2, seconds=60, clock=lambda: now[0])
    >>> wrong.record("10.0.0.9"); wrong.refused_for("10.0.0.9")
    >>> wrong.record("10.0.0.9"); wrong.refused_for("10.0.0.9"), wrong.refused_for("10.0.0.7")
    (60.0, None)
    >>> now[0] = 61.0; wrong.refused_for("10.0.0.9")
    """

    def __init__(
        self, *, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.seconds, self._clock = limit, seconds, clock
        self._failures: dict[str, deque[float]] = {}
        self._refused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> WrongTokens:
        return cls(limit=settings.wrong_token_limit, seconds=settings.wrong_token_seconds)

    def refused_for(self, client: str) -> float | None:
        """Seconds ``client`` is still refused for, or None when it is not."""
        with self._lock:
            until = self._refused_until.get(client)
            if until is None:
                return None
            left = until - self._clock()
            if left > 0:
                return left
            del self._refused_until[client]
            return None

    def check(self, client: str) -> None:
        """Raise :class:`TooManyAttempts` while ``client`` is refused."""
        left = self.refused_for(client)
        if left is not None:
            raise TooManyAttempts(
                f"too many wrong tokens from this address; try again in {int(left) + 1} s"
            )

    def record(self, client: str) -> None:
        """Count a wrong token of ``client``; at the limit, refuse it for ``seconds``."""
        now = self._clock()
        with self._lock:
            self._forget_before(now - self.seconds)
            failures = self._failures.setdefault(client, deque())
            failures.append(now)
            count = len(failures)
            if count >= self.limit:
                del self._failures[client]
                self._refused_until[client] = now + self.seconds
        log.warning("wrong token from %s (%d in %g s)", client, count, self.seconds)
        if count >= self.limit:
            log.warning("refusing %s for %g s after %d wrong tokens", client, self.seconds, count)

    def _forget_before(self, start: float) -> None:
        for client in list(self._failures):
            failures = self._failures[client]
            while failures and failures[0] < start:
                failures.popleft()
            if not failures:
                del self._failures[client]
