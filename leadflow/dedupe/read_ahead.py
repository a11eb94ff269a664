"""Work started for the next batch while the pipeline carries the last one forward.

A batch's staged rows are read and normalised before the pipeline lock (clean_and_dedupe's
``_read_and_clean``): that work writes nothing and holds no lock, and the stages after
cleaning spend about a third of their time waiting on the database. So the cleaner, once its
batch is committed, starts the next batch's read on a thread of its own, and the next call
for that batch takes the result instead of reading again. What was read is checked under the
lock as any read is (a row restaged since is read again), so a result that waited is as good
as a fresh one.

On PostgreSQL only. There the stages wait for another process, in a few large statements
(COPY, one UPDATE per batch), and the read ahead runs meanwhile: 7-9% off the whole pipeline
at 100k rows. SQLite works in this process, and its batch writes are a statement per row, each
giving up the interpreter lock and waiting to take it back from the thread reading ahead: the
stages after cleaning slowed by more than the cleaning gained (5-9% slower in two pairs).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from leadflow.core.runtime import log

# Batches read ahead and not yet taken, at most: a run that stops between batches leaves one.
KEPT = 2


class ReadAhead:
    """One thread, so reads ahead go one at a time; results by key, each taken once."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._started: OrderedDict[Hashable, Future[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, key: Hashable, read: Callable[[], Any]) -> None:
        """Begin ``read`` for ``key`` unless it is under way; the oldest untaken is dropped."""
        with self._lock:
            if key in self._started:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
            while len(self._started) >= KEPT:
                self._started.popitem(last=False)[1].cancel()
            self._started[key] = self._pool.submit(read)

    def take(self, key: Hashable) -> tuple[bool, Any]:
        """(True, the result) when a read for ``key`` was started and succeeded; (False, None)
        otherwise: the caller reads for itself, and meets any error where it can handle it."""
        with self._lock:
            future = self._started.pop(key, None)
        if future is None or future.cancelled():
            return False, None
        try:
            return True, future.result()
        except Exception as exc:  # boundary: another thread's failure, read again by the caller
            log().warning("read ahead for %s failed (%s): reading again", key, exc)
            return False, None
