"""Group commit for tracking hits: many requests, one transaction per batch.

A click or a visit queues its row and awaits its batch's commit; an open pixel only queues
its row (``enqueue``): it is the bulk of the traffic and nobody reads it back at once.
While one batch commits (in a worker thread), the next fills up, so under load a batch holds every request that arrived
meanwhile and the database sees a few commits per second instead of thousands. A click's
answer therefore means the event is stored, and whoever reads the database after a 302
sees the click. Nothing queued is lost on a clean shutdown: uvicorn drains requests before
the lifespan ends, and ``close`` commits the queue before it returns.

A kill -9 is not a clean shutdown: open pixels answered but not yet committed are lost.
``buffer_max`` bounds them (LEADFLOW_TRACKING_BUFFER_MAX): once that many wait for their
commit, the next open waits for its own like a click does; 0 is write-through, where no
pixel is answered before its row is committed. docs/send-recovery.md has the figures.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
Row = dict[str, Any]
_LIVE: weakref.WeakSet[GroupCommitWriter] = weakref.WeakSet()


def wait_until_written(timeout_s: float = 30.0) -> None:
    """Block (from any thread) until every running writer has handled all it was given so far.

    For tests and scripts that read the database right after an open pixel was answered.
    """
    targets = [(writer, writer.queued) for writer in list(_LIVE)]
    deadline = time.monotonic() + timeout_s
    while any(writer.handled < queued for writer, queued in targets):
        if time.monotonic() > deadline:
            raise TimeoutError("tracking writer did not catch up")
        time.sleep(0.005)


class GroupCommitWriter:
    def __init__(
        self,
        write: Callable[[list[Row]], None],
        max_batch: int = 1000,
        retries: int = 3,
        buffer_max: int = 1000,
    ):
        self.write, self.max_batch, self.retries = write, max_batch, retries
        self.buffer_max = buffer_max
        self.queued = self.handled = 0  # rows given, rows committed or given up on
        self.unwritten = 0  # rows answered before their commit, not committed yet
        self._pending: list[tuple[Row, asyncio.Future[None] | None]] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        _LIVE.add(self)

    async def submit(self, row: Row) -> None:
        """Return once ``row`` is committed; raise if it could not be, after retries."""
        if self._closing or self._task is None:
            raise RuntimeError("writer is not running")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        self.queued += 1
        self._wake.set()
        await done

    def enqueue(self, row: Row) -> None:
        """Queue ``row`` without waiting for its commit (still committed before ``close`` returns).

        For hits whose answer nobody reads back at once (open pixels): the request is not held
        up by the commit; a failed batch is logged, not answered.
        """
        if self._closing or self._task is None:
            raise RuntimeError("writer is not running")
        self._pending.append((row, None))
        self.queued += 1
        self.unwritten += 1
        self._wake.set()

    async def add(self, row: Row) -> None:
        """``enqueue`` while fewer than ``buffer_max`` answered rows wait for their commit;
        beyond that (and always, at 0: write-through), ``submit``: return once committed."""
        if self.unwritten < self.buffer_max:
            self.enqueue(row)
        else:
            await self.submit(row)

    async def close(self) -> None:
        """Commit everything queued, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = (
                    self._pending[: self.max_batch],
                    self._pending[self.max_batch :],
                )
                error = await self._commit([row for row, _ in batch])
                self.handled += len(batch)
                self.unwritten -= sum(1 for _, done in batch if done is None)
                for _, done in batch:
                    if done is not None and not done.done():
                        done.set_exception(error) if error else done.set_result(None)
            if self._closing:
                return

    async def _commit(self, rows: list[Row]) -> BaseException | None:
        for attempt in range(1, self.retries + 1):
            try:
                await asyncio.to_thread(self.write, rows)
                return None
            except (
                Exception
            ) as exc:  # boundary: a locked or vanished database; retry, then tell the requests
                log.warning("tracking batch of %d failed (attempt %d): %s", len(rows), attempt, exc)
                if attempt == self.retries:
                    log.error("tracking batch of %d events lost", len(rows))
                    return exc
                await asyncio.sleep(0.05 * attempt)
        return None
