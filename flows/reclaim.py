"""Reclaim sweep: leads nobody followed up in time go back to the pool."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._naming import at_moment
from tasks.ownership import reclaim_overdue


@flow(name="reclaim-sweep", flow_run_name=at_moment("reclaim-sweep"), log_prints=True)
def reclaim_sweep(now: datetime | None = None) -> list[int]:
    return reclaim_overdue(now)
