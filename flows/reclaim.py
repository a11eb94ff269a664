"""SLA sweep: unaccepted leads go to the next rep in rotation, unworked ones back to the pool."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._naming import at_moment
from tasks.notify import notify_reps
from tasks.routing import route_leads
from tasks.sla import pool_unrouted, sweep_sla


@flow(name="reclaim-sweep", flow_run_name=at_moment("reclaim-sweep"), log_prints=True)
def reclaim_sweep(now: datetime | None = None) -> list[int]:
    """The leads that went back to the pool."""
    swept = sweep_sla(now)
    routed = route_leads(swept.reassign, now)
    notify_reps(routed.assignment_ids, now)
    return swept.pooled + pool_unrouted(swept.reassign, now)
