"""Prefect tasks over leadflow.nurture.enroll: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime

from prefect import task

import leadflow.nurture.enroll as service
from tasks._common import BATCH_TASK


@task(name="enroll-leads", **BATCH_TASK)
def enroll_leads(lead_ids: list[int], now: datetime | None = None, stage_too: bool = False) -> int:
    """Put each lead into every sequence whose entry rules it meets (re-entry as each allows)."""
    return service.enroll_leads(lead_ids, now, stage_too)


@task(name="queue-due-steps", **BATCH_TASK)
def queue_due_steps(now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Queue every due step the rules allow now, defer the rest; returns outbox ids to send
    (with earlier rows whose retry time has come)."""
    return service.queue_due_steps(now, limit)
