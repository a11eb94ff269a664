"""Prefect tasks over leadflow.nurture.outbox: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime
from leadflow.core.summary import SendSummary

from prefect import task

import leadflow.nurture.outbox as service
from tasks._common import BATCH_TASK


@task(name="queue-rep-notifications", **BATCH_TASK)
def queue_rep_notifications(assignment_ids: list[int], now: datetime | None = None) -> list[int]:
    return service.queue_rep_notifications(assignment_ids, now)


@task(name="send-outbox", **BATCH_TASK)
def send_outbox(outbox_ids: list[int], now: datetime | None = None) -> SendSummary:
    """Send queued emails over one SMTP connection; each row at most once."""
    return service.send_outbox(outbox_ids, now)
