"""kill -9 of the web app under open-pixel load: write-through loses no answered open.

The web app runs in its own process (uvicorn); clients fetch open pixels, each for an email
of its own; the app is SIGKILLed mid-stream. With LEADFLOW_TRACKING_BUFFER_MAX=0 no pixel
is answered before its row is committed, so every answered open is in the database.
(The buffered default's loss window is measured by bench/bench_tracking_kill.py.)
"""

from __future__ import annotations

import pytest

from tests.conftest import free_port
from tests.support.tracking_kill import kill_under_load, seed_sent_emails

pytestmark = pytest.mark.db


def test_write_through_loses_no_answered_open_under_kill_9(leadflow_env):
    ids = seed_sent_emails(3000)
    result = kill_under_load(free_port(), ids, buffer_max=0, kill_after=1000)
    assert result.answered >= 1000  # the kill came mid-stream, with answers to account for
    assert result.lost == 0 and result.stored == result.answered
