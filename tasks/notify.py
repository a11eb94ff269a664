"""Prefect tasks over leadflow.pipeline.notify: thin wrappers that own the retries."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from leadflow.core.summary import SendSummary

import leadflow.pipeline.notify as service
from tasks._common import BATCH_TASK
from tasks.outbox import queue_rep_notifications, send_outbox


@task(name="deliver-assignment-webhooks", **BATCH_TASK)
def deliver_assignment_webhooks(
    assignment_ids: list[int], now: datetime | None = None
) -> dict[str, int]:
    """Queue the webhook of each new assignment, then post it and any earlier one now due."""
    return service.deliver_assignment_webhooks(assignment_ids, now)


def notify_reps(assignment_ids: list[int], now: datetime | None = None) -> SendSummary:
    """Inside a flow: queue and send the rep emails, then the team webhooks, each as a task."""
    sent = send_outbox(queue_rep_notifications(assignment_ids, now), now)
    deliver_assignment_webhooks(assignment_ids, now)
    return sent
