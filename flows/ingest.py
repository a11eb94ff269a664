"""Ingest one campaign file: read, clean, dedupe, enrich, score, then route or nurture."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from leadflow.domain.summary import IngestSummary
from tasks._common import check_policies
from tasks.enrich import enrich_leads
from tasks.ingest import clean_batch, register_campaign, stage_file
from tasks.nurture import enroll_leads
from tasks.outbox import queue_rep_notifications, send_outbox
from tasks.report import publish_ingest_summary
from tasks.routing import route_leads
from tasks.scoring import score_leads


@flow(name="ingest-campaign", flow_run_name="ingest-{campaign}", log_prints=True)
def ingest_campaign(
    source: str,
    campaign: str,
    channel: str = "other",
    product_line: str | None = None,
    cost: float | None = None,
    batch_size: int = 2000,
    now: datetime | None = None,
) -> IngestSummary:
    check_policies()
    campaign_id = register_campaign(campaign, channel, product_line, cost, now)
    staged = stage_file(source, campaign_id, batch_size, now)
    summary = IngestSummary(campaign=campaign, read=staged.rows,
                            already_ingested=staged.rows - staged.new_rows,
                            unknown_columns=staged.unknown_columns)
    for first_id, last_id in staged.batches:
        cleaned = clean_batch(campaign_id, first_id, last_id, staged.columns, now)
        enrich_leads(cleaned.lead_ids, now)
        scored = score_leads(cleaned.lead_ids, now)
        routed = route_leads(scored.hot, now)
        sent = send_outbox(queue_rep_notifications(routed.assignment_ids, now), now)
        enrolled = enroll_leads(scored.warm + scored.cold, now)
        summary.add_batch(cleaned, scored, routed, sent, enrolled)
    publish_ingest_summary(summary)
    return summary
