"""The demo's simulated week ends within the last week, on the same weekdays and hours."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from leadflow.app.demo import DEMO_START, LAST_STEP, demo_shift

CAMPAIGNS = [{"ingest_at": "2026-11-09T14:00:00+00:00"}, {"ingest_at": "2026-11-10T02:00:00+00:00"}]
LAST_INGEST = datetime(2026, 11, 10, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 5, 8, 30, tzinfo=timezone.utc),  # a Saturday
        datetime(2027, 3, 1, 0, 0, tzinfo=timezone.utc),
        LAST_INGEST + LAST_STEP,  # the very moment the sample timeline ends
    ],
)
def test_the_timeline_ends_in_the_last_week_on_the_same_weekday(now: datetime) -> None:
    shift = demo_shift(CAMPAIGNS, now)
    end = LAST_INGEST + LAST_STEP + shift
    assert now - timedelta(weeks=1) < end <= now
    assert shift % timedelta(weeks=1) == timedelta(0)
    assert (DEMO_START + shift).weekday() == DEMO_START.weekday() == 0
