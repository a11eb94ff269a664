"""The per-batch sequence every ingest path shares (files, captured forms, replays)."""

from __future__ import annotations

from datetime import datetime

from leadflow.core.summary import IngestSummary
from tasks.accounts import match_accounts
from tasks.enrich import enrich_leads
from tasks.ingest import clean_batch
from tasks.nurture import enroll_leads
from tasks.notify import notify_reps
from tasks.report import find_problems, update_progress
from tasks.routing import route_leads
from tasks.scoring import score_leads


def process_staged(campaign_id: int, batches: list[tuple[int, int]], summary: IngestSummary,
                   now: datetime | None = None, progress_id: str | None = None) -> IngestSummary:
    """Clean, dedupe, enrich, match accounts, score, then route the hot and nurture the rest."""
    lead_ids: list[int] = []
    for done, (first_id, last_id) in enumerate(batches, start=1):
        cleaned = clean_batch(campaign_id, first_id, last_id, now)
        lead_ids += cleaned.lead_ids
        enrich_leads(cleaned.lead_ids, now)
        match_accounts(cleaned.lead_ids, now)
        scored = score_leads(cleaned.lead_ids, now)
        routed = route_leads(scored.hot, now)
        sent = notify_reps(routed.assignment_ids, now)
        enrolled = enroll_leads(scored.warm + scored.cold, now)
        summary.add_batch(cleaned, scored, routed, sent, enrolled)
        if progress_id:
            update_progress(progress_id, 100.0 * done / len(batches))
    if lead_ids:
        summary.problems.update(find_problems(lead_ids))
    return summary
