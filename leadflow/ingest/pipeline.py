"""Where each lead stands in the ingest pipeline, durably, so no crash strands it.

A batch moves its leads cleaned -> enriched -> scored -> done (routed, enrolled, or left
where its status says). Each step is idempotent, and a stage moves only from the one
before it: a lead a later batch merged new data into goes back to ``cleaned`` and is
carried forward again; two runs carrying the same lead cannot move it backwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from leadflow.models import Lead, SourceRecord


class PipelineStage(StrEnum):
    CLEANED = "cleaned"
    ENRICHED = "enriched"
    SCORED = "scored"
    DONE = "done"


PREVIOUS = {PipelineStage.ENRICHED: PipelineStage.CLEANED, PipelineStage.SCORED: PipelineStage.ENRICHED,
            PipelineStage.DONE: PipelineStage.SCORED}
CHUNK = 500


def advance(session: Session, lead_ids: Iterable[int], to: PipelineStage) -> int:
    """Move the leads that stand one stage before ``to`` up to it; the rest stay put."""
    ordered, moved = sorted(set(lead_ids)), 0
    for i in range(0, len(ordered), CHUNK):
        moved += session.execute(update(Lead).where(
            Lead.id.in_(ordered[i:i + CHUNK]), Lead.pipeline_stage == PREVIOUS[to])
            .values(pipeline_stage=to).execution_options(synchronize_session=False)).rowcount or 0
    return moved


def mark_cleaned(session: Session, lead_ids: Iterable[int]) -> None:
    """A batch created or merged into these leads: the steps after cleaning are owed again."""
    ordered = sorted(set(lead_ids))
    for i in range(0, len(ordered), CHUNK):
        session.execute(update(Lead).where(Lead.id.in_(ordered[i:i + CHUNK]))
                        .values(pipeline_stage=PipelineStage.CLEANED)
                        .execution_options(synchronize_session=False))


def unfinished(session: Session, campaign_id: int | None) -> list[int]:
    """Leads an earlier run left half-done: this campaign's first, then everyone's, by id."""
    pending = select(Lead.id).where(Lead.pipeline_stage != PipelineStage.DONE)
    if campaign_id is None:
        return list(session.scalars(pending.order_by(Lead.id)))
    of_campaign = Lead.id.in_(select(SourceRecord.lead_id).where(SourceRecord.campaign_id == campaign_id))
    return list(session.scalars(pending.order_by(case((of_campaign, 0), else_=1), Lead.id)))
