"""Score leads: ICP fit, qualification verdicts and decayed engagement; record every point's rule."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.routing.policy import RoutingPolicy
from leadflow.core.db import pipeline_lock, session_scope
from leadflow.core.decisions import decision_row
from leadflow.scoring.engagement_decay import Event, engagement_score
from leadflow.scoring.qualification import evaluate
from leadflow.routing.route import territory_of
from leadflow.scoring.score import ScoreResult, score_lead
from leadflow.core.summary import ScoreOutcome
from leadflow.core.types import LeadView
from leadflow.core.lifecycle import change_stage
from leadflow.core.models import (
    Campaign,
    Decision,
    EngagementEvent,
    Enrollment,
    Lead,
    QualificationAnswer,
)
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.scoring.engagement_policy import engagement_policy
from leadflow.scoring.model_in_force import judge, judge_all, model_in_force, stored_events, trace
from leadflow.scoring.qualification_policy import qualification_policy
from leadflow.routing.policy import routing_policy
from leadflow.scoring.policy import scoring_policy


def lead_view(lead: Lead, routing: RoutingPolicy, campaign: Campaign | None = None) -> LeadView:
    return LeadView(
        id=lead.id,
        email=lead.email,
        domain=lead.domain,
        is_free_mail=lead.is_free_mail,
        is_disposable=lead.is_disposable,
        is_role_address=lead.is_role_address,
        has_website=lead.has_website,
        company=lead.company,
        title=lead.title,
        country=lead.country,
        state=lead.state,
        city=lead.city,
        industry=lead.industry,
        employees=lead.employees,
        revenue_band=lead.revenue_band,
        product_line=lead.product_line,
        territory=territory_of(lead.country, lead.state, routing),
        campaign=campaign.name if campaign else None,
        channel=campaign.channel if campaign else None,
        temperature=lead.temperature,
        score=lead.score,
    )


def _events(session: Session, lead_ids: list[int]) -> dict[int, list[Event]]:
    events: dict[int, list[Event]] = defaultdict(list)
    for row in session.execute(
        select(
            EngagementEvent.lead_id,
            EngagementEvent.type,
            EngagementEvent.occurred_at,
            EngagementEvent.url,
            EngagementEvent.is_machine,
        ).where(EngagementEvent.lead_id.in_(lead_ids))
    ):
        events[row.lead_id].append(Event(row.type, row.occurred_at, row.url, row.is_machine))
    return events


def _answers(session: Session, lead_ids: list[int]) -> dict[int, dict[str, dict[str, bool]]]:
    answers: dict[int, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    for row in session.execute(
        select(
            QualificationAnswer.lead_id,
            QualificationAnswer.model,
            QualificationAnswer.question,
            QualificationAnswer.answer,
        ).where(QualificationAnswer.lead_id.in_(lead_ids))
    ):
        answers[row.lead_id][row.model][row.question] = row.answer
    return answers


def _explain(result: ScoreResult, engagement) -> dict:  # type: ignore[no-untyped-def]
    return {
        "hits": result.hits,
        "disqualified_by": result.disqualified_by,
        "missing_fit_fields": result.missing,
        "qualification": [
            {
                "model": v.model,
                "verdict": v.verdict,
                "yes": v.yes,
                "answered": v.answered,
                "points": v.points,
                "reason": v.reason,
            }
            for v in result.verdicts
        ],
        "engagement": [
            {
                "signal": c.signal,
                "at": c.at,
                "raw": round(c.raw, 2),
                "now": round(c.points, 2),
                "machine": c.machine,
            }
            for c in engagement.contributions
        ],
        "grade": result.grade,
        "purchase_class": result.purchase_class,
    }


def _apply(
    session: Session, lead: Lead, result: ScoreResult, at: datetime, run_id: str | None
) -> bool:
    """Write the result on the lead; True when the lead was just disqualified."""
    lead.fit_score, lead.engagement_score, lead.qualification_score = (
        result.fit,
        result.engagement,
        result.qualification,
    )
    lead.score, lead.temperature, lead.grade, lead.scored_at = (
        result.score,
        result.temperature,
        result.grade,
        at,
    )
    lead.purchase_class = result.purchase_class
    lead.disqualified_by = result.disqualified_by.rule_id if result.disqualified_by else None
    newly_out = bool(result.disqualified_by) and lead.status in ("new", "nurturing", "pool")
    if newly_out:
        lead.status = "disqualified"
    if result.temperature == "hot" and lead.lifecycle_stage in ("new", "recycled"):
        change_stage(
            session,
            lead,
            "mql",
            f"score {result.score} reached the hot threshold",
            at,
            rule_id="threshold:hot",
            flow_run_id=run_id,
        )
    return newly_out


def score_leads(lead_ids: list[int], now: datetime | None = None) -> ScoreOutcome:
    at, run_id = as_utc(now), current_flow_run_id()
    policy, engagement_rules, qualification = (
        scoring_policy(),
        engagement_policy(),
        qualification_policy(),
    )
    routing = routing_policy()
    model = model_in_force(policy)
    version = ";".join(
        [p.config_version for p in (policy, engagement_rules, qualification)]
        + ([model.version] if model else [])
    )
    outcome = ScoreOutcome()
    decisions: list[dict] = []
    disqualified: list[int] = []
    with session_scope() as session:
        pipeline_lock(session)
        events, answers = _events(session, lead_ids), _answers(session, lead_ids)
        history = stored_events(session, lead_ids) if model else {}
        campaigns = {c.id: c for c in session.scalars(select(Campaign))}
        leads = session.scalars(select(Lead).where(Lead.id.in_(lead_ids)).order_by(Lead.id)).all()
        views = {
            lead.id: lead_view(lead, routing, campaigns.get(lead.first_campaign_id or 0))
            for lead in leads
        }
        judged_all = judge_all(model, policy, views, history, at)
        for lead in leads:
            engaged = engagement_score(events.get(lead.id, []), engagement_rules, at)
            verdicts = [
                evaluate(model, answers[lead.id][model.id])
                for model in qualification.models
                if model.id in answers.get(lead.id, {})
            ]
            result = score_lead(
                views[lead.id], policy, engaged, verdicts, lead.purchase_timeframe_months
            )
            result, judged = judge(result, judged_all.get(lead.id))
            getattr(outcome, result.temperature).append(lead.id)
            before = (lead.score, lead.temperature, lead.grade, lead.purchase_class)
            if before == (result.score, result.temperature, result.grade, result.purchase_class):
                continue
            if _apply(session, lead, result, at, run_id):
                disqualified.append(lead.id)
            outcome.changed += 1
            rule = (
                result.disqualified_by.rule_id
                if result.disqualified_by
                else "+".join(h.rule_id for h in result.hits)
            )
            decisions.append(
                decision_row(
                    lead_id=lead.id,
                    kind="score",
                    rule_id=rule[:200] or None,
                    outcome=f"score {result.score} ({result.temperature}, grade {result.grade})",
                    reason=(
                        f"model {judged.version}: probability {judged.probability:.2f}; "
                        if judged
                        else ""
                    )
                    + f"fit {result.fit} + qualification {result.qualification} + engagement "
                    f"{result.engagement}; was {before[0]} ({before[1]})",
                    inputs=_explain(result, engaged) | trace(judged),
                    at=at,
                    config_version=version,
                    flow_run_id=run_id,
                )
            )
        # One statement each for the whole batch, not one per lead.
        if disqualified:
            session.execute(
                update(Enrollment)
                .where(Enrollment.lead_id.in_(disqualified), Enrollment.status == "active")
                .values(status="exited", exit_reason="disqualified"),
                execution_options={"synchronize_session": False},
            )
        if decisions:
            session.execute(Decision.__table__.insert(), decisions)
    log().info(
        "scored %d leads: %d hot, %d warm, %d cold, %d disqualified (%d changed)",
        len(lead_ids),
        len(outcome.hot),
        len(outcome.warm),
        len(outcome.cold),
        len(outcome.disqualified),
        outcome.changed,
    )
    return outcome
