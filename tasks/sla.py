"""Prefect tasks over leadflow.routing.sla: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime
from leadflow.routing.sla import SweepResult

from prefect import task

import leadflow.routing.sla as service
from leadflow.pipeline.escalation_mail import sweep_and_escalate
from tasks._common import BATCH_TASK


@task(name="sla-sweep", **BATCH_TASK)
def sweep_sla(now: datetime | None = None) -> SweepResult:
    """Expire offers past their SLA, reclaim leads nobody works, drain overdue queues (the
    queues' managers are emailed)."""
    return sweep_and_escalate(now)


@task(name="pool-unrouted", **BATCH_TASK)
def pool_unrouted(lead_ids: list[int], now: datetime | None = None) -> list[int]:
    """Leads that were to be routed again but found no rep (no longer hot, nobody left): the pool."""
    return service.pool_unrouted(lead_ids, now)
