"""The SLA sweep: offered leads nobody accepted move on; accepted leads nobody works return.

Thresholds are per team (routing_rules/routing.yaml `sla`): a missed acceptance gives the
lead to the next rep in rotation up to `reassign_times`, then to the shared pool (公海池);
an accepted lead with no recorded activity for `activity_within_days` goes back to the pool.
Queues drain too (`queues`): an overdue item's manager is emailed, then the lead is pooled.
A lead held by a rep who is no longer active (gone from the YAML) goes back to the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.core.models import Assignment, Lead, Rep
from leadflow.core.runtime import current_flow_run_id, log
from leadflow.routing.assign import sync_reps
from leadflow.routing.assignments import OPEN_STATUSES, AssignmentStatus
from leadflow.routing.people import sync_people
from leadflow.routing.queue_policy import UNASSIGNED
from leadflow.routing.queues import (
    QUEUED,
    Escalation,
    enqueue,
    leave_queue,
    open_item,
    sweep_queues,
)
from leadflow.routing.ownership import back_to_pool
from leadflow.routing.policy import RoutingPolicy, routing_policy
from leadflow.core.statuses import LeadStatus


@dataclass
class SweepResult:
    reassign: list[int] = field(default_factory=list)  # leads to route again, to someone else
    pooled: list[int] = field(default_factory=list)  # leads back in the shared pool
    escalated: list[int] = field(default_factory=list)  # overdue queue items whose manager was told
    emails: list[Escalation] = field(default_factory=list)  # to send once the sweep committed


def _missed_before(session: Session, lead_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.lead_id == lead_id, Assignment.status == AssignmentStatus.EXPIRED)
        )
        or 0
    )


def _expire_unaccepted(
    session: Session, policy: RoutingPolicy, at: datetime, result: SweepResult
) -> None:
    overdue = session.scalars(
        select(Assignment)
        .where(Assignment.status == AssignmentStatus.OFFERED, Assignment.sla_due_at < at)
        .order_by(Assignment.id)
    ).all()
    for assignment in overdue:
        sla = policy.sla_of(assignment.team)
        missed = _missed_before(session, assignment.lead_id)
        reassign = missed < sla.reassign_times
        assignment.status = AssignmentStatus.EXPIRED if reassign else AssignmentStatus.RECLAIMED
        assignment.closed_at = at
        assignment.reason = f"not accepted by {assignment.sla_due_at:%Y-%m-%d %H:%M} UTC"
        then = (
            f"reassigned ({missed + 1} of {sla.reassign_times})"
            if reassign
            else f"back to the pool after {missed} reassignment(s)"
        )
        record(
            session,
            lead_id=assignment.lead_id,
            kind="sla",
            rule_id=f"team:{assignment.team}",
            outcome=f"{assignment.rep} missed the SLA; {then}",
            reason=assignment.reason,
            inputs={
                "assignment_id": assignment.id,
                "sla_due_at": assignment.sla_due_at,
                "missed_before": missed,
                "reassign_times": sla.reassign_times,
            },
            at=at,
            flow_run_id=current_flow_run_id(),
        )
        lead = session.get(Lead, assignment.lead_id)
        if lead is None or lead.owner_rep != assignment.rep:
            continue
        if reassign:
            lead.status, lead.owner_rep, lead.updated_at = LeadStatus.POOL, None, at
            result.reassign.append(lead.id)
        else:
            back_to_pool(session, lead, at, f"reclaimed from {assignment.rep}: {assignment.reason}")
            result.pooled.append(lead.id)


def _reclaim_idle(
    session: Session, policy: RoutingPolicy, at: datetime, result: SweepResult
) -> None:
    for team in policy.teams:
        if team.sla.activity_within_days is None:
            continue
        cutoff = at - timedelta(days=team.sla.activity_within_days)
        last = func.coalesce(
            Assignment.last_activity_at, Assignment.accepted_at, Assignment.closed_at
        )
        idle = session.scalars(
            select(Assignment).where(
                Assignment.status == AssignmentStatus.ACCEPTED,
                Assignment.team == team.key,
                last < cutoff,
            )
        ).all()
        for assignment in idle:
            since = assignment.last_activity_at or assignment.accepted_at or assignment.closed_at
            assignment.status, assignment.closed_at = AssignmentStatus.RECLAIMED, at
            assignment.reason = f"accepted but no activity since {since:%Y-%m-%d %H:%M} UTC"
            record(
                session,
                lead_id=assignment.lead_id,
                kind="sla",
                rule_id=f"team:{team.key}",
                outcome=f"reclaimed from {assignment.rep}: no activity",
                reason=assignment.reason,
                inputs={
                    "assignment_id": assignment.id,
                    "activity_within_days": team.sla.activity_within_days,
                },
                at=at,
                flow_run_id=current_flow_run_id(),
            )
            lead = session.get(Lead, assignment.lead_id)
            if lead is not None and lead.owner_rep == assignment.rep:
                back_to_pool(
                    session, lead, at, f"reclaimed from {assignment.rep}: {assignment.reason}"
                )
                result.pooled.append(lead.id)


def _reclaim_orphans(session: Session, at: datetime, result: SweepResult) -> None:
    """Leads a rep holds who can no longer work them (gone from the YAML, switched off), or
    that lost their open assignment: nobody would ever act on them, so the pool takes them."""
    active = select(Rep.key).where(Rep.active.is_(True))
    held = select(Assignment.id).where(
        Assignment.lead_id == Lead.id,
        Assignment.rep == Lead.owner_rep,
        Assignment.status.in_(OPEN_STATUSES),
    )
    orphans = session.scalars(
        select(Lead)
        .where(
            Lead.status.in_((LeadStatus.ROUTED, LeadStatus.ACCEPTED)),
            Lead.owner_rep.is_(None) | Lead.owner_rep.not_in(active) | ~held.exists(),
        )
        .order_by(Lead.id)
    ).all()
    for lead in orphans:
        for assignment in session.scalars(
            select(Assignment).where(
                Assignment.lead_id == lead.id, Assignment.status.in_(OPEN_STATUSES)
            )
        ):
            assignment.status, assignment.closed_at = AssignmentStatus.RECLAIMED, at
            assignment.reason = f"{assignment.rep} is no longer an active rep"
        why = f"its rep {lead.owner_rep or '(none)'} can no longer work it"
        back_to_pool(session, lead, at, why)
        result.pooled.append(lead.id)


def _drain_queues(
    session: Session, policy: RoutingPolicy, at: datetime, result: SweepResult
) -> None:
    # Leads stranded as "unassigned" before queues had deadlines join the unassigned queue.
    for lead in session.scalars(select(Lead).where(Lead.status == LeadStatus.UNASSIGNED)):
        enqueue(session, lead, UNASSIGNED, policy, at, "waited without a deadline; now in a queue")
    swept = sweep_queues(session, policy, at, lambda s, lead, why: back_to_pool(s, lead, at, why))
    result.pooled.extend(swept.pooled)
    result.escalated.extend(swept.escalated)
    result.emails.extend(swept.emails.values())


def sweep_sla(now: datetime | None = None) -> SweepResult:
    """Expire offers past their SLA, reclaim leads nobody works, drain overdue queues."""
    at, policy, result = as_utc(now), routing_policy(), SweepResult()
    with session_scope() as session:
        sync_reps(session, policy)
        sync_people(session, policy)
        _expire_unaccepted(session, policy, at, result)
        _reclaim_idle(session, policy, at, result)
        _reclaim_orphans(session, at, result)
        _drain_queues(session, policy, at, result)
    log().info(
        "SLA sweep: %d leads to reassign, %d back to the pool, %d queue items escalated",
        len(result.reassign),
        len(result.pooled),
        len(result.escalated),
    )
    return result


def pool_unrouted(lead_ids: list[int], now: datetime | None = None) -> list[int]:
    """Leads that were to be routed again but found no rep (no longer hot, nobody left): the pool.
    One that routing could only put in the unassigned queue goes to the pool too: nobody is left
    to assign it to, and reps can claim it there."""
    at, pooled = as_utc(now), []
    if not lead_ids:
        return pooled
    with session_scope() as session:
        for lead in session.scalars(
            select(Lead).where(Lead.id.in_(lead_ids), Lead.status.in_((LeadStatus.POOL, QUEUED)))
        ):
            if lead.status == QUEUED:
                item = open_item(session, lead.id)
                if item is None or item.queue != UNASSIGNED:
                    continue  # a rule's own queue (a desk) works it, with its deadline
                leave_queue(session, lead.id, at, "pooled", "no other rep could take it")
            back_to_pool(session, lead, at, "no other rep could take it")
            pooled.append(lead.id)
    return pooled
