"""The next batch's read, started ahead on a thread of its own and taken once."""

from __future__ import annotations

import logging
import threading

import pytest

from leadflow.dedupe import read_ahead
from leadflow.dedupe.read_ahead import ReadAhead


def test_a_read_started_ahead_is_taken_once_and_ran_on_another_thread():
    ahead, ran_on = ReadAhead("test-ahead"), []

    def read() -> str:
        ran_on.append(threading.current_thread())
        return "rows"

    ahead.start("batch 2", read)
    ahead.start("batch 2", read)  # under way already: not started twice
    assert ahead.take("batch 2") == (True, "rows")
    assert ahead.take("batch 2") == (False, None)
    assert len(ran_on) == 1 and ran_on[0] is not threading.current_thread()


def test_a_key_never_started_is_read_by_the_caller():
    assert ReadAhead("test-ahead").take(("db", 1, 1, 100)) == (False, None)


def test_a_failed_read_ahead_is_logged_and_left_to_the_caller(caplog: pytest.LogCaptureFixture):
    ahead = ReadAhead("test-ahead")

    def refused() -> None:
        raise ConnectionError("server closed the connection")

    ahead.start("batch 2", refused)
    with caplog.at_level(logging.WARNING):
        assert ahead.take("batch 2") == (False, None)
    assert "server closed the connection" in caplog.text


def test_reads_never_taken_are_dropped_oldest_first():
    ahead, gate = ReadAhead("test-ahead"), threading.Event()
    ahead.start("held", gate.wait)  # keeps the one thread busy, so the rest wait their turn
    for n in range(read_ahead.KEPT + 1):
        ahead.start(n, lambda n=n: n)
    gate.set()
    taken = [ahead.take(key)[0] for key in ("held", *range(read_ahead.KEPT + 1))]
    assert taken == [False] * 2 + [True] * read_ahead.KEPT
