"""Prefect tasks over leadflow.scoring.rescore: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime
from leadflow.core.summary import ScoreOutcome

from prefect import task

import leadflow.scoring.rescore as service
from tasks._common import BATCH_TASK


@task(name="score-leads", **BATCH_TASK)
def score_leads(
    lead_ids: list[int], now: datetime | None = None, stage_too: bool = False
) -> ScoreOutcome:
    return service.score_leads(lead_ids, now, stage_too)


@task(name="rescore-stored", **BATCH_TASK)
def rescore_stored(now: datetime | None = None) -> int:
    """Re-score every stored lead (a rules change): keyset pages, changed scores written."""
    return service.rescore_stored(now).changed
