"""Prefect tasks over leadflow.engagement.pending: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime
from leadflow.engagement.pending import NewEngagement

from prefect import task

import leadflow.engagement.pending as service
from tasks._common import BATCH_TASK


@task(name="take-new-engagement", **BATCH_TASK)
def take_new_engagement(limit: int = 5000) -> NewEngagement:
    return service.take_new_engagement(limit)


@task(name="mark-engagement-processed", **BATCH_TASK)
def mark_engagement_processed(event_ids: list[int], now: datetime | None = None) -> None:
    return service.mark_engagement_processed(event_ids, now)
