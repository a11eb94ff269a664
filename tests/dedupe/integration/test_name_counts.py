"""The name counts the database keeps (migration 0009's triggers) equal a count of the lead
table after every kind of write, and ANALYZE follows growth on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from leadflow.core.db import analyze_grown, session_scope
from leadflow.core.models import Base, Enrollment, Lead, LeadNameCount
from leadflow.dedupe.batch_store import ANALYZED, LOOKED_UP
from tests.conftest import only_on
from leadflow.dedupe.merging.candidates import ALL_LEADS, MERGED_AWAY, _live, name_counts

pytestmark = pytest.mark.db
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


def _counted() -> dict[str, int]:
    """What the triggers should hold: live leads per name key, '' for all live leads."""
    with session_scope() as session:
        per_name = dict(
            session.execute(
                select(Lead.name_key, func.count())
                .where(Lead.name_key.is_not(None), _live())
                .group_by(Lead.name_key)
            )
            .tuples()
            .all()
        )
        per_name[ALL_LEADS] = session.scalar(select(func.count()).where(_live()))
    return {k: n for k, n in per_name.items() if n}


def _kept() -> dict[str, int]:
    with session_scope() as session:
        rows = session.execute(select(LeadNameCount.name_key, LeadNameCount.n)).tuples()
        return {k: n for k, n in rows if n}


def _leads(n: int, name_key: str | None, start: int = 0) -> list[dict]:
    return [{"email": f"p{start + i}@x{i % 3}.com", "name_key": name_key} for i in range(n)]


def test_counts_follow_inserts_updates_and_deletes(leadflow_env):
    with session_scope() as session:
        session.execute(insert(Lead), _leads(5, "j500 s530") + _leads(3, "a400", 5))
        session.execute(insert(Lead), _leads(2, None, 8))  # one statement, one trigger run
    assert _kept() == _counted() == {"j500 s530": 5, "a400": 3, ALL_LEADS: 10}
    with session_scope() as session:
        first = session.scalar(select(func.min(Lead.id)))
        session.execute(update(Lead).where(Lead.id == first).values(name_key="a400"))
        session.execute(
            update(Lead).where(Lead.id == first + 1).values(suppression_reason=MERGED_AWAY)
        )
        session.execute(update(Lead).where(Lead.id == first + 2).values(suppression_reason="x"))
        session.execute(update(Lead).values(status="scored"))  # other columns: nothing changes
        session.execute(delete(Lead).where(Lead.email == "p9@x1.com"))
    assert _kept() == _counted() == {"j500 s530": 3, "a400": 4, ALL_LEADS: 8}
    with session_scope() as session:  # merged away and back: live again
        session.execute(update(Lead).where(Lead.id == first + 1).values(suppression_reason=None))
    assert _kept() == _counted()


def test_name_counts_reads_the_kept_counts(leadflow_env):
    with session_scope() as session:
        session.execute(insert(Lead), _leads(4, "m000") + _leads(1, "k000", 4))
    with session_scope() as session:
        assert name_counts(session, {"m000", "k000", "z999"}) == ({"m000": 4, "k000": 1}, 5)


def test_the_looked_up_columns_are_the_tables_own():
    assert set(LOOKED_UP) <= set(ANALYZED)
    for table, columns in ANALYZED.items():
        assert set(columns) <= set(Base.metadata.tables[table].c.keys()), table


@only_on("postgresql")  # planner statistics are PostgreSQL's; SQLite plans from its indexes
def test_the_later_stages_lookups_plan_by_lead_once_their_tables_grew(leadflow_env):
    """Routing takes routed leads out of nurture by ``lead_id = ANY(ids)``: planned on no
    statistics, that walked every active enrollment; after the batch's ANALYZE, the index."""
    with session_scope() as session:  # counters of this table alone, whatever ran before
        session.execute(text("SELECT pg_stat_reset_single_table_counters('enrollment'::regclass)"))
        session.execute(insert(Lead), _leads(6000, "e000"))
        ids = session.scalars(select(Lead.id).order_by(Lead.id)).all()
        session.execute(
            insert(Enrollment),
            [
                {
                    "lead_id": i,
                    "sequence": "s",
                    "next_step": 1,
                    "status": "active",
                    "enrolled_at": NOW,
                }
                for i in ids
            ],
        )
        session.execute(text("SELECT pg_stat_force_next_flush()"))
    with session_scope() as session:
        assert "enrollment" in analyze_grown(session, ANALYZED)
        plan = "\n".join(
            session.scalars(
                text(
                    "EXPLAIN UPDATE enrollment SET status = 'exited'"
                    " WHERE lead_id = ANY(CAST(:ids AS INTEGER[])) AND status = 'active'"
                ),
                {"ids": list(ids[:50])},  # a batch among many more enrolled leads
            )
        )
    assert "ix_enrollment_lead_id" in plan, plan
