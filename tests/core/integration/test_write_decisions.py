"""Decisions written in bulk (COPY on PostgreSQL) read back exactly as the ORM's own insert
writes them: same columns, JSON, timestamps, defaults, and the enclosing transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from leadflow.core.db import session_scope
from leadflow.core.decisions import decision_row, write_decisions
from leadflow.core.models import Decision

pytestmark = pytest.mark.db
AT = datetime(2026, 11, 9, 10, 30, 15, 123456, tzinfo=UTC)
BERLIN = timezone(timedelta(hours=1))


def rows() -> list[dict]:
    full = decision_row(
        lead_id=None,
        kind="score",
        rule_id="icp.fit",
        outcome="warm",
        reason='fit 42 + engagement 3 = 45; "quoted", tab\there, back\\slash',
        inputs={"fit": 42, "signals": ["title:vp", "区域:华东"], "nested": {"a": None, "b": 1.5}},
        config_version="scoring@abc123",
        flow_run_id="f" * 36,
        at=AT.astimezone(BERLIN),  # aware, not UTC: stored as the same instant
        actor="maria",
    )
    bare = {"lead_id": None, "kind": "route", "outcome": "fallback", "reason": "r", "at": AT}
    return [full, bare]  # the second leaves inputs, rule, version, run and actor out


def stored() -> list[tuple]:
    with session_scope() as session:
        found = session.scalars(select(Decision).order_by(Decision.id)).all()
        return [
            (d.kind, d.rule_id, d.outcome, d.reason, d.inputs, d.config_version, d.flow_run_id)
            + (d.at, d.actor)
            for d in found
        ]


def test_bulk_rows_read_back_as_the_orm_insert_writes_them(leadflow_env):
    with session_scope() as session:
        session.execute(Decision.__table__.insert(), rows()[:1])
        session.execute(Decision.__table__.insert(), rows()[1:])
    expected = stored()
    with session_scope() as session:
        session.execute(delete(Decision))
    with session_scope() as session:  # one shape per batch, as executemany needs
        write_decisions(session, rows()[:1])
        write_decisions(session, rows()[1:])
    assert stored() == expected
    assert expected[0][7] == AT and expected[1][4] == {}


def test_bulk_rows_roll_back_with_their_transaction(leadflow_env):
    with pytest.raises(RuntimeError), session_scope() as session:
        write_decisions(session, rows()[:1])
        raise RuntimeError("the batch failed after its decisions were written")
    assert stored() == []
