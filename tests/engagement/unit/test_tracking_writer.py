"""The group-commit writer: batches under load, nothing lost on close, failures reach the caller."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from leadflow.web.event_writer import GroupCommitWriter


class Store:
    def __init__(self, fail_times: int = 0) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.fail_times = fail_times

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise OSError("database is locked")
        self.batches.append(list(rows))


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_concurrent_requests_share_commits_and_each_waits_for_its_own() -> None:
    store = Store()

    async def scenario() -> None:
        writer = GroupCommitWriter(store.write)
        writer.start()
        await asyncio.gather(*(writer.submit({"n": i}) for i in range(200)))
        assert sorted(r["n"] for b in store.batches for r in b) == list(
            range(200)
        )  # all committed on return
        await writer.close()

    run(scenario())
    assert len(store.batches) < 200  # grouped: the first commit alone, the rest together


def test_close_commits_every_queued_row_before_returning() -> None:
    store = Store()

    async def scenario() -> None:
        writer = GroupCommitWriter(store.write, max_batch=7)
        writer.start()
        for i in range(50):
            writer.enqueue({"n": i})
        await writer.close()
        assert writer.handled == writer.queued == 50
        with pytest.raises(RuntimeError):
            writer.enqueue({"n": 50})

    run(scenario())
    assert [r["n"] for b in store.batches for r in b] == list(range(50)) and max(
        map(len, store.batches)
    ) <= 7


def test_a_transient_failure_is_retried_and_a_lasting_one_reaches_the_request() -> None:
    async def scenario(store: Store) -> None:
        writer = GroupCommitWriter(store.write, retries=3)
        writer.start()
        try:
            await writer.submit({"n": 1})
        finally:
            await writer.close()

    retried = Store(fail_times=2)
    run(scenario(retried))
    assert retried.batches == [[{"n": 1}]]
    with pytest.raises(OSError):
        run(scenario(Store(fail_times=3)))


class Gate(Store):
    """A database that commits only when the test lets it."""

    def __init__(self) -> None:
        super().__init__()
        self.open = threading.Event()

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.open.wait(timeout=30)
        super().write(rows)


def test_at_most_buffer_max_answered_rows_wait_for_their_commit() -> None:
    store = Gate()

    async def scenario() -> None:
        writer = GroupCommitWriter(store.write, buffer_max=3)
        writer.start()
        for i in range(3):
            await writer.add({"n": i})  # answered at once: the buffer has room
        assert writer.unwritten == 3 and store.batches == []
        fourth = asyncio.ensure_future(writer.add({"n": 3}))
        await asyncio.sleep(0.05)
        assert not fourth.done()  # the buffer is full: this one waits for its own commit
        store.open.set()
        await fourth
        assert 3 in [r["n"] for b in store.batches for r in b]
        await writer.close()
        assert writer.unwritten == 0

    run(scenario())


def test_write_through_answers_no_row_before_it_is_committed() -> None:
    store = Store()

    async def scenario() -> None:
        writer = GroupCommitWriter(store.write, buffer_max=0)
        writer.start()
        for i in range(20):
            await writer.add({"n": i})
            assert [r["n"] for b in store.batches for r in b] == list(range(i + 1))
        assert writer.unwritten == 0
        await writer.close()

    run(scenario())
