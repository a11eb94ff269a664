"""One chunk of a staged campaign file: a flow run of its own, on any worker of the pool."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._batches import process_batches
from leadflow.core.summary import IngestSummary
from tasks._common import check_policies


@flow(
    name="ingest-chunk",
    flow_run_name="ingest-chunk-{campaign}",
    log_prints=True,
    # The parent reads the counts back; they hold no personal data (counts, rep names).
    persist_result=True,
)
def ingest_chunk(
    campaign_id: int,
    campaign: str,
    batches: list[tuple[int, int]],
    now: datetime | None = None,
) -> IngestSummary:
    """Clean, dedupe and carry forward these staged row-id ranges of one campaign.

    Parameters are ids only. Idempotent: a range whose rows are no longer 'staged' does
    nothing, so a chunk run twice (a retried parent, a rerun after a crash) changes nothing.
    """
    check_policies()
    return process_batches(campaign_id, batches, IngestSummary(campaign=campaign), now)
