"""Read-only views of the queues and the pool, as plain rows (the CLI prints them, --json dumps)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from leadflow.core.clock import as_utc
from leadflow.routing.policy import load_routing
from leadflow.core.db import session_scope
from leadflow.core.errors import UnknownLead
from leadflow.core.models import Decision, QueueItem
from leadflow.routing.pool import pool_leads
from leadflow.routing.queues import queued_items
from leadflow.core.settings import get_settings


def queue_summary(now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per queue named in the policy or holding leads: team, deadline, waiting, overdue."""
    at, policy = as_utc(now), load_routing(get_settings().routing_dir)
    rows: dict[str, dict[str, Any]] = {}
    for name in policy.queues:
        config = policy.queue_of(name)
        rows[name] = {
            "queue": name,
            "team": config.team,
            "within_hours": config.within_hours,
            "waiting": 0,
            "overdue": 0,
            "escalated": 0,
            "next_due": None,
        }
    with session_scope() as session:
        for item, _ in queued_items(session):
            config = policy.queue_of(item.queue)
            row = rows.setdefault(
                item.queue,
                {
                    "queue": item.queue,
                    "team": config.team,
                    "within_hours": config.within_hours,
                    "waiting": 0,
                    "overdue": 0,
                    "escalated": 0,
                    "next_due": None,
                },
            )
            row["waiting"] += 1
            row["overdue"] += item.due_at < at
            row["escalated"] += item.escalations > 0
            row["next_due"] = min(filter(None, (row["next_due"], item.due_at.isoformat())))
    return sorted(rows.values(), key=lambda r: r["queue"])


def _lead_row(lead: Any) -> dict[str, Any]:
    return {
        "lead_id": lead.id,
        "email": lead.email,
        "company": lead.company,
        "country": lead.country,
        "score": lead.score,
        "temperature": lead.temperature,
    }


def queue_items(queue: str | None = None) -> list[dict[str, Any]]:
    with session_scope() as session:
        return [
            {
                **_lead_row(lead),
                "queue": item.queue,
                "team": item.team,
                "entered_at": item.entered_at.isoformat(),
                "due_at": item.due_at.isoformat(),
                "escalated": item.escalations > 0,
            }
            for item, lead in queued_items(session, queue)
        ]


def queue_item_history(lead_id: int) -> dict[str, Any]:
    """A lead's queue stays and the decisions about it (what `queue show` prints)."""
    with session_scope() as session:
        stays = list(
            session.scalars(
                select(QueueItem).where(QueueItem.lead_id == lead_id).order_by(QueueItem.id)
            )
        )
        if not stays:
            raise UnknownLead(f"lead {lead_id} has never waited in a queue")
        decisions = session.scalars(
            select(Decision).where(Decision.lead_id == lead_id).order_by(Decision.at, Decision.id)
        )
        return {
            "lead_id": lead_id,
            "stays": [
                {
                    "queue": s.queue,
                    "team": s.team,
                    "status": s.status,
                    "entered_at": s.entered_at.isoformat(),
                    "due_at": s.due_at.isoformat(),
                    "closed_by": s.closed_by,
                    "close_reason": s.close_reason,
                }
                for s in stays
            ],
            "decisions": [
                {
                    "at": d.at.isoformat(),
                    "kind": d.kind,
                    "outcome": d.outcome,
                    "actor": d.actor,
                    "reason": d.reason,
                }
                for d in decisions
            ],
        }


def pool_rows(limit: int = 100) -> list[dict[str, Any]]:
    with session_scope() as session:
        leads = pool_leads(session, limit)
        last = defaultdict(str)
        for lead_id, outcome in session.execute(
            select(Decision.lead_id, Decision.reason)
            .where(Decision.lead_id.in_([lead.id for lead in leads]), Decision.kind == "pool")
            .order_by(Decision.id)
        ):
            last[lead_id] = outcome
        return [{**_lead_row(lead), "why_in_pool": last[lead.id]} for lead in leads]
