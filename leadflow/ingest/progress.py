"""What a progress bar needs from the database: rows of a file, rows of a run processed so far."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import case, func, select

from leadflow.core.db import session_scope
from leadflow.core.errors import LeadflowError
from leadflow.core.models import Campaign, SourceRecord
from leadflow.ingest.sources import open_source
from leadflow.core.statuses import RowStatus
from leadflow.core.value_lists import among

ProgressRead = Callable[[], tuple[int | None, int]]  # () -> (total or None, rows done)
IDS_PER_QUERY = 10_000


def count_rows(path: str, encoding: str | None = None) -> int | None:
    """The file's data rows, read once up front so the bar has a total from the start."""
    try:
        with open_source(path, encoding=encoding) as (_, rows):
            return sum(1 for _ in rows)
    except LeadflowError:
        return None  # the command itself says what is wrong with the file


def _campaign_counts(campaign: str) -> tuple[int, int]:
    """(rows staged so far, rows processed so far) for a campaign."""
    with session_scope() as session:
        done = func.sum(case((SourceRecord.status != RowStatus.STAGED, 1), else_=0))
        total, processed = session.execute(
            select(func.count(SourceRecord.id), done)
            .join(Campaign, Campaign.id == SourceRecord.campaign_id)
            .where(Campaign.name == campaign)
        ).one()
    return total or 0, processed or 0


def campaign_counter(campaign: str) -> ProgressRead:
    """Rows of this run: those staged and processed since now (a campaign may have earlier runs)."""
    staged_before, processed_before = _campaign_counts(campaign)

    def read() -> tuple[int | None, int]:
        staged, processed = _campaign_counts(campaign)
        return (staged - staged_before) or None, processed - processed_before

    return read


def records_counter(record_ids: Sequence[int]) -> ProgressRead:
    """Of the records named (a quarantine replay), those no longer waiting as staged."""
    ids = list(record_ids)
    # In chunks: SQLite takes at most 32766 bound values in one statement.
    chunks = [ids[k : k + IDS_PER_QUERY] for k in range(0, len(ids), IDS_PER_QUERY)]

    def read() -> tuple[int | None, int]:
        waiting = 0
        with session_scope() as session:
            for chunk in chunks:
                staged = among(SourceRecord.id, chunk) & (SourceRecord.status == RowStatus.STAGED)
                waiting += session.scalar(select(func.count(SourceRecord.id)).where(staged)) or 0
        return len(ids), len(ids) - waiting

    return read
