"""The closed loop after routing: rejection and reclaim of leads nobody followed up."""

from __future__ import annotations

from datetime import datetime, timedelta

from prefect import task
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.clock import as_utc
from leadflow.db import session_scope
from leadflow.decisions import record
from leadflow.errors import UnknownLead
from leadflow.lifecycle import change_stage
from leadflow.models import Assignment, Enrollment, Lead, RoutingLedger
from tasks._common import BATCH_TASK, current_flow_run_id, log

REJECT_REASONS = ("wrong_match", "not_ready")
# A lead back in the pool waits a day before nurture resumes, so it is not mailed the
# same hour sales let it go.
POOL_GRACE = timedelta(days=1)


def _back_to_pool(session: Session, lead: Lead, at: datetime, why: str) -> None:
    lead.status, lead.owner_rep, lead.updated_at = "pool", None, at
    change_stage(session, lead, "recycled", why, at, flow_run_id=current_flow_run_id())
    for enrollment in session.scalars(select(Enrollment).where(Enrollment.lead_id == lead.id)):
        if enrollment.status == "exited":
            enrollment.status, enrollment.exit_reason = "active", None
            enrollment.next_due_at = at + POOL_GRACE
    record(session, lead_id=lead.id, kind="pool", outcome="back in the nurture pool", reason=why, at=at,
           flow_run_id=current_flow_run_id())


@task(name="reclaim-overdue", **BATCH_TASK)
def reclaim_overdue(now: datetime | None = None) -> list[int]:
    """Offered assignments past their SLA go back to the shared pool (公海池)."""
    at = as_utc(now)
    reclaimed: list[int] = []
    with session_scope() as session:
        overdue = session.scalars(select(Assignment).where(
            Assignment.status == "offered", Assignment.sla_due_at < at)).all()
        for assignment in overdue:
            assignment.status, assignment.closed_at = "reclaimed", at
            assignment.reason = f"no follow-up by {assignment.sla_due_at:%Y-%m-%d %H:%M} UTC"
            lead = session.get(Lead, assignment.lead_id)
            if lead is not None and lead.owner_rep == assignment.rep:
                _back_to_pool(session, lead, at, f"reclaimed from {assignment.rep}: {assignment.reason}")
                reclaimed.append(lead.id)
    log().info("reclaimed %d leads past their SLA", len(reclaimed))
    return reclaimed


def reject_lead(lead_id: int, reason: str, note: str = "", now: datetime | None = None) -> str:
    """A rep rejects their lead: wrong match -> route again (not to them); not ready -> pool."""
    if reason not in REJECT_REASONS:
        raise ValueError(f"reason must be one of {', '.join(REJECT_REASONS)}")
    at = as_utc(now)
    with session_scope() as session:
        lead = session.get(Lead, lead_id)
        assignment = session.scalar(select(Assignment).where(
            Assignment.lead_id == lead_id, Assignment.status == "offered").order_by(Assignment.id.desc()))
        if lead is None or assignment is None:
            raise UnknownLead(f"lead {lead_id} has no open assignment to reject")
        assignment.status, assignment.reason, assignment.closed_at = "rejected", reason, at
        if reason == "wrong_match" and assignment.team:
            # The rep never had a real lead: take back the round-robin credit.
            ledger = session.get(RoutingLedger, (assignment.team, assignment.rep))
            if ledger is not None and ledger.assigned > 0:
                ledger.assigned -= 1
        record(session, lead_id=lead_id, kind="reject", rule_id=reason, outcome=f"rejected by {assignment.rep}",
               reason=note or reason, inputs={"assignment_id": assignment.id}, at=at)
        if reason == "not_ready":
            _back_to_pool(session, lead, at, f"{assignment.rep}: not ready")
            return "pool"
        lead.status, lead.owner_rep = "pool", None
        return "reroute"


def accept_lead(lead_ref: str, now: datetime | None = None) -> str:
    """The rep takes the lead: assignment accepted, lifecycle stage SQL (the MQL/SQL gap closes)."""
    from leadflow.reporting import find_lead

    at = as_utc(now)
    with session_scope() as session:
        lead = find_lead(session, lead_ref)
        assignment = session.scalar(select(Assignment).where(
            Assignment.lead_id == lead.id, Assignment.status == "offered").order_by(Assignment.id.desc()))
        if assignment is None:
            raise UnknownLead(f"lead {lead.id} has no open assignment to accept")
        assignment.status, assignment.closed_at = "accepted", at
        lead.status = "accepted"
        record(session, lead_id=lead.id, kind="accept", rule_id=assignment.rule_id,
               outcome=f"accepted by {assignment.rep}", reason="rep accepted the lead",
               inputs={"assignment_id": assignment.id}, at=at)
        change_stage(session, lead, "sql", f"accepted by {assignment.rep}", at)
        return f"lead {lead.id} accepted by {assignment.rep}"
