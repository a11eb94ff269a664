"""A circuit breaker per provider: a provider that keeps failing or crawling is not asked.

Closed: calls pass. It opens after ``failures`` consecutive failed calls, or when at least
``slow_ratio`` of the last ``window`` calls took ``slow_call_s`` or more. Open: calls are
refused (the lead records ``circuit_open`` and is tried again next run) until ``open_s``
passed; then one probe is let through (half-open): a good, quick answer closes it, anything
else opens it again. One breaker per provider and process, shared by every batch.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum

from leadflow.enrich.policy import Breaker as BreakerConfig


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, config: BreakerConfig, clock: Callable[[], float] = time.monotonic):
        self.config, self.clock = config, clock
        self.state = BreakerState.CLOSED
        self.opened_at = 0.0
        self.consecutive_failures = 0
        self.recent: deque[bool] = deque(maxlen=config.window)  # True: a slow call
        self.probing = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """May a call go out now? In half-open, only the one probe may."""
        with self._lock:
            if (
                self.state == BreakerState.OPEN
                and self.clock() - self.opened_at >= self.config.open_s
            ):
                self.state, self.probing = BreakerState.HALF_OPEN, False
            if self.state == BreakerState.HALF_OPEN and not self.probing:
                self.probing = True
                return True
            return self.state == BreakerState.CLOSED

    def abandon(self) -> None:
        """A call ``allow`` let through did not go out after all: a probe may go again."""
        with self._lock:
            self.probing = False

    def record(self, ok: bool, seconds: float) -> None:
        """The outcome of a call that ``allow`` let through."""
        slow = self.config.slow_call_s is not None and seconds >= self.config.slow_call_s
        with self._lock:
            if self.state == BreakerState.HALF_OPEN:
                self._reset() if ok and not slow else self._open()
                return
            self.consecutive_failures = 0 if ok else self.consecutive_failures + 1
            self.recent.append(slow)
            if self.consecutive_failures >= self.config.failures or self._too_slow():
                self._open()

    def _too_slow(self) -> bool:
        full = len(self.recent) == self.recent.maxlen
        return full and sum(self.recent) >= self.config.slow_ratio * len(self.recent)

    def _open(self) -> None:
        self.state, self.opened_at, self.probing = BreakerState.OPEN, self.clock(), False

    def _reset(self) -> None:
        self.state, self.consecutive_failures, self.probing = BreakerState.CLOSED, 0, False
        self.recent.clear()


_breakers: dict[tuple[str, str | None], CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(name: str, base_url: str | None, config: BreakerConfig) -> CircuitBreaker:
    """This process's breaker for the provider at that address (new if its settings changed)."""
    with _breakers_lock:
        found = _breakers.get((name, base_url))
        if found is None or found.config != config:
            found = _breakers[(name, base_url)] = CircuitBreaker(config)
        return found
