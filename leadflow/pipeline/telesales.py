"""The telesales tier: a `prequalify: true` team qualifies leads before field reps see them.

When its rep has accepted a lead and recorded qualification answers (`leadflow qualify`),
`leadflow prequalified LEAD --as REP` passes it on: qualified by any model (BANT, the nine
questions...) -> routed again by the normal rules, never back to telesales; not qualified ->
back to nurture through the pool; incomplete answers -> refused until they are given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.core.errors import NotPrequalified
from leadflow.core.models import Assignment, Lead, QualificationAnswer
from leadflow.pipeline.notify import notify_reps
from leadflow.routing.assign import route_leads
from leadflow.routing.assignments import AssignmentStatus
from leadflow.routing.policy import routing_policy
from leadflow.routing.pool import return_to_pool
from leadflow.routing.sla import pool_unrouted
from leadflow.scoring.qualification import evaluate
from leadflow.scoring.qualification_policy import qualification_policy
from leadflow.core.statuses import LeadStatus


def _verdicts(session, lead_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    answers: dict[str, dict[str, bool]] = {}
    for model, question, answer in session.execute(
        select(
            QualificationAnswer.model, QualificationAnswer.question, QualificationAnswer.answer
        ).where(QualificationAnswer.lead_id == lead_id)
    ):
        answers.setdefault(model, {})[question] = answer
    policy = qualification_policy()
    return [evaluate(m, answers[m.id]).verdict for m in policy.models if m.id in answers]


def pass_on(lead_id: int, rep_key: str, now: datetime | None = None) -> str:
    """Hand a telesales-accepted lead on to the field (qualified) or to nurture (not)."""
    at, policy = as_utc(now), routing_policy()
    telesales = {t.key for t in policy.teams if t.prequalify}
    with session_scope() as session:
        held = session.scalar(
            select(Assignment).where(
                Assignment.lead_id == lead_id,
                Assignment.rep == rep_key,
                Assignment.status == AssignmentStatus.ACCEPTED,
                Assignment.team.in_(telesales),
            )
        )
        if held is None:
            raise NotPrequalified(
                f"lead {lead_id} is not an accepted lead of telesales rep {rep_key}"
            )
        verdicts = _verdicts(session, lead_id)
        qualified = "qualified" in verdicts
        if not qualified and (not verdicts or "incomplete" in verdicts):
            raise NotPrequalified(
                f"lead {lead_id}: qualification incomplete ({verdicts or 'no answers'}); "
                "record the answers with `leadflow qualify` first"
            )
        held.status = AssignmentStatus.PREQUALIFIED if qualified else AssignmentStatus.NOT_QUALIFIED
        held.closed_at, held.reason = at, f"telesales verdicts: {', '.join(verdicts)}"
        lead = session.get(Lead, lead_id)
        record(
            session,
            lead_id=lead_id,
            kind="prequalify",
            rule_id=f"team:{held.team}",
            actor=rep_key,
            outcome="passed on to the field" if qualified else "not qualified: back to nurture",
            reason=held.reason,
            inputs={"assignment_id": held.id, "verdicts": verdicts},
            at=at,
        )
        if qualified:
            lead.status, lead.owner_rep = LeadStatus.POOL, None  # routable again, by the rules
        else:
            return_to_pool(session, lead, at, f"telesales {rep_key}: not qualified", actor=rep_key)
    if not qualified:
        return f"lead {lead_id} is not qualified: back to nurture (via the pool)"
    routed = route_leads([lead_id], at, qualified_by_sales=True)
    notify_reps(routed.assignment_ids, at)
    if pool_unrouted([lead_id], at):
        return f"lead {lead_id} is qualified but no field rep could take it: in the pool"
    return f"lead {lead_id} passed on: {dict(routed.per_rep) or dict(routed.queued)}"
