"""The every-minute search for staged rows, and the quarantine listing, read the rows they
return, whatever the planner's statistics say. Through a filter on the status alone,
PostgreSQL with statistics gathered while a large file was staged (every row 'staged')
scanned the whole table for the few rows still waiting, every minute, once the file had
been cleaned (docs/scaling.md, ninth session)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from leadflow.core.db import session_scope
from leadflow.core.statuses import RowStatus
from leadflow.ingest.pending import staged_query, staged_rows
from leadflow.ingest.quarantine import list_rows
from tests.conftest import only_on
from tests.support.source_rows import source_rows_read, stage_campaign

pytestmark = [pytest.mark.db]

ROWS, WAITING = 3000, 40


def _set_status(ids: list[int], status: RowStatus) -> None:
    with session_scope() as session:
        session.execute(
            text("UPDATE source_record SET status = :status WHERE id BETWEEN :first AND :last"),
            {"status": status, "first": ids[0], "last": ids[-1]},
        )


def _stale_statistics() -> tuple[list[int], list[int]]:
    """A large file analysed while staged, then cleaned (most created, a few quarantined), and
    a small file staged since: (the quarantined rows, the rows waiting). Analysed on
    PostgreSQL only: leadflow never analyses SQLite (core/db.analyze_grown), which then plans
    from its schema alone."""
    _, big = stage_campaign("big-file", ROWS)
    with session_scope() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE source_record"))
    _set_status(big, RowStatus.CREATED)
    quarantined = big[-WAITING:]
    _set_status(quarantined, RowStatus.QUARANTINED)
    return quarantined, stage_campaign("small-file", WAITING)[1]


@only_on("postgresql")
def test_the_search_for_staged_rows_reads_only_the_rows_waiting(leadflow_env):
    _, waiting = _stale_statistics()
    found: list = []
    read = source_rows_read(lambda session: found.extend(session.execute(staged_query())))
    assert [row.id for row in found] == waiting
    assert [(w.campaign, w.rows, w.batches) for w in staged_rows(batch_size=WAITING)] == [
        ("small-file", WAITING, [(waiting[0], waiting[-1])])
    ]
    # Filtered on the status as a bound value, under these statistics: all 3,040 rows read.
    assert read <= 2 * WAITING


@only_on("postgresql")
def test_the_quarantine_listing_reads_only_the_quarantined_rows(leadflow_env):
    quarantined, _ = _stale_statistics()
    listed: list = []
    read = source_rows_read(lambda session: listed.extend(list_rows(session)))
    assert [row.id for row in listed] == quarantined
    assert read <= 2 * WAITING


def test_both_searches_go_through_the_index_of_their_status(leadflow_env):
    """On both databases: the statements the two searches send are planned through the
    partial index that holds only the rows of their status. SQLite uses such an index only
    when the query names the status as a literal, not as a bound value."""
    _stale_statistics()
    with session_scope() as session:
        staged = _plans(session, lambda: staged_rows(batch_size=WAITING))
        listed = _plans(session, lambda: list_rows(session))
    assert staged and all("ix_source_record_staged" in plan for plan in staged)
    assert listed and all("ix_source_record_quarantined" in plan for plan in listed)


def _plans(session: Session, work: Callable[[], object]) -> list[str]:
    """The plans of the statements on source_record that ``work`` sends, as sent."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM source_record" in statement:
            sent.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    return [
        " ".join(str(row) for row in session.connection().exec_driver_sql(explain + sql, params))
        for sql, params in sent
    ]
