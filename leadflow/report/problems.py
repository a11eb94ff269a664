"""Why a run did less than it could: the reasons people otherwise find only in `explain`.

Read back from what the run recorded for its leads: outbox rows waiting with an error (SMTP
unreachable), leads whose enrichment provider sat out (disabled, over budget), and route
decisions that went to the fallback because the matching teams were off work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.core.models import Decision, Lead, OutboundEmail
from leadflow.core.statuses import EnrichmentStatus, OutboxStatus
from leadflow.core.value_lists import among

CHUNK = 1000  # lead ids per IN list: a million-row ingest must not build one giant statement
ENRICHMENT_PROBLEMS = (
    EnrichmentStatus.PROVIDER_DISABLED,
    EnrichmentStatus.BUDGET_EXHAUSTED,
    EnrichmentStatus.PROVIDER_ERROR,
    EnrichmentStatus.RATE_LIMITED,
    EnrichmentStatus.BAD_RESPONSE,
)
OFF_WORK = "%works now (out of hours or away)%"


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def waiting_emails(session: Session, lead_ids: list[int] | None = None) -> Counter[str]:
    """Emails held back with an error (all of them, or these leads'), by kind and error."""
    found: Counter[str] = Counter()
    query = (
        select(OutboundEmail.kind, OutboundEmail.error, func.count())
        .where(
            OutboundEmail.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)),
            OutboundEmail.error.is_not(None),
        )
        .group_by(OutboundEmail.kind, OutboundEmail.error)
    )
    if lead_ids is not None:
        query = query.where(among(OutboundEmail.lead_id, lead_ids))
    for kind, error, count in session.execute(query):
        label = "rep emails" if kind == "rep_notification" else f"{kind} emails"
        found[f"{label} not sent: {error.splitlines()[0][:120]}"] += count
    return found


def run_problems(session: Session, lead_ids: Iterable[int]) -> Counter[str]:
    """Reason -> how many emails or leads it held back, for these leads."""
    found: Counter[str] = Counter()
    for ids in _chunks(sorted(set(lead_ids))):
        found.update(waiting_emails(session, ids))
        enrichment = session.execute(
            select(Lead.enrichment_status, func.count())
            .where(among(Lead.id, ids), Lead.enrichment_status.in_(ENRICHMENT_PROBLEMS))
            .group_by(Lead.enrichment_status)
        )
        for status, count in enrichment:
            found[f"leads not enriched: {status.replace('_', ' ')}"] += count
        off_work = session.scalar(
            select(func.count(func.distinct(Decision.lead_id))).where(
                among(Decision.lead_id, ids),
                Decision.kind == "route",
                Decision.reason.like(OFF_WORK),
            )
        )
        if off_work:
            found["leads sent to the fallback: the matching teams were out of hours"] += off_work
    return found
