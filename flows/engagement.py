"""Engagement: re-score leads that engaged; a lead that turns hot is routed at once."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows._naming import with_parameters
from leadflow.core.summary import RouteOutcome
from tasks._common import check_policies
from tasks.engagement import mark_engagement_processed, take_new_engagement
from tasks.notify import notify_reps
from tasks.report import publish_table
from tasks.routing import route_leads
from tasks.scoring import score_leads


@flow(
    name="process-engagement", flow_run_name=with_parameters("engagement-{reason}"), log_prints=True
)
def process_engagement(reason: str = "sweep", now: datetime | None = None) -> RouteOutcome:
    check_policies()
    new = take_new_engagement()
    if not new.event_ids:
        publish_table(
            "engagement",
            [{"measure": "new engagement events", "value": 0}],
            "Engagement: nothing new to re-score",
        )
        return RouteOutcome()
    scored = score_leads(new.lead_ids, now)
    routed = route_leads(scored.hot, now)
    notify_reps(routed.assignment_ids, now)
    mark_engagement_processed(new.event_ids, now)
    rows = [
        ("new engagement events", len(new.event_ids)),
        ("leads re-scored", len(new.lead_ids)),
        ("turned hot", len(scored.hot)),
        ("routed to a rep", len(routed.assignment_ids)),
        ("waiting in a queue", sum(routed.queued.values())),
    ]
    publish_table(
        "engagement",
        [{"measure": m, "value": v} for m, v in rows],
        f"Engagement: {len(new.lead_ids)} leads re-scored, {len(scored.hot)} hot, "
        f"{len(routed.assignment_ids)} routed",
    )
    return routed
