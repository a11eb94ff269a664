"""The per-provider circuit breaker, on a clock the test moves."""

from __future__ import annotations

from leadflow.enrich.policy import Breaker
from leadflow.enrich.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(**settings: float) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    return CircuitBreaker(Breaker(**settings), clock), clock


def test_it_opens_after_n_consecutive_failures_and_refuses_calls() -> None:
    b, _ = breaker(failures=3, open_s=30)
    for ok in (False, False, True, False, False):  # a success in between resets the count
        assert b.allow()
        b.record(ok, 0.1)
    assert b.state == BreakerState.CLOSED
    b.record(False, 0.1)
    assert b.state == BreakerState.OPEN and not b.allow()


def test_after_open_s_one_probe_goes_out_a_good_one_closes_it() -> None:
    b, clock = breaker(failures=1, open_s=30)
    b.record(False, 0.1)
    clock.now += 29.9
    assert not b.allow()
    clock.now += 0.1
    assert b.allow() and b.state == BreakerState.HALF_OPEN
    assert not b.allow()  # one probe at a time
    b.record(True, 0.1)
    assert b.state == BreakerState.CLOSED and b.allow()


def test_a_failed_or_slow_probe_opens_it_again_for_another_open_s() -> None:
    b, clock = breaker(failures=1, open_s=10, slow_call_s=1)
    b.record(False, 0.1)
    clock.now += 10
    assert b.allow()
    b.record(True, 5.0)  # answered, but slowly
    assert b.state == BreakerState.OPEN and not b.allow()
    clock.now += 10
    assert b.allow()
    b.record(False, 0.1)
    assert b.state == BreakerState.OPEN


def test_a_slow_call_ratio_opens_it_even_when_calls_succeed() -> None:
    b, _ = breaker(failures=100, slow_call_s=2, slow_ratio=0.5, window=4)
    for seconds in (0.1, 3.0, 0.1):
        b.record(True, seconds)
    assert b.state == BreakerState.CLOSED  # the window is not full yet
    b.record(True, 2.5)
    assert b.state == BreakerState.OPEN


def test_a_probe_that_never_went_out_lets_another_go() -> None:
    b, clock = breaker(failures=1, open_s=1)
    b.record(False, 0.1)
    clock.now += 1
    assert b.allow()
    b.abandon()  # e.g. the run's budget was spent
    assert b.allow()
