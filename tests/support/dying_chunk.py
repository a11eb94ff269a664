"""A chunk flow whose process dies (SIGKILL) mid-chunk: the first batch cleaned and enriched,
never scored, the rest of its rows still staged. Deployed in place of the real chunk flow by
tests that check the parent finishes what a dead chunk left."""

from __future__ import annotations

import os
import signal
from datetime import datetime

from prefect import flow
from prefect.runtime import flow_run

import flows._batches as batch_steps
from flows.chunk import ingest_chunk
from leadflow.core.summary import IngestSummary

DYING = "-1-of-2"  # only the first of two chunks dies; the second completes


def _die(*args: object, **kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@flow(name="ingest-chunk-dying")
def dying_chunk(
    campaign_id: int, campaign: str, batches: list[tuple[int, int]], now: datetime | None = None
) -> IngestSummary:
    if str(flow_run.name or "").endswith(DYING):
        batch_steps.score_leads = _die  # type: ignore[assignment]
    return ingest_chunk.fn(campaign_id, campaign, batches, now)
