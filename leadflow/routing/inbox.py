"""A rep's inbox: the leads offered to or accepted by one rep, with why and by when.

Read-only; acting on a lead goes through leadflow.pipeline.rep_actions like the links do.
Times stay UTC here with the rep's time zone beside them; the page shows local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.models import Assignment, Lead
from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.policy_cache import current_routing_policy
from leadflow.routing.words import why_words
from leadflow.core.statuses import AssignmentStatus

OPEN = ("offered", "accepted")


@dataclass(frozen=True)
class InboxItem:
    assignment_id: int
    lead_id: int
    name: str
    company: str
    email: str
    score: int
    grade: str | None
    temperature: str | None
    status: str  # offered | accepted
    rule_id: str
    why: str
    assigned_at: datetime
    sla_due_at: datetime  # UTC
    due_local: datetime  # the same moment in the rep's time zone
    last_activity_at: datetime | None
    rep: str = ""

    def clock(self, now: datetime) -> str:
        """How long is left to accept, or how late it is, in words."""
        if self.status != AssignmentStatus.OFFERED:
            return "accepted"
        left = int((self.sla_due_at - now).total_seconds() // 60)
        return f"due in {span(left)}" if left >= 0 else f"overdue by {span(-left)}"

    def overdue(self, now: datetime) -> bool:
        return self.status == AssignmentStatus.OFFERED and self.sla_due_at < now


def span(minutes: int) -> str:
    """A duration in words a rep reads at a glance: days past two days, else hours and minutes."""
    hours = minutes // 60
    if hours >= 48:
        return f"{hours // 24} days {hours % 24} h"
    return f"{hours} h {minutes % 60:02d} min" if hours else f"{minutes} min"


def rep_time_zone(policy: RoutingPolicy, rep_key: str) -> str:
    for team in policy.teams:
        for rep in team.reps:
            if rep.key == rep_key:
                hours = rep.working_hours or team.working_hours
                return hours.time_zone if hours else "UTC"
    return "UTC"


def inbox_item(
    assignment: Assignment, lead: Lead, policy: RoutingPolicy, zone: ZoneInfo
) -> InboxItem:
    due = as_utc(assignment.sla_due_at)
    return InboxItem(
        assignment.id,
        lead.id,
        lead.full_name or lead.email,
        lead.company or lead.domain or "",
        lead.email,
        lead.score,
        lead.grade,
        lead.temperature,
        assignment.status,
        assignment.rule_id,
        why_words(assignment.rule_id, policy),
        as_utc(assignment.assigned_at),
        due,
        due.astimezone(zone),
        assignment.last_activity_at,
        assignment.rep,
    )


def rep_inbox(rep_key: str) -> list[InboxItem]:
    """Open assignments of one rep: waiting ones first by deadline, then accepted, newest first."""
    policy = current_routing_policy()
    zone = ZoneInfo(rep_time_zone(policy, rep_key))
    with session_scope() as session:
        rows = session.execute(
            select(Assignment, Lead)
            .join(Lead, Lead.id == Assignment.lead_id)
            .where(Assignment.rep == rep_key, Assignment.status.in_(OPEN))
        ).all()
        items = [inbox_item(a, lead, policy, zone) for a, lead in rows]
    offered = sorted(
        (i for i in items if i.status == AssignmentStatus.OFFERED), key=lambda i: i.sla_due_at
    )
    accepted = sorted(
        (i for i in items if i.status == AssignmentStatus.ACCEPTED),
        key=lambda i: i.assigned_at,
        reverse=True,
    )
    return offered + accepted


def was_assigned(rep_key: str, lead_id: int) -> bool:
    """Whether the lead was ever offered to this rep (what a rep may read of it)."""
    with session_scope() as session:
        return (
            session.scalar(
                select(Assignment.id)
                .where(Assignment.rep == rep_key, Assignment.lead_id == lead_id)
                .limit(1)
            )
            is not None
        )
