"""The shared pool (公海池): leads nobody works return here, and reps claim them within limits.

A claim is a conditional UPDATE (`... WHERE status = 'pool'`): of two reps claiming one lead
at once, the database lets exactly one row change; the other rep is told who has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from leadflow.routing.policy import RoutingPolicy
from leadflow.core.decisions import record
from leadflow.routing.route import capacity_windows
from leadflow.core.lifecycle import change_stage
from leadflow.core.models import Assignment, Enrollment, Lead, Person
from leadflow.routing.assignments import AssignmentStatus, open_assignment, open_count
from leadflow.routing.people import active_rep
from leadflow.core.statuses import EnrollmentStatus, LeadStatus, LifecycleStage

POOL = LeadStatus.POOL
CLAIM_RULE = "pool:claim"
# A lead back in the pool waits a day before nurture resumes, so it is not mailed the
# same hour sales let it go.
POOL_GRACE = timedelta(days=1)
LEFT_REP = (
    AssignmentStatus.REJECTED,
    AssignmentStatus.EXPIRED,
    AssignmentStatus.RECLAIMED,
    AssignmentStatus.RELEASED,
    AssignmentStatus.NOT_QUALIFIED,
)


def return_to_pool(
    session: Session,
    lead: Lead,
    at: datetime,
    why: str,
    *,
    flow_run_id: str | None = None,
    actor: str | None = None,
) -> None:
    """The lead is nobody's: it waits in the pool for a claim while nurture resumes."""
    lead.status, lead.owner_rep, lead.updated_at = POOL, None, at
    change_stage(session, lead, LifecycleStage.RECYCLED, why, at, flow_run_id=flow_run_id)
    for enrollment in session.scalars(select(Enrollment).where(Enrollment.lead_id == lead.id)):
        if enrollment.status == EnrollmentStatus.EXITED:
            enrollment.status, enrollment.exit_reason = EnrollmentStatus.ACTIVE, None
            enrollment.next_due_at = at + POOL_GRACE
    record(
        session,
        lead_id=lead.id,
        kind="pool",
        outcome="back in the pool",
        reason=why,
        at=at,
        flow_run_id=flow_run_id,
        actor=actor,
    )


def pool_leads(session: Session, limit: int = 100) -> list[Lead]:
    """What reps may claim, best first."""
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.status == POOL, Lead.suppressed.is_(False))
            .order_by(Lead.score.desc(), Lead.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Claim:
    lead_id: int
    rep: str
    assignment_id: int


def _limit_breach(
    session: Session, policy: RoutingPolicy, rep: Person, lead_id: int, at: datetime
) -> str | None:
    limits = policy.pool.claim
    if limits.max_open_leads is not None and open_count(session, rep.key) >= limits.max_open_leads:
        return (
            f"{rep.key} already holds {limits.max_open_leads} open leads "
            "(pool.claim.max_open_leads)"
        )
    if limits.max_per_day is not None:
        day_start = capacity_windows(policy, at).get(rep.key, (at.replace(hour=0, minute=0), at))[0]
        today = (
            session.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(
                    Assignment.rep == rep.key,
                    Assignment.rule_id == CLAIM_RULE,
                    Assignment.assigned_at >= day_start,
                )
            )
            or 0
        )
        if today >= limits.max_per_day:
            return (
                f"{rep.key} claimed {today} leads today "
                f"(pool.claim.max_per_day {limits.max_per_day})"
            )
    since = at - timedelta(days=limits.cool_off_days)
    left = session.scalar(
        select(Assignment.closed_at)
        .where(
            Assignment.lead_id == lead_id,
            Assignment.rep == rep.key,
            Assignment.status.in_(LEFT_REP),
            Assignment.closed_at >= since,
        )
        .order_by(Assignment.closed_at.desc())
        .limit(1)
    )
    if left is not None:
        return (
            f"{rep.key} let this lead go at {left:%Y-%m-%d %H:%M} UTC; "
            f"cool-off of {limits.cool_off_days:g} days (pool.claim.cool_off_days)"
        )
    return None


def _take(session: Session, lead_id: int, rep: str, at: datetime) -> str | None:
    """The race: only a lead still in the pool changes hands. None when we won, else why not."""
    won = session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.status == POOL, Lead.suppressed.is_(False))
        .values(status=LeadStatus.ACCEPTED, owner_rep=rep, updated_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won == 1:
        return None
    status, owner, suppressed = session.execute(
        select(Lead.status, Lead.owner_rep, Lead.suppression_reason).where(Lead.id == lead_id)
    ).one()
    if suppressed:
        return f"lead {lead_id} is suppressed ({suppressed})"
    if owner:
        return f"lead {lead_id} was claimed by {owner} first (it is {status})"
    return f"lead {lead_id} is not in the pool (it is {status})"


def claim(
    session: Session, policy: RoutingPolicy, lead_id: int, rep_key: str, reason: str, at: datetime
) -> Claim | str:
    """Claim one pooled lead for ``rep_key``; returns the claim, or why it was refused (the
    refusal is recorded as a decision too: the caller commits either way)."""
    rep = active_rep(session, rep_key)
    # Lock the claimant's row: one rep's simultaneous claims are counted one after another.
    session.execute(select(Person.key).where(Person.key == rep.key).with_for_update())
    lead = session.get(Lead, lead_id)
    refused = "no such lead" if lead is None else _limit_breach(session, policy, rep, lead_id, at)
    refused = refused or _take(session, lead_id, rep.key, at)
    if refused:
        record(
            session,
            lead_id=lead_id if lead else None,
            kind="claim",
            rule_id=CLAIM_RULE,
            outcome=f"claim by {rep.key} refused",
            reason=refused,
            actor=rep.key,
            at=at,
            inputs={"reason": reason},
            config_version=policy.config_version,
        )
        return refused
    team = policy.team_of(rep.key)
    assignment = open_assignment(
        session,
        lead_id=lead_id,
        rep=rep.key,
        team=team,
        rule_id=CLAIM_RULE,
        at=at,
        sla=timedelta(0),
        accepted=True,
    )
    session.execute(
        update(Enrollment)
        .where(Enrollment.lead_id == lead_id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .values(status=EnrollmentStatus.EXITED, exit_reason="claimed from the pool")
        .execution_options(synchronize_session=False)
    )
    session.refresh(lead)
    change_stage(session, lead, LifecycleStage.SQL, f"claimed from the pool by {rep.key}", at)
    record(
        session,
        lead_id=lead_id,
        kind="claim",
        rule_id=CLAIM_RULE,
        outcome=f"claimed by {rep.key}",
        reason=reason,
        actor=rep.key,
        at=at,
        config_version=policy.config_version,
        inputs={"assignment_id": assignment.id, "limits": policy.pool.claim.model_dump()},
    )
    return Claim(lead_id, rep.key, assignment.id)
