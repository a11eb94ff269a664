"""Read-only views over the database: totals for summaries, traces for explain."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from leadflow.core.errors import UnknownLead
from leadflow.core.models import Assignment, Decision, Lead, OutboundEmail, SourceRecord
from leadflow.core.statuses import OutboxStatus


@dataclass
class Totals:
    rows_read: int = 0
    quarantined: int = 0
    merged: int = 0
    leads: int = 0
    temperature: Counter[str] = field(default_factory=Counter)
    routed_per_rep: Counter[str] = field(default_factory=Counter)
    assignments: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)
    routed_from_nurture: int = 0


def _count_by(session: Session, column, *where) -> Counter[str]:  # type: ignore[no-untyped-def]
    rows = session.execute(select(column, func.count()).where(*where).group_by(column)).all()
    return Counter({str(key): n for key, n in rows})


def _routed_from_nurture(session: Session) -> int:
    """Leads routed after they had been nurtured: engagement made them hot."""
    enrolled_before = aliased(Decision)
    return (
        session.scalar(
            select(func.count(func.distinct(Decision.lead_id))).where(
                Decision.kind == "route",
                select(enrolled_before.id)
                .where(
                    enrolled_before.lead_id == Decision.lead_id,
                    enrolled_before.kind == "enroll",
                    enrolled_before.id < Decision.id,
                )
                .exists(),
            )
        )
        or 0
    )


def totals(session: Session) -> Totals:
    statuses = _count_by(session, SourceRecord.status)
    sent = OutboundEmail.status == OutboxStatus.SENT
    return Totals(
        rows_read=sum(statuses.values()),
        quarantined=statuses.get("quarantined", 0),
        merged=statuses.get("merged", 0),
        leads=session.scalar(select(func.count()).select_from(Lead)) or 0,
        temperature=_count_by(session, Lead.temperature),
        routed_per_rep=_count_by(session, Assignment.rep),
        assignments=_count_by(session, Assignment.status),
        emails=_count_by(session, OutboundEmail.kind, sent),
        routed_from_nurture=_routed_from_nurture(session),
    )


def find_lead(session: Session, ref: str) -> Lead:
    lead = (
        session.get(Lead, int(ref))
        if ref.isdigit()
        else session.scalar(select(Lead).where(Lead.email == ref.strip().lower()))
    )
    if lead is None:
        raise UnknownLead(f"no lead {ref!r}")
    return lead


def trace(session: Session, lead_id: int) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision).where(Decision.lead_id == lead_id).order_by(Decision.at, Decision.id)
        )
    )
