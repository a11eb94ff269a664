"""Nurture tick: queue the sequence steps that are due and send them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from prefect import flow

from flows._naming import at_moment
from leadflow.core.summary import SendSummary
from tasks._common import check_policies
from tasks.nurture import queue_due_steps
from tasks.outbox import send_outbox
from tasks.report import find_waiting_emails, publish_table, warn_problems


@flow(name="nurture-tick", flow_run_name=at_moment("nurture-tick"), log_prints=True)
def nurture_tick(now: datetime | None = None) -> SendSummary:
    check_policies()
    sent = send_outbox(queue_due_steps(now), now)
    problems = find_waiting_emails() if sent.deferred else Counter()
    warn_problems(problems)
    rows = [{"measure": k, "value": v} for k, v in vars(sent).items()]
    rows += [{"measure": f"why: {why}", "value": n} for why, n in problems.most_common()]
    why = f" ({'; '.join(problems)})" if problems else ""
    publish_table(
        "nurture-tick",
        rows,
        f"Nurture tick: {sent.sent} sent, {sent.deferred} deferred{why}, {sent.skipped} skipped",
    )
    return sent
