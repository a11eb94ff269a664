"""Queues that drain: every lead waiting for a person has an owner team and a deadline.

A lead enters a queue when no rep can take it (a rule's `queue`, an `overflow`, or
`unassigned`). Past its deadline the queue's manager is emailed (one escalation), and past
the grace that follows the lead goes to the shared pool, where reps claim it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.routing.policy import RoutingPolicy
from leadflow.core.decisions import record
from leadflow.core.models import Lead, QueueItem
from leadflow.routing.people import managers_of
from leadflow.core.statuses import LeadStatus, QueueItemStatus


QUEUED = LeadStatus.QUEUED  # the lead status of a lead with an open queue item


def open_item(session: Session, lead_id: int) -> QueueItem | None:
    return session.scalar(
        select(QueueItem)
        .where(QueueItem.lead_id == lead_id, QueueItem.status == QueueItemStatus.OPEN)
        .order_by(QueueItem.id)
    )


def enqueue(
    session: Session,
    lead: Lead,
    queue: str,
    policy: RoutingPolicy,
    at: datetime,
    why: str,
    actor: str | None = None,
) -> QueueItem:
    """Put the lead in ``queue`` with the queue's deadline; a lead already waiting keeps its
    place and its deadline (routing it again must not reset the clock)."""
    item = open_item(session, lead.id)
    if item is not None and item.queue == queue:
        lead.status, lead.owner_rep = QUEUED, None
        return item
    if item is not None:
        _close(item, at, QueueItemStatus.LEFT, actor, f"moved to queue {queue}")
    config = policy.queue_of(queue)
    item = QueueItem(
        lead_id=lead.id,
        queue=queue,
        team=config.team,
        status=QueueItemStatus.OPEN,
        entered_at=at,
        due_at=at + timedelta(hours=config.within_hours),
        escalations=0,
    )
    session.add(item)
    lead.status, lead.owner_rep, lead.updated_at = QUEUED, None, at
    record(
        session,
        lead_id=lead.id,
        kind="queue",
        rule_id=f"queue:{queue}",
        outcome=f"waits in queue {queue} for team {config.team}",
        reason=why,
        actor=actor,
        inputs={"queue": queue, "team": config.team, "due_at": item.due_at},
        at=at,
        config_version=policy.config_version,
    )
    session.flush()
    return item


def _close(
    item: QueueItem, at: datetime, status: QueueItemStatus, by: str | None, why: str
) -> None:
    item.status, item.closed_at, item.closed_by, item.close_reason = status, at, by, why


def leave_queue(
    session: Session, lead_id: int, at: datetime, status: str, why: str, by: str | None = None
) -> QueueItem | None:
    """Close the lead's open queue item, if it has one."""
    item = open_item(session, lead_id)
    if item is not None:
        _close(item, at, QueueItemStatus(status), by, why)
    return item


@dataclass
class Escalation:
    """One manager's email: the overdue items of their queues."""

    to: str
    name: str
    items: list[tuple[int, str, datetime]] = field(default_factory=list)  # lead, queue, due


@dataclass
class QueueSweep:
    escalated: list[int] = field(default_factory=list)  # lead ids whose manager was told
    pooled: list[int] = field(default_factory=list)  # lead ids sent on to the pool
    emails: dict[str, Escalation] = field(default_factory=dict)


PoolLead = Callable[[Session, Lead, str], None]


def sweep_queues(
    session: Session, policy: RoutingPolicy, at: datetime, pool_lead: PoolLead
) -> QueueSweep:
    """Escalate every overdue open item: first to the queue's manager, then to the pool.
    ``pool_lead(session, lead, why)`` returns a lead to the shared pool."""

    result = QueueSweep()
    overdue = session.scalars(
        select(QueueItem)
        .where(QueueItem.status == QueueItemStatus.OPEN, QueueItem.due_at < at)
        .order_by(QueueItem.id)
    ).all()
    for item in overdue:
        lead = session.get(Lead, item.lead_id)
        config = policy.queue_of(item.queue)
        if lead is None or lead.status != QUEUED or lead.suppressed:
            # Merged, suppressed or moved on while waiting: nobody needs to be told.
            why = "gone" if lead is None else lead.suppression_reason or lead.status
            _close(item, at, QueueItemStatus.LEFT, None, f"lead is {why}")
            continue
        if item.escalations == 0:
            managers = managers_of(session, policy, config)
            item.escalations, item.due_at = 1, item.due_at + timedelta(hours=config.grace_hours)
            for person in managers:
                mail = result.emails.setdefault(person.email, Escalation(person.email, person.name))
                mail.items.append((lead.id, item.queue, item.due_at))
            record(
                session,
                lead_id=lead.id,
                kind="escalate",
                rule_id=f"queue:{item.queue}",
                outcome=f"overdue in {item.queue}: manager emailed",
                reason=f"nobody took it within {config.within_hours:g}h; next: the pool",
                inputs={"to": [p.key for p in managers], "due_at": item.due_at},
                at=at,
            )
            result.escalated.append(lead.id)
            continue
        _close(item, at, QueueItemStatus.POOLED, None, "overdue after the manager was told")
        pool_lead(session, lead, f"overdue in queue {item.queue} after escalation")
        result.pooled.append(lead.id)
    return result


def queued_items(session: Session, queue: str | None = None) -> list[tuple[QueueItem, Lead]]:
    """Open items (of one queue, or all), oldest deadline first, with their leads."""
    query = (
        select(QueueItem, Lead)
        .join(Lead, Lead.id == QueueItem.lead_id)
        .where(QueueItem.status == QueueItemStatus.OPEN)
    )
    if queue:
        query = query.where(QueueItem.queue == queue)
    return [
        (item, lead)
        for item, lead in session.execute(query.order_by(QueueItem.due_at, QueueItem.id))
    ]
