"""Score leads against the ICP plus their engagement; record every score's rules."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.clock import as_utc
from leadflow.config.routing import RoutingPolicy
from leadflow.config.scoring import ScoringPolicy
from leadflow.db import session_scope
from leadflow.decisions import record
from leadflow.domain.route import territory_of
from leadflow.domain.score import engagement_points, score_lead
from leadflow.domain.summary import ScoreOutcome
from leadflow.domain.types import LeadView
from leadflow.models import EngagementEvent, Lead
from tasks._common import BATCH_TASK, current_flow_run_id, log, routing_policy, scoring_policy




def lead_view(lead: Lead, routing: RoutingPolicy) -> LeadView:
    return LeadView(
        id=lead.id, email=lead.email, domain=lead.domain, is_free_mail=lead.is_free_mail,
        is_disposable=lead.is_disposable, is_role_address=lead.is_role_address,
        company=lead.company, title=lead.title, country=lead.country, state=lead.state,
        city=lead.city, industry=lead.industry, employees=lead.employees,
        revenue_band=lead.revenue_band, product_line=lead.product_line,
        territory=territory_of(lead.country, lead.state, routing),
        temperature=lead.temperature, score=lead.score,
    )


def _engagement(session: Session, lead_ids: list[int], policy: ScoringPolicy) -> dict[int, tuple[int, list[str]]]:
    """Points per lead from human engagement (machine-flagged events earn nothing)."""
    totals: dict[int, tuple[int, list[str]]] = {}
    events = session.scalars(select(EngagementEvent).where(
        EngagementEvent.lead_id.in_(lead_ids), EngagementEvent.is_machine.is_(False)))
    for event in events:
        signal, points = engagement_points(event.type, event.url, policy)
        total, signals = totals.get(event.lead_id, (0, []))
        totals[event.lead_id] = (total + points, [*signals, f"{signal}+{points}"])
    return totals


@task(name="score-leads", **BATCH_TASK)
def score_leads(lead_ids: list[int], now: datetime | None = None) -> ScoreOutcome:
    at, run_id = as_utc(now), current_flow_run_id()
    policy, routing = scoring_policy(), routing_policy()
    outcome = ScoreOutcome()
    with session_scope() as session:
        engagement = _engagement(session, lead_ids, policy)
        for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)).order_by(Lead.id)):
            points, signals = engagement.get(lead.id, (0, []))
            result = score_lead(lead_view(lead, routing), policy, points)
            getattr(outcome, result.temperature).append(lead.id)
            if (result.score, result.temperature) == (lead.score, lead.temperature):
                continue
            before = (lead.score, lead.temperature)
            lead.fit_score, lead.engagement_score = result.fit, result.engagement
            lead.score, lead.temperature, lead.scored_at = result.score, result.temperature, at
            outcome.changed += 1
            record(session, lead_id=lead.id, kind="score", rule_id="+".join(h.rule_id for h in result.hits) or None,
                   outcome=f"score {result.score} ({result.temperature})",
                   reason=f"fit {result.fit} + engagement {result.engagement}; was {before[0]} ({before[1]})",
                   inputs={"hits": result.hits, "engagement": signals}, at=at,
                   config_version=policy.config_version, flow_run_id=run_id)
    log().info("scored %d leads: %d hot, %d warm, %d cold (%d changed)", len(lead_ids),
               len(outcome.hot), len(outcome.warm), len(outcome.cold), outcome.changed)
    return outcome
