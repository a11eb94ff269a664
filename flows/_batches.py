"""The per-batch sequence every ingest path shares (files, captured forms, replays)."""

from __future__ import annotations

from datetime import datetime

from leadflow.core.collector import bulk_collection
from leadflow.core.lead_stages import PipelineStage
from leadflow.core.settings import get_settings
from leadflow.core.summary import BatchOutcome, IngestSummary
from tasks.accounts import match_accounts
from tasks.enrich import enrich_leads
from tasks.ingest import clean_batch
from tasks.nurture import enroll_leads
from tasks.notify import notify_reps
from tasks.pipeline import advance_leads, open_assignments, unfinished_leads
from tasks.report import find_problems, update_progress
from tasks.routing import route_leads
from tasks.scoring import score_leads


def carry_forward(
    lead_ids: list[int], cleaned: BatchOutcome, summary: IngestSummary, now: datetime | None = None
) -> None:
    """Enrich, match accounts, score, then route the hot and nurture the rest; each step,
    once done, is recorded on the leads, so a crash anywhere leaves them where a rerun
    picks them up.

    Every step is idempotent, so a rerun may repeat the step a crash interrupted. Enrich,
    score and enroll record their stage in the UPDATE they write anyway; each
    ``advance_leads`` moves only the leads its step left behind (a lead is done only once
    its rep has been told).
    """
    enrich_leads(lead_ids, now)
    match_accounts(lead_ids, now)
    advance_leads(lead_ids, PipelineStage.ENRICHED)
    scored = score_leads(lead_ids, now, stage_too=True)
    advance_leads(lead_ids, PipelineStage.SCORED)
    routed = route_leads(scored.hot, now)
    # An assignment a crashed run made before it told the rep: the outbox keeps this once.
    offered = open_assignments(scored.hot)
    sent = notify_reps(sorted(set(routed.assignment_ids) | set(offered)), now)
    enrolled = enroll_leads(scored.warm + scored.cold, now, stage_too=True)
    advance_leads(lead_ids, PipelineStage.DONE)
    summary.add_batch(cleaned, scored, routed, sent, enrolled)


def finish_unfinished(
    campaign_id: int | None, summary: IngestSummary, batch_size: int, now: datetime | None = None
) -> IngestSummary:
    """Before new rows: carry forward every lead an earlier run left half-done (this
    campaign's first, then everyone's)."""
    pending = unfinished_leads(campaign_id)
    with bulk_collection():
        for i in range(0, len(pending), batch_size):
            carry_forward(pending[i : i + batch_size], BatchOutcome(), summary, now)
    summary.resumed += len(pending)
    return summary


def process_batches(
    campaign_id: int,
    batches: list[tuple[int, int]],
    summary: IngestSummary,
    now: datetime | None = None,
    progress_id: str | None = None,
) -> IngestSummary:
    """Clean, dedupe and carry forward batch by batch: no sweep first.

    A chunk of a larger file runs this alone: sweeping for unfinished leads there would
    carry forward the leads the other chunks are working on at that moment.
    """
    lead_ids: list[int] = []
    with bulk_collection():  # see leadflow/core/collector.py: a sixth of the CPU otherwise
        for done, (first_id, last_id) in enumerate(batches, start=1):
            following = batches[done] if done < len(batches) else None
            cleaned = clean_batch(campaign_id, first_id, last_id, now, read_next=following)
            lead_ids += cleaned.lead_ids
            carry_forward(cleaned.lead_ids, cleaned, summary, now)
            if progress_id:
                update_progress(progress_id, 100.0 * done / len(batches))
    if lead_ids:
        summary.problems.update(find_problems(lead_ids))
    return summary


def process_staged(
    campaign_id: int,
    batches: list[tuple[int, int]],
    summary: IngestSummary,
    now: datetime | None = None,
    progress_id: str | None = None,
    batch_size: int | None = None,
) -> IngestSummary:
    """Finish what a crashed run left, then clean, dedupe and carry forward batch by batch.
    ``batch_size``: of the resumed leads (default: LEADFLOW_BATCH_SIZE)."""
    finish_unfinished(campaign_id, summary, batch_size or get_settings().batch_size, now)
    return process_batches(campaign_id, batches, summary, now, progress_id)
