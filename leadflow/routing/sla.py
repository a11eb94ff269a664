"""The SLA sweep: offered leads nobody accepted move on; accepted leads nobody works return.

Thresholds are per team (routing_rules/routing.yaml `sla`): a missed acceptance gives the
lead to the next rep in rotation up to `reassign_times`, then to the shared pool (公海池);
an accepted lead with no recorded activity for `activity_within_days` goes back to the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.routing.policy import RoutingPolicy
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.core.models import Assignment, Lead
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.routing.policy import routing_policy
from leadflow.routing.ownership import back_to_pool


@dataclass
class SweepResult:
    reassign: list[int] = field(default_factory=list)  # leads to route again, to someone else
    pooled: list[int] = field(default_factory=list)  # leads back in the nurture pool


def _missed_before(session: Session, lead_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.lead_id == lead_id, Assignment.status == "expired")) or 0


def _expire_unaccepted(session: Session, policy: RoutingPolicy, at: datetime, result: SweepResult) -> None:
    overdue = session.scalars(select(Assignment).where(
        Assignment.status == "offered", Assignment.sla_due_at < at).order_by(Assignment.id)).all()
    for assignment in overdue:
        sla = policy.sla_of(assignment.team)
        missed = _missed_before(session, assignment.lead_id)
        reassign = missed < sla.reassign_times
        assignment.status = "expired" if reassign else "reclaimed"
        assignment.closed_at = at
        assignment.reason = f"not accepted by {assignment.sla_due_at:%Y-%m-%d %H:%M} UTC"
        then = (f"reassigned ({missed + 1} of {sla.reassign_times})" if reassign
                else f"back to the pool after {missed} reassignment(s)")
        record(session, lead_id=assignment.lead_id, kind="sla", rule_id=f"team:{assignment.team}",
               outcome=f"{assignment.rep} missed the SLA; {then}", reason=assignment.reason,
               inputs={"assignment_id": assignment.id, "sla_due_at": assignment.sla_due_at,
                       "missed_before": missed, "reassign_times": sla.reassign_times},
               at=at, flow_run_id=current_flow_run_id())
        lead = session.get(Lead, assignment.lead_id)
        if lead is None or lead.owner_rep != assignment.rep:
            continue
        if reassign:
            lead.status, lead.owner_rep, lead.updated_at = "pool", None, at
            result.reassign.append(lead.id)
        else:
            back_to_pool(session, lead, at, f"reclaimed from {assignment.rep}: {assignment.reason}")
            result.pooled.append(lead.id)


def _reclaim_idle(session: Session, policy: RoutingPolicy, at: datetime, result: SweepResult) -> None:
    for team in policy.teams:
        if team.sla.activity_within_days is None:
            continue
        cutoff = at - timedelta(days=team.sla.activity_within_days)
        last = func.coalesce(Assignment.last_activity_at, Assignment.accepted_at, Assignment.closed_at)
        idle = session.scalars(select(Assignment).where(
            Assignment.status == "accepted", Assignment.team == team.key, last < cutoff)).all()
        for assignment in idle:
            since = assignment.last_activity_at or assignment.accepted_at or assignment.closed_at
            assignment.status, assignment.closed_at = "reclaimed", at
            assignment.reason = f"accepted but no activity since {since:%Y-%m-%d %H:%M} UTC"
            record(session, lead_id=assignment.lead_id, kind="sla", rule_id=f"team:{team.key}",
                   outcome=f"reclaimed from {assignment.rep}: no activity", reason=assignment.reason,
                   inputs={"assignment_id": assignment.id, "activity_within_days": team.sla.activity_within_days},
                   at=at, flow_run_id=current_flow_run_id())
            lead = session.get(Lead, assignment.lead_id)
            if lead is not None and lead.owner_rep == assignment.rep:
                back_to_pool(session, lead, at, f"reclaimed from {assignment.rep}: {assignment.reason}")
                result.pooled.append(lead.id)


def sweep_sla(now: datetime | None = None) -> SweepResult:
    """Expire offers past their SLA and reclaim accepted leads nobody works."""
    at, policy, result = as_utc(now), routing_policy(), SweepResult()
    with session_scope() as session:
        _expire_unaccepted(session, policy, at, result)
        _reclaim_idle(session, policy, at, result)
    log().info("SLA sweep: %d leads to reassign, %d back to the pool", len(result.reassign), len(result.pooled))
    return result


def pool_unrouted(lead_ids: list[int], now: datetime | None = None) -> list[int]:
    """Leads that were to be routed again but found no rep (no longer hot, nobody left): the pool."""
    at, pooled = as_utc(now), []
    if not lead_ids:
        return pooled
    with session_scope() as session:
        for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids), Lead.status == "pool")):
            back_to_pool(session, lead, at, "no other rep could take it")
            pooled.append(lead.id)
    return pooled
