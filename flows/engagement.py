"""Engagement: re-score leads that engaged; a lead that turns hot is routed at once."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from leadflow.core.summary import RouteOutcome
from tasks._common import check_policies
from tasks.engagement import mark_engagement_processed, take_new_engagement
from tasks.notify import notify_reps
from tasks.routing import route_leads
from tasks.scoring import score_leads


@flow(name="process-engagement", flow_run_name="engagement-{reason}", log_prints=True)
def process_engagement(reason: str = "sweep", now: datetime | None = None) -> RouteOutcome:
    check_policies()
    new = take_new_engagement()
    if not new.event_ids:
        return RouteOutcome()
    scored = score_leads(new.lead_ids, now)
    routed = route_leads(scored.hot, now)
    notify_reps(routed.assignment_ids, now)
    mark_engagement_processed(new.event_ids, now)
    return routed
