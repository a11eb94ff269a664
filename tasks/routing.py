"""Prefect tasks over leadflow.routing.assign: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime
from leadflow.core.summary import RouteOutcome

from prefect import task

import leadflow.routing.assign as service
from tasks._common import BATCH_TASK


@task(name="route-leads", **BATCH_TASK)
def route_leads(lead_ids: list[int], now: datetime | None = None) -> RouteOutcome:
    """Route every hot, unsuppressed, unowned lead among ``lead_ids``."""
    return service.route_leads(lead_ids, now)
