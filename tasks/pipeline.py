"""Prefect tasks over leadflow.core.lead_stages: thin wrappers that own the retries."""

from __future__ import annotations

from prefect import task

import leadflow.core.lead_stages as service
from leadflow.core.lead_stages import PipelineStage
from tasks._common import BATCH_TASK


@task(name="advance-leads", task_run_name="advance-leads-to-{to}", **BATCH_TASK)
def advance_leads(lead_ids: list[int], to: PipelineStage) -> int:
    """After a step finished for these leads: those one stage behind move up."""
    return service.advance_leads(lead_ids, to)


@task(name="unfinished-leads", **BATCH_TASK)
def unfinished_leads(campaign_id: int | None) -> list[int]:
    """Leads an earlier run left half-done (ids only: run states carry no personal data)."""
    return service.unfinished_leads(campaign_id)


@task(name="open-assignments", **BATCH_TASK)
def open_assignments(lead_ids: list[int]) -> list[int]:
    """Offers still open for these leads (a crashed run may have made one it never told)."""
    return service.open_assignments(lead_ids)
