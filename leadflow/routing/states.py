"""Where every lead is: the states a lead may rest in, and the check that none is stranded.

The promise: every lead is owned by an active rep, in a queue with a deadline, in nurture,
in the shared pool, disqualified with a reason, or merged. Anything else is `stranded`.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.models import Assignment, Lead, QueueItem, Rep
from leadflow.routing.assignments import OPEN_STATUSES
from leadflow.routing.queues import QUEUED, QueueItemStatus
from leadflow.core.statuses import LeadStatus

# Lead.suppression_reason of a lead folded into another by a review merge (dedupe's own
# constant; routing may not import dedupe, so the value is written here too).
MERGED_AWAY = "merged"


class LeadState(StrEnum):
    OWNED = "owned by an active rep"
    QUEUED = "in a queue with a deadline"
    NURTURE = "in nurture"
    POOL = "in the pool"
    DISQUALIFIED = "disqualified with a reason"
    MERGED = "merged"
    NEW = "new, not yet placed"  # before scoring and routing ran on it
    STRANDED = "stranded"


def lead_states(session: Session) -> dict[int, LeadState]:
    """Every lead's state (a few queries for the whole table)."""
    active = set(session.scalars(select(Rep.key).where(Rep.active.is_(True))))
    held = set(
        session.execute(
            select(Assignment.lead_id, Assignment.rep).where(Assignment.status.in_(OPEN_STATUSES))
        ).tuples()
    )
    items = Counter(
        session.scalars(
            select(QueueItem.lead_id).where(
                QueueItem.status == QueueItemStatus.OPEN, QueueItem.due_at.is_not(None)
            )
        )
    )
    states: dict[int, LeadState] = {}
    for row in session.execute(
        select(
            Lead.id,
            Lead.status,
            Lead.owner_rep,
            Lead.suppressed,
            Lead.suppression_reason,
            Lead.disqualified_by,
        )
    ):
        states[row.id] = _state(row, active, held, items)
    return states


def _state(
    row: Any, active: set[str], held: set[tuple[int, str]], items: Counter[int]
) -> LeadState:
    if row.suppressed and row.suppression_reason == MERGED_AWAY:
        return LeadState.MERGED
    if row.status in (LeadStatus.ROUTED, LeadStatus.ACCEPTED):
        owned = row.owner_rep in active and (row.id, row.owner_rep) in held
        return LeadState.OWNED if owned else LeadState.STRANDED
    if row.status == QUEUED:
        return LeadState.QUEUED if items[row.id] == 1 else LeadState.STRANDED
    if row.status == LeadStatus.DISQUALIFIED:
        return LeadState.DISQUALIFIED if row.disqualified_by else LeadState.STRANDED
    simple = {"nurturing": LeadState.NURTURE, "pool": LeadState.POOL, "new": LeadState.NEW}
    return simple.get(row.status, LeadState.STRANDED)


def state_counts(session: Session) -> dict[str, int]:
    counts = Counter(lead_states(session).values())
    return {state.value: counts.get(state, 0) for state in LeadState}
