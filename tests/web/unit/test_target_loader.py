"""The tracking endpoints' cache misses: read together, each hit gets its own answer."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from leadflow.engagement.record import Key, Target
from leadflow.web.target_loader import TargetLoader

SENT = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


class Stored:
    """Emails 1..100 exist, with a link at position 0; each lookup takes a while."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[Key]] = []
        self.threads: set[int] = set()
        self.fail = fail

    def load_many(self, keys: list[Key]) -> dict[Key, Target | None]:
        self.calls.append(list(keys))
        self.threads.add(threading.get_ident())
        time.sleep(0.02)  # a query's round trip: hits arriving meanwhile wait for the next one
        if self.fail:
            raise OSError("database is locked")
        return {
            (i, p): Target(i, 1000 + i, SENT, f"https://x.example/{i}" if p == 0 else None)
            for i, p in keys
            if 1 <= i <= 100 and p in (0, None)
        }


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_concurrent_misses_share_lookups_and_each_gets_its_own_target() -> None:
    stored = Stored()

    async def scenario() -> list[Target | None]:
        loader = TargetLoader(stored.load_many)
        loader.start()
        try:
            return await asyncio.gather(*(loader.get(i, 0) for i in range(1, 151)))
        finally:
            await loader.close()

    found = run(scenario())
    assert [t.url if t else None for t in found] == [
        f"https://x.example/{i}" if i <= 100 else None for i in range(1, 151)
    ]
    assert [t.lead_id for t in found[:100] if t] == [1000 + i for i in range(1, 101)]
    assert len(stored.calls) < 10  # 150 misses, a handful of lookups
    assert sorted(k for call in stored.calls for k in call) == [(i, 0) for i in range(1, 151)]
    assert threading.get_ident() not in stored.threads  # never on the event loop's thread


def test_one_key_asked_twice_at_once_is_read_once() -> None:
    stored = Stored()

    async def scenario() -> tuple[Target | None, ...]:
        loader = TargetLoader(stored.load_many)
        loader.start()
        try:
            return tuple(await asyncio.gather(loader.get(7, 0), loader.get(7, 0), loader.get(7)))
        finally:
            await loader.close()

    first, second, email_only = run(scenario())
    assert first == second and first is not None and first.url == "https://x.example/7"
    assert email_only is not None and email_only.url is None
    asked = [k for call in stored.calls for k in call]
    assert len(asked) == 2 and set(asked) == {(7, None), (7, 0)}


def test_a_failed_lookup_reaches_every_waiting_hit_and_the_next_one_is_tried_again() -> None:
    stored = Stored(fail=True)

    async def scenario() -> None:
        loader = TargetLoader(stored.load_many)
        loader.start()
        try:
            results = await asyncio.gather(
                *(loader.get(i, 0) for i in range(1, 6)), return_exceptions=True
            )
            assert all(isinstance(r, OSError) for r in results)
            stored.fail = False
            again = await loader.get(3, 0)
            assert again is not None and again.outbox_id == 3
        finally:
            await loader.close()

    run(scenario())


def test_a_loader_that_is_not_running_refuses_at_once() -> None:
    async def scenario() -> None:
        loader = TargetLoader(Stored().load_many)
        with pytest.raises(RuntimeError, match="not running"):
            await loader.get(1, 0)

    run(scenario())


def test_a_batch_is_capped() -> None:
    stored = Stored()

    async def scenario() -> None:
        loader = TargetLoader(stored.load_many, max_batch=10)
        loader.start()
        try:
            await asyncio.gather(*(loader.get(i, 0) for i in range(1, 46)))
        finally:
            await loader.close()

    run(scenario())
    assert max(len(call) for call in stored.calls) <= 10
    assert sum(len(call) for call in stored.calls) == 45


def test_a_broken_answer_reaches_the_waiting_hits_and_the_loader_goes_on() -> None:
    stored = Stored()
    calls = []

    def broken_then_fine(keys: list[Key]) -> Any:
        calls.append(keys)
        return None if len(calls) == 1 else stored.load_many(keys)  # a bug, once

    async def scenario() -> None:
        loader = TargetLoader(broken_then_fine)
        loader.start()
        try:
            with pytest.raises(AttributeError):
                await asyncio.wait_for(loader.get(1, 0), 5)
            again = await asyncio.wait_for(loader.get(2, 0), 5)
            assert again is not None and again.outbox_id == 2
        finally:
            await loader.close()

    run(scenario())


def test_closing_during_a_lookup_answers_the_waiting_hits() -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(keys: list[Key]) -> dict[Key, Target | None]:
        started.set()
        release.wait(5)
        return {}

    async def scenario() -> None:
        loader = TargetLoader(slow)
        loader.start()
        waiting = asyncio.ensure_future(loader.get(1, 0))
        while not started.is_set():
            await asyncio.sleep(0.01)
        await loader.close()
        release.set()
        with pytest.raises(RuntimeError, match="closed"):
            await asyncio.wait_for(waiting, 5)

    run(scenario())


def test_a_hit_that_gives_up_does_not_cancel_the_others_on_its_key() -> None:
    stored = Stored()

    async def scenario() -> None:
        loader = TargetLoader(stored.load_many)
        loader.start()
        try:
            quitter = asyncio.ensure_future(loader.get(5, 0))
            stayer = asyncio.ensure_future(loader.get(5, 0))
            await asyncio.sleep(0)
            quitter.cancel()
            found = await asyncio.wait_for(stayer, 5)
            assert found is not None and found.url == "https://x.example/5"
        finally:
            await loader.close()

    run(scenario())
