"""kill -9 of a real ingest process at every step boundary, then the same ingest again:
every lead ends where an uninterrupted run leaves it; nothing lost, doubled or stranded.

Before lead.pipeline_stage, a rerun picked up only rows still 'staged': a batch cleaned
before the kill was never enriched, scored, routed or enrolled.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from leadflow.app.local_services import read_mail
from leadflow.core.settings import get_settings
from tests.support.ingest_runs import (
    WEBINAR,
    doubled,
    snapshot,
    start_ingest,
    stranded,
    wipe,
)

pytestmark = [pytest.mark.db, pytest.mark.e2e]
# (step, its nth call): 192 rows in batches of 100 make two batches.
BOUNDARIES = [
    ("stage_file", 1),  # every row staged, none cleaned
    ("clean_batch", 1),  # the first batch's leads exist, nothing after cleaning ran
    ("enrich_leads", 1),
    ("advance_leads", 1),  # enriched and recorded as such
    ("score_leads", 1),
    ("route_leads", 1),  # hot leads have reps who were not told yet
    ("notify_reps", 1),
    ("enroll_leads", 1),  # the batch's last step ran, its leads are not marked done
    ("advance_leads", 3),  # the first batch is done
    ("clean_batch", 2),  # mid-file: one batch done, the second cleaned
]
_clean_runs: dict[str, dict[str, Any]] = {}


def run(tmp_path: Path, step: str = "none", nth: int = 1) -> int:
    process = start_ingest(tmp_path, WEBINAR, "webinar", step, nth)
    _, err = process.communicate(timeout=600)
    assert process.returncode == (-signal.SIGKILL if step != "none" else 0), err[-3000:]
    return process.returncode


def clean_run(tmp_path: Path) -> dict[str, Any]:
    """What an uninterrupted run leaves (once per backend), in an emptied database."""
    backend = get_settings().resolved_database_url.split(":", 1)[0]
    if backend not in _clean_runs:
        wipe()
        run(tmp_path)
        _clean_runs[backend] = snapshot()
    return _clean_runs[backend]


@pytest.mark.parametrize(("step", "nth"), BOUNDARIES, ids=[f"{s}-{n}" for s, n in BOUNDARIES])
def test_killed_at_a_step_boundary_the_rerun_finishes_every_lead_once(
    prefect_harness, leadflow_env, smtp_sink, tmp_path, step, nth
):
    run(tmp_path, step, nth)
    run(tmp_path)
    assert stranded() == (0, 0)  # no row staged, no lead short of done
    after = snapshot()
    sent = Counter(message["Message-ID"] for message in read_mail(smtp_sink))
    assert doubled(sent) == 0
    assert doubled(after["assignments"]) == 0 and doubled(after["enrollments"]) == 0

    expected = clean_run(tmp_path)
    assert set(after["leads"]) == set(expected["leads"])  # none lost, none extra
    assert after == expected
