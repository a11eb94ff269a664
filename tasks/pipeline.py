"""Record how far the pipeline carried a batch's leads; find what a crashed run left."""

from __future__ import annotations

from prefect import task
from sqlalchemy import select

from leadflow.db import pipeline_lock, session_scope
from leadflow.ingest.pipeline import PipelineStage, advance, unfinished
from leadflow.models import Assignment
from tasks._common import BATCH_TASK, log


@task(name="advance-leads", task_run_name="advance-leads-to-{to}", **BATCH_TASK)
def advance_leads(lead_ids: list[int], to: PipelineStage) -> int:
    """After a step finished for these leads: those one stage behind move up."""
    if not lead_ids:
        return 0
    with session_scope() as session:
        pipeline_lock(session)
        return advance(session, lead_ids, to)


@task(name="unfinished-leads", **BATCH_TASK)
def unfinished_leads(campaign_id: int | None) -> list[int]:
    """Ids only (never rows: run states must not carry personal data)."""
    with session_scope() as session:
        ids = unfinished(session, campaign_id)
    if ids:
        log().warning("%d leads left half-done by an earlier run: finishing them first", len(ids))
    return ids


@task(name="open-assignments", **BATCH_TASK)
def open_assignments(lead_ids: list[int]) -> list[int]:
    """Offers still open for these leads (a crashed run may have made one it never told)."""
    if not lead_ids:
        return []
    with session_scope() as session:
        return list(session.scalars(select(Assignment.id).where(
            Assignment.lead_id.in_(lead_ids), Assignment.status == "offered").order_by(Assignment.id)))
