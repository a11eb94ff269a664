"""``sqlite_writes.executemany`` stores what ``session.execute(statement, rows)`` stores, on both
databases; on SQLite the rows reach the driver as one executemany bound by it (no SQLAlchemy
parameter pass), and statements it cannot bind so go through ``session.execute``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.exc import StatementError

from leadflow.core import sqlite_writes
from leadflow.core.bulk_writes import KeyedUpdate, insert_new_rows, insert_rows
from leadflow.core.db import get_engine, session_scope
from leadflow.core.lead_stages import PipelineStage, moved_to
from leadflow.core.models import Lead
from leadflow.core.statuses import LeadStatus

pytestmark = pytest.mark.db
LEAD = Lead.__table__
AT = datetime(2026, 12, 7, 9, 30, 1, 250000, tzinfo=UTC)


def _leads(prefix: str, stage: str = "cleaned", count: int = 6) -> list[int]:
    rows = [
        {
            "email": f"{prefix}{i}@acme.example",
            "status": LeadStatus.NEW,
            "pipeline_stage": stage,
        }
        for i in range(count)
    ]
    with session_scope() as session:
        insert_rows(session, LEAD, rows)
        ids = session.scalars(
            select(LEAD.c.id).where(LEAD.c.email.like(f"{prefix}%")).order_by(LEAD.c.email)
        )
        return list(ids)


def _moved(stage: PipelineStage) -> KeyedUpdate:
    return KeyedUpdate(
        LEAD,
        "lead_id",
        {"industry": "v_industry", "enriched_at": "v_at", "enrichment_provenance": "v_prov"},
        also={"pipeline_stage": moved_to(stage, LEAD.c.pipeline_stage)},
    )


def _changes(ids: list[int]) -> list[dict]:
    return [
        {
            "lead_id": lead_id,
            "v_industry": None if i % 2 else "Software",
            "v_at": AT if i % 2 else AT.replace(tzinfo=None, microsecond=0),  # aware and naive
            "v_prov": None if i % 3 else {"industry": {"provider": "p"}},  # JSON null and a map
        }
        for i, lead_id in enumerate(ids)
    ]


def _stored(ids: list[int]) -> list[tuple]:
    with session_scope() as session:
        rows = session.execute(
            select(
                LEAD.c.industry,
                LEAD.c.enriched_at,
                LEAD.c.enrichment_provenance,
                LEAD.c.pipeline_stage,
            )
            .where(LEAD.c.id.in_(ids))
            .order_by(LEAD.c.id)
        )
        return [tuple(row) for row in rows]


def test_two_statements_of_one_structure_each_write_their_own_values(leadflow_env):
    """The stage each statement moves to is a literal of the statement, not of the rows:
    statements of one structure share a compiled form, never each other's values."""
    first, plain_first = _leads("a"), _leads("c")
    second, plain_second = _leads("b", "enriched"), _leads("d", "enriched")
    with session_scope() as session:
        sqlite_writes.executemany(
            session, _moved(PipelineStage.ENRICHED).executemany, _changes(first)
        )
        sqlite_writes.executemany(
            session, _moved(PipelineStage.SCORED).executemany, _changes(second)
        )
        session.execute(_moved(PipelineStage.ENRICHED).executemany, _changes(plain_first))
        session.execute(_moved(PipelineStage.SCORED).executemany, _changes(plain_second))
    assert _stored(first) == _stored(plain_first)
    assert _stored(second) == _stored(plain_second)
    assert {row[3] for row in _stored(first)} == {PipelineStage.ENRICHED}
    assert {row[3] for row in _stored(second)} == {PipelineStage.SCORED}
    assert _stored(first)[0][2] == {"industry": {"provider": "p"}}


def test_on_sqlite_the_rows_go_to_the_driver_bound_once(leadflow_env):
    seen: list[tuple[bool, bool]] = []  # (executemany, through a compiled statement)

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE LEAD"):
            seen.append((executemany, context.compiled is not None))

    ids = _leads("e")
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        with session_scope() as session:
            sqlite_writes.executemany(
                session, _moved(PipelineStage.ENRICHED).executemany, _changes(ids)
            )
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    on_sqlite = get_engine().dialect.name == "sqlite"
    assert seen == [(True, not on_sqlite)]


def test_on_sqlite_a_statement_sqlalchemy_does_not_cache_goes_to_the_driver_too(leadflow_env):
    """SQLite's INSERT ... ON CONFLICT has no cache key: compiled for the call, bound the same."""
    seen: list[tuple[bool, bool]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO LEAD "):
            seen.append((executemany, context.compiled is not None))

    rows = [
        {"email": f"k{i}@acme.example", "status": LeadStatus.NEW, "enriched_at": AT}
        for i in range(4)
    ]
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        with session_scope() as session:
            insert_new_rows(session, LEAD, rows[:2], unique=["email"])
            insert_new_rows(session, LEAD, rows, unique=["email"])  # two stored, two new
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    with session_scope() as session:
        stored = session.execute(
            select(LEAD.c.email, LEAD.c.enriched_at, LEAD.c.score)
            .where(LEAD.c.email.like("k%"))
            .order_by(LEAD.c.email)
        ).all()
    assert [tuple(row) for row in stored] == [(r["email"], AT, 0) for r in rows]
    if get_engine().dialect.name == "sqlite":
        assert seen == [(True, False), (True, False)]
    else:
        assert seen and all(compiled for _, compiled in seen)


def test_a_list_expanded_at_run_time_is_left_to_sqlalchemy(leadflow_env):
    """An IN list is rendered per execution: such a statement goes to session.execute, which
    refuses it in an executemany, here as there; nothing is written."""
    ids = _leads("f")
    statement = (
        update(LEAD)
        .where(LEAD.c.id == bindparam("lead_id"), LEAD.c.id.in_(ids[:3]))
        .values(industry=bindparam("v_industry"))
    )
    rows = [{"lead_id": i, "v_industry": "Retail"} for i in ids]
    for write in (sqlite_writes.executemany, lambda s, st, r: s.execute(st, r)):
        with pytest.raises(StatementError, match="expanding"), session_scope() as session:
            write(session, statement, rows)
    assert [row[0] for row in _stored(ids)] == [None] * 6


def test_a_row_lacking_a_key_is_refused_and_nothing_is_written(leadflow_env):
    """As SQLAlchemy's executemany (which runs on PostgreSQL here): refused with the row's
    place and the key, never filled in; a key a later row adds is ignored there as here."""
    ids = _leads("h")
    rows = _changes(ids)
    del rows[3]["v_at"]
    rows[1]["unused"] = "ignored"
    with pytest.raises((ValueError, StatementError), match=r"(row|group) 3\b.*|v_at.*\b3\b"):
        with session_scope() as session:
            sqlite_writes.executemany(session, _moved(PipelineStage.ENRICHED).executemany, rows)
    assert {row[3] for row in _stored(ids)} == {"cleaned"}
    del rows[3]
    with session_scope() as session:
        sqlite_writes.executemany(session, _moved(PipelineStage.ENRICHED).executemany, rows)
    assert [row[3] for row in _stored(ids)] == ["enriched"] * 3 + ["cleaned"] + ["enriched"] * 2
