"""Find staged rows waiting to be processed: captured forms and fixed quarantine rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, select

from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, SourceRecord, row_status_is
from leadflow.core.runtime import log
from leadflow.core.settings import get_settings
from leadflow.core.statuses import RowStatus
from leadflow.core.value_lists import among


@dataclass
class PendingWork:
    campaign_id: int
    campaign: str
    rows: int
    batches: list[tuple[int, int]] = field(default_factory=list)


def _chunks(ids: list[int], size: int) -> list[tuple[int, int]]:
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def staged_query(
    record_ids: list[int] | None = None, source_prefix: str | None = None, limit: int = 50_000
) -> Select[tuple[int, int, str]]:
    """The first ``limit`` staged rows in id order: (id, campaign id, campaign name)."""
    query = (
        select(SourceRecord.id, SourceRecord.campaign_id, Campaign.name)
        .join(Campaign, Campaign.id == SourceRecord.campaign_id)
        .where(row_status_is(RowStatus.STAGED))
        .order_by(SourceRecord.id)
        .limit(limit)
    )
    if record_ids is not None:
        query = query.where(among(SourceRecord.id, record_ids))
    if source_prefix:
        query = query.where(SourceRecord.source_name.startswith(source_prefix))
    return query


def staged_rows(
    record_ids: list[int] | None = None,
    source_prefix: str | None = None,
    batch_size: int | None = None,
    limit: int = 50_000,
) -> list[PendingWork]:
    """Staged rows by campaign, in id-range batches (of LEADFLOW_BATCH_SIZE rows unless
    ``batch_size`` says); all of them, or those named or from a source kind."""
    batch_size = batch_size or get_settings().batch_size
    work: dict[int, tuple[str, list[int]]] = {}
    with session_scope() as session:
        for record_id, campaign_id, name in session.execute(
            staged_query(record_ids, source_prefix, limit)
        ):
            work.setdefault(campaign_id, (name, []))[1].append(record_id)
    found = [
        PendingWork(cid, name, len(ids), _chunks(ids, batch_size))
        for cid, (name, ids) in work.items()
    ]
    log().info("%d staged rows in %d campaigns", sum(w.rows for w in found), len(found))
    return found
