"""Source rows staged in bulk, and the rows of source_record a piece of work read: for the
tests that check a lookup reads its own rows whatever PostgreSQL's statistics say."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, SourceRecord
from leadflow.core.statuses import RowStatus


def stage_campaign(name: str, rows: int) -> tuple[int, list[int]]:
    """A campaign of ``rows`` staged rows, one file named after it: its id and its rows' ids."""
    with session_scope() as session:
        campaign = session.scalar(insert(Campaign).values(name=name).returning(Campaign.id))
        records = session.scalars(
            insert(SourceRecord).returning(SourceRecord.id, sort_by_parameter_order=True),
            [
                {
                    "campaign_id": campaign,
                    "source_name": f"{name}.csv",
                    "source_hash": name,
                    "line_no": i,
                    "payload": {"values": [f"p{i}@{name}.example"]},
                    "payload_hash": "x",
                    "status": RowStatus.STAGED,
                }
                for i in range(rows)
            ],
        ).all()
    assert campaign is not None
    return campaign, list(records)


def source_rows_read(work: Callable[[Session], object]) -> int:
    """PostgreSQL: rows of source_record that ``work`` read in the session it is given, by scan
    or fetched through an index. The backend's own counts, before and after: they also hold
    its earlier transactions' until it reports them, at most once a second."""
    counts = text(
        "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
        " WHERE relname = 'source_record'"
    )
    with session_scope() as session:
        before = session.execute(counts).scalar_one()
        work(session)
        return int(session.execute(counts).scalar_one() - before)
