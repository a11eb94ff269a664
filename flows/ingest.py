"""Ingest one campaign file: read, clean, dedupe, enrich, score, then route or nurture."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._batches import finish_unfinished, process_staged
from flows._chunks import CHUNK_DEPLOYMENT, add_summary, dispatch, split, wait
from flows._naming import with_parameters
from leadflow.core.runtime import log
from leadflow.core.settings import get_settings
from leadflow.core.summary import IngestSummary
from tasks._common import check_policies
from tasks.ingest import register_campaign
from tasks.staging import fetch_source, stage_file
from tasks.report import publish_ingest_summary, start_progress, update_progress


@flow(name="ingest-campaign", flow_run_name=with_parameters("ingest-{campaign}"), log_prints=True)
def ingest_campaign(
    source: str,
    campaign: str,
    channel: str = "other",
    product_line: str | None = None,
    cost: float | None = None,
    encoding: str | None = None,
    batch_size: int | None = None,
    now: datetime | None = None,
    chunks: int = 1,
    chunk_deployment: str = CHUNK_DEPLOYMENT,
    chunk_timeout_s: float | None = None,
) -> IngestSummary:
    """``source`` is a path on the worker or an http(s) URL to fetch.

    ``chunks`` above 1 splits the staged batches into that many flow runs of
    ``chunk_deployment`` (a work pool's workers run them; docs/scaling.md). The default, 1,
    runs every batch in this process, as always. ``batch_size``: rows per batch, by default
    the setting LEADFLOW_BATCH_SIZE.
    """
    batch_size = batch_size or get_settings().batch_size
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
    parts = split(staged.batches, chunks)
    progress_id = start_progress(
        f"ingest-{campaign}", f"{len(staged.batches)} batches of {campaign} in {len(parts)} chunks"
    )
    if len(parts) <= 1:
        process_staged(campaign_id, staged.batches, summary, now, progress_id, batch_size)
    else:
        _scale_out(
            campaign_id,
            parts,
            summary,
            now,
            progress_id,
            batch_size,
            chunk_deployment,
            chunk_timeout_s,
        )
    publish_ingest_summary(summary)
    return summary


def _scale_out(
    campaign_id: int,
    parts: list[list[tuple[int, int]]],
    summary: IngestSummary,
    now: datetime | None,
    progress_id: str,
    batch_size: int,
    deployment: str,
    timeout_s: float | None = None,
) -> None:
    """Chunks on the pool's workers; what a chunk that did not complete left, done here."""
    # A crashed earlier run's half-done leads first, before chunks are working on new ones.
    finish_unfinished(campaign_id, summary, batch_size, now)
    ids = dispatch(deployment, campaign_id, summary.campaign, parts, now)
    runs = wait(ids, timeout_s, lambda done: update_progress(progress_id, 100.0 * done / len(ids)))
    leftover: list[tuple[int, int]] = []
    for part, run in zip(parts, runs):
        if run.state is not None and run.state.is_completed() and add_summary(summary, run):
            continue
        if run.state is None or not run.state.is_completed():
            log().warning("chunk %s ended %s: its batches are finished here", run.name, run.state)
            leftover += part
    if leftover:
        # Idempotent: rows the chunk cleaned are skipped, its half-done leads swept first.
        process_staged(campaign_id, leftover, summary, now, None, batch_size)
