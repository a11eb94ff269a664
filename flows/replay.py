"""Replay fixed quarantine rows through the same path as a fresh ingest."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._batches import process_staged
from leadflow.core.summary import IngestSummary
from tasks._common import check_policies
from tasks.pending import staged_rows


@flow(name="replay-quarantine", flow_run_name="replay-quarantine", log_prints=True)
def replay_quarantine(record_ids: list[int], now: datetime | None = None) -> list[IngestSummary]:
    check_policies()
    return [
        process_staged(
            work.campaign_id, work.batches, IngestSummary(work.campaign, read=work.rows), now
        )
        for work in staged_rows(record_ids=record_ids)
    ]
