"""Nightly report: the funnel, attribution and rep table as artifacts in the Prefect UI."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._naming import at_moment
from tasks.report import publish_report


@flow(name="nightly-report", flow_run_name=at_moment("nightly-report"), log_prints=True)
def nightly_report(period_days: int = 30, now: datetime | None = None) -> dict[str, int]:
    """Leads per funnel stage for the period ending ``now``; the artifacts carry the rest."""
    return publish_report(period_days, now)
