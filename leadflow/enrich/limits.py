"""How much and how fast we may ask: backoff, Retry-After, a token bucket, the run's budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def backoff(attempt: int, base_s: float, max_s: float) -> float:
    """Exponential: base, 2*base, 4*base ... capped; attempt counts from 1."""
    return min(max_s, base_s * 2 ** (attempt - 1))


def wait_before_retry(
    attempt: int, retry_after: float | None, base_s: float, max_s: float, max_retry_after_s: float
) -> float | None:
    """Seconds before the next attempt, or None when the provider asks for longer than we wait."""
    if retry_after is not None and retry_after > max_retry_after_s:
        return None
    return max(retry_after or 0.0, backoff(attempt, base_s, max_s))


class TokenBucket:
    """A client-side rate limit shared by the threads of one process (requests per second)."""

    def __init__(
        self,
        rate_per_s: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate, self.capacity = (
            rate_per_s,
            burst if burst is not None else max(1.0, rate_per_s / 10),
        )
        self._tokens, self._clock, self._sleep = self.capacity, clock, sleep
        self._last = clock()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a token (possibly into debt); the seconds until it is really ours."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> None:
        delay = self._reserve()
        if delay > 0:
            self._sleep(delay)


class Budget:
    """Paid calls left in this run, shared by every batch and thread of the process."""

    def __init__(self, max_calls: int):
        self.max_calls, self.used = max_calls, 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.used >= self.max_calls:
                return False
            self.used += 1
            return True

    @property
    def exhausted(self) -> bool:
        return self.used >= self.max_calls


_buckets: dict[tuple[str, float], TokenBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(provider: str, rate_per_s: float) -> TokenBucket:
    """One bucket per provider and rate in this process, so batches share the rate."""
    with _buckets_lock:
        key = (provider, rate_per_s)
        if key not in _buckets:
            _buckets[key] = TokenBucket(rate_per_s)
        return _buckets[key]
