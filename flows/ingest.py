"""Ingest one campaign file: read, clean, dedupe, enrich, score, then route or nurture."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._batches import process_staged
from flows._naming import with_parameters
from leadflow.core.summary import IngestSummary
from tasks._common import check_policies
from tasks.ingest import register_campaign
from tasks.staging import fetch_source, stage_file
from tasks.report import publish_ingest_summary, start_progress


@flow(name="ingest-campaign", flow_run_name=with_parameters("ingest-{campaign}"), log_prints=True)
def ingest_campaign(
    source: str,
    campaign: str,
    channel: str = "other",
    product_line: str | None = None,
    cost: float | None = None,
    encoding: str | None = None,
    batch_size: int = 2000,
    now: datetime | None = None,
) -> IngestSummary:
    """``source`` is a path on the worker or an http(s) URL to fetch."""
    check_policies()
    path = fetch_source(source)
    campaign_id = register_campaign(campaign, channel, product_line, cost, now)
    staged = stage_file(path, campaign_id, batch_size, now, encoding)
    # Rows an earlier run staged but never cleaned are this run's work, not "already ingested".
    summary = IngestSummary(
        campaign=campaign,
        read=staged.rows,
        already_ingested=staged.rows - staged.pending_rows,
        unknown_columns=staged.unknown_columns,
        blank_lines=staged.blank_lines,
    )
    progress_id = start_progress(
        f"ingest-{campaign}", f"{len(staged.batches)} batches of {campaign}"
    )
    process_staged(campaign_id, staged.batches, summary, now, progress_id, batch_size)
    publish_ingest_summary(summary)
    return summary
