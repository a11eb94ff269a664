"""The closed loop after routing: a rep accepts, rejects or works a lead; every step is a decision.

The same functions serve the CLI (by lead), the signed links in the rep's email (by
assignment) and the CRM activity webhook, so each path behaves alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.core.errors import UnknownLead
from leadflow.core.lifecycle import change_stage
from leadflow.core.models import Assignment, Lead
from leadflow.core.runtime import current_flow_run_id
from leadflow.report.views import find_lead
from leadflow.routing.assignments import return_credit
from leadflow.routing.pool import return_to_pool
from leadflow.core.statuses import AssignmentStatus, LeadStatus, LifecycleStage

REJECT_REASONS = ("wrong_match", "not_ready")


class AssignmentClosed(UnknownLead):
    """The assignment exists but is no longer the rep's to act on (already handled, moved on)."""


def back_to_pool(
    session: Session, lead: Lead, at: datetime, why: str, actor: str | None = None
) -> None:
    """The lead goes to the shared pool (reps may claim it; nurture resumes after a grace)."""
    return_to_pool(session, lead, at, why, flow_run_id=current_flow_run_id(), actor=actor)


def _open_assignment(
    session: Session, lead_id: int, statuses: tuple[str, ...] = ("offered",)
) -> Assignment:
    assignment = session.scalar(
        select(Assignment)
        .where(Assignment.lead_id == lead_id, Assignment.status.in_(statuses))
        .order_by(Assignment.id.desc())
    )
    if assignment is None:
        raise UnknownLead(f"lead {lead_id} has no open assignment")
    return assignment


def _offered_lead(session: Session, assignment: Assignment) -> Lead:
    """The lead of an assignment still open to accept or reject."""
    if assignment.status != AssignmentStatus.OFFERED:
        raise AssignmentClosed(f"assignment {assignment.id} is already {assignment.status}")
    lead = session.get(Lead, assignment.lead_id)
    if lead is None:
        raise UnknownLead(f"lead {assignment.lead_id} is gone")
    return lead


def reject_assignment(
    session: Session, assignment: Assignment, reason: str, note: str, at: datetime, via: str
) -> str:
    """Wrong match -> "reroute" (never to this rep, nor by this rule); not ready -> "pool"."""
    if reason not in REJECT_REASONS:
        raise ValueError(f"reason must be one of {', '.join(REJECT_REASONS)}")
    lead = _offered_lead(session, assignment)
    assignment.status, assignment.reason, assignment.closed_at = (
        AssignmentStatus.REJECTED,
        reason,
        at,
    )
    record(
        session,
        lead_id=lead.id,
        kind="reject",
        rule_id=reason,
        outcome=f"rejected by {assignment.rep}",
        actor=assignment.rep,
        reason=note or reason,
        inputs={"assignment_id": assignment.id, "rule": assignment.rule_id, "via": via},
        at=at,
    )
    if reason == "not_ready":
        back_to_pool(session, lead, at, f"{assignment.rep}: not ready")
        return "pool"
    return_credit(session, assignment)
    # The rule sent the lead somewhere it did not belong: a person should look at it.
    record(
        session,
        lead_id=lead.id,
        kind="rule_review",
        rule_id=assignment.rule_id,
        outcome="flagged for review",
        reason=f"{assignment.rep} says wrong match: {note or 'no note'}",
        inputs={"assignment_id": assignment.id, "rep": assignment.rep, "team": assignment.team},
        at=at,
    )
    lead.status, lead.owner_rep, lead.updated_at = LeadStatus.POOL, None, at
    return "reroute"


def accept_assignment(session: Session, assignment: Assignment, at: datetime, via: str) -> str:
    if assignment.status == AssignmentStatus.ACCEPTED:
        return f"lead {assignment.lead_id} was already accepted by {assignment.rep}"
    lead = _offered_lead(session, assignment)
    assignment.status, assignment.closed_at, assignment.accepted_at = (
        AssignmentStatus.ACCEPTED,
        at,
        at,
    )
    assignment.last_activity_at = at
    lead.status = LeadStatus.ACCEPTED
    record(
        session,
        lead_id=lead.id,
        kind="accept",
        rule_id=assignment.rule_id,
        actor=assignment.rep,
        outcome=f"accepted by {assignment.rep}",
        reason="rep accepted the lead",
        inputs={"assignment_id": assignment.id, "via": via},
        at=at,
    )
    change_stage(session, lead, LifecycleStage.SQL, f"accepted by {assignment.rep}", at)
    return f"lead {lead.id} accepted by {assignment.rep}"


def log_activity(
    session: Session, assignment: Assignment, what: str, at: datetime, via: str
) -> str:
    """A call, a meeting, a reply: the accepted lead is being worked, so it stays with its rep."""
    if assignment.status != AssignmentStatus.ACCEPTED:
        raise AssignmentClosed(f"assignment {assignment.id} is {assignment.status}, not accepted")
    if assignment.last_activity_at is None or at > assignment.last_activity_at:
        assignment.last_activity_at = at
    record(
        session,
        lead_id=assignment.lead_id,
        kind="activity",
        rule_id=via,
        actor=assignment.rep,
        outcome=f"{assignment.rep}: {what}"[:200],
        reason="the rep is working the lead",
        inputs={"assignment_id": assignment.id, "via": via},
        at=at,
    )
    return f"activity recorded on lead {assignment.lead_id} for {assignment.rep}"


def reject_lead(lead_id: int, reason: str, note: str = "", now: datetime | None = None) -> str:
    """A rep rejects their lead: wrong match -> route again (not to them); not ready -> pool."""
    if reason not in REJECT_REASONS:
        raise ValueError(f"reason must be one of {', '.join(REJECT_REASONS)}")
    with session_scope() as session:
        return reject_assignment(
            session, _open_assignment(session, lead_id), reason, note, as_utc(now), "cli"
        )


def accept_lead(lead_ref: str, now: datetime | None = None) -> str:
    """The rep takes the lead: assignment accepted, lifecycle stage SQL (the MQL/SQL gap closes)."""

    with session_scope() as session:
        lead = find_lead(session, lead_ref)
        return accept_assignment(session, _open_assignment(session, lead.id), as_utc(now), "cli")


def lead_activity(lead_ref: str, what: str, now: datetime | None = None, via: str = "cli") -> str:

    with session_scope() as session:
        lead = find_lead(session, lead_ref)
        return log_activity(
            session, _open_assignment(session, lead.id, ("accepted",)), what, as_utc(now), via
        )
