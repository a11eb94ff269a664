"""SLA sweep: unaccepted leads go to the next rep in rotation, unworked ones back to the pool."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._naming import at_moment
from tasks.notify import notify_reps
from tasks.report import publish_table
from tasks.routing import route_leads
from tasks.sla import pool_unrouted, sweep_sla


@flow(name="reclaim-sweep", flow_run_name=at_moment("reclaim-sweep"), log_prints=True)
def reclaim_sweep(now: datetime | None = None) -> list[int]:
    """The leads that went back to the pool."""
    swept = sweep_sla(now)
    routed = route_leads(swept.reassign, now)
    notify_reps(routed.assignment_ids, now)
    unrouted = pool_unrouted(swept.reassign, now)
    rows = [
        ("reassigned to another rep", len(routed.assignment_ids)),
        ("back to the pool", len(swept.pooled) + len(unrouted)),
        ("stuck in a queue (nobody could take them)", sum(routed.queued.values())),
    ]
    publish_table(
        "reclaim-sweep",
        [{"measure": m, "value": v} for m, v in rows],
        f"Reclaim sweep: {rows[0][1]} reassigned, {rows[1][1]} pooled, {rows[2][1]} stuck",
    )
    return swept.pooled + unrouted
