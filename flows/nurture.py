"""Nurture tick: queue the sequence steps that are due and send them."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._naming import at_moment
from leadflow.core.summary import SendSummary
from tasks._common import check_policies
from tasks.nurture import queue_due_steps
from tasks.outbox import send_outbox
from tasks.report import publish_table


@flow(name="nurture-tick", flow_run_name=at_moment("nurture-tick"), log_prints=True)
def nurture_tick(now: datetime | None = None) -> SendSummary:
    check_policies()
    sent = send_outbox(queue_due_steps(now), now)
    publish_table("nurture-tick", [{"measure": k, "value": v} for k, v in vars(sent).items()],
                  f"Nurture tick: {sent.sent} sent, {sent.deferred} deferred, {sent.skipped} skipped")
    return sent
