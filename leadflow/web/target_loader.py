"""Cache misses of the tracking endpoints resolved together: one lookup per moment, not per hit.

A click whose email is not cached must read the email (and the link) before it can answer.
Read one by one, each miss took a worker thread and a pooled connection of its own: with 50,000
distinct recipients nearly every click missed, and the thread hops and queries were most of
the cost of a click. Here a miss queues its key; one task hands all the keys queued to one
``lookup_many`` (two queries) in a worker thread, and while that runs, the next misses queue
for the batch after it (as the group-commit writer does for writes). Two hits on one key while
it is being read share the one read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from leadflow.engagement.record import Key, Target

log = logging.getLogger(__name__)
LoadMany = Callable[[list[Key]], dict[Key, Target | None]]


class TargetLoader:
    def __init__(self, load_many: LoadMany, max_batch: int = 500):
        self.load_many, self.max_batch = load_many, max_batch
        self.batches = 0  # lookups made: for tests and benchmarks
        self._waiting: dict[Key, asyncio.Future[Target | None]] = {}
        self._queued: list[Key] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Stop; a request still waiting gets an error rather than no answer."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception:  # boundary: the loop died of a bug; shutdown goes on
                log.exception("tracking lookups stopped with an error")
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(RuntimeError("target loader closed"))

    async def get(self, outbox_id: int, position: int | None = None) -> Target | None:
        """The email (and link) a verified token names, or None if it was never stored."""
        if self._task is None or self._task.done():
            raise RuntimeError("target loader is not running")
        key = (outbox_id, position)
        future = self._waiting.get(key)
        if future is None:
            future = self._waiting[key] = asyncio.get_running_loop().create_future()
            self._queued.append(key)
            self._wake.set()
        return await asyncio.shield(future)  # one caller giving up does not cancel the others

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queued:
                keys, self._queued = self._queued[: self.max_batch], self._queued[self.max_batch :]
                await self._resolve(keys)

    async def _resolve(self, keys: list[Key]) -> None:
        """Each key's waiting requests get its target, or the lookup's error: whatever goes
        wrong, none is left waiting and the loader goes on. A key stays in ``_waiting`` until
        it is answered, so a hit on it meanwhile shares this read, and ``close`` during the
        read answers it."""
        try:
            found = await asyncio.to_thread(self.load_many, keys)
            answers = [found.get(key) for key in keys]
        except Exception as exc:  # boundary: the requests get the error; the loader goes on
            log.warning("tracking lookup of %d emails failed: %s", len(keys), exc)
            for key in keys:
                _settle(self._waiting.pop(key), error=exc)
        else:
            for key, answer in zip(keys, answers, strict=True):
                _settle(self._waiting.pop(key), answer)
        finally:
            self.batches += 1


def _settle(
    future: asyncio.Future[Target | None],
    answer: Target | None = None,
    error: BaseException | None = None,
) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(answer)
    else:
        future.set_exception(error)
