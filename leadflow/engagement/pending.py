"""Collect new engagement for re-scoring; mark it done only after the re-score."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.models import EngagementEvent
from leadflow.core.runtime import log


@dataclass
class NewEngagement:
    event_ids: list[int] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)


def take_new_engagement(limit: int = 5000) -> NewEngagement:
    with session_scope() as session:
        rows = session.execute(
            select(EngagementEvent.id, EngagementEvent.lead_id)
            .where(EngagementEvent.processed_at.is_(None))
            .order_by(EngagementEvent.id)
            .limit(limit)
        ).all()
    found = NewEngagement([r.id for r in rows], sorted({r.lead_id for r in rows}))
    log().info("%d new engagement events on %d leads", len(found.event_ids), len(found.lead_ids))
    return found


def mark_engagement_processed(event_ids: list[int], now: datetime | None = None) -> None:
    with session_scope() as session:
        session.execute(
            update(EngagementEvent)
            .where(EngagementEvent.id.in_(event_ids))
            .values(processed_at=as_utc(now))
        )
