"""Captured leads (form and webinar webhooks): process what the web app stored, in micro-batches."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._batches import process_staged
from leadflow.core.summary import IngestSummary
from tasks._common import check_policies
from tasks.pending import staged_rows
from tasks.report import publish_ingest_summary


@flow(name="ingest-captured", flow_run_name="ingest-captured", log_prints=True)
def ingest_captured(batch_size: int = 500, now: datetime | None = None) -> list[IngestSummary]:
    check_policies()
    summaries = []
    for work in staged_rows(source_prefix="webhook:", batch_size=batch_size):
        summary = process_staged(
            work.campaign_id, work.batches, IngestSummary(work.campaign, read=work.rows), now
        )
        publish_ingest_summary(summary)
        summaries.append(summary)
    return summaries
