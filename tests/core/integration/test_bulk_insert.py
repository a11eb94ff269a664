"""``insert_rows`` stores what a Core executemany stores, defaults included, on both databases;
on PostgreSQL it is one COPY, so the name counts' statement trigger fires once per batch."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from leadflow.core.bulk_insert import copy_columns, insert_rows
from leadflow.core.db import session_scope
from leadflow.core.models import Lead, LeadNameCount
from leadflow.core.statuses import LeadStatus

pytestmark = pytest.mark.db
LEAD = Lead.__table__
AT = datetime(2026, 12, 6, 9, 30, tzinfo=timezone.utc)
SKIP = {"id", "email", "created_at", "updated_at"}  # the key, the address, the insert time


def _rows(prefix: str, names: str = "name") -> list[dict]:
    return [
        {
            "email": f"{prefix}{i}@acme.example",
            "first_name": "Zoë" if i % 2 else None,
            "name_key": f"{names}{i % 3}",
            "status": LeadStatus.NEW,
            "employees": i * 10,
            "is_free_mail": bool(i % 2),
            "enrichment_provenance": {"industry": {"provider": "p", "at": AT.isoformat()}}
            if i % 2
            else None,
            "enriched_at": AT,
            "pipeline_stage": "cleaned",
        }
        for i in range(7)
    ]


def _stored(prefix: str) -> list[dict]:
    with session_scope() as session:
        rows = session.execute(
            select(LEAD).where(LEAD.c.email.like(f"{prefix}%")).order_by(LEAD.c.email)
        ).all()
    return [{k: v for k, v in row._mapping.items() if k not in SKIP} for row in rows]


def test_the_same_rows_and_defaults_as_a_core_insert(leadflow_env):
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("core"))
        insert_rows(session, LEAD, _rows("bulk"))
    core, bulk = _stored("core"), _stored("bulk")
    assert len(bulk) == 7
    assert bulk == core
    assert bulk[0]["fit_score"] == 0 and bulk[0]["lifecycle_stage"] == "new"  # model defaults
    assert bulk[1]["enrichment_provenance"]["industry"]["provider"] == "p"
    with session_scope() as session:
        made = session.execute(
            select(LEAD.c.created_at, LEAD.c.id).where(LEAD.c.email == "bulk0@acme.example")
        ).one()
    assert made.created_at is not None and made.id > 0  # utcnow() and the key's sequence


def test_the_name_counts_see_every_row(leadflow_env):
    with session_scope() as session:
        insert_rows(session, LEAD, _rows("cnt", names="cntname"))
        counts = dict(  # from .all(): dict() would read a Result (it has keys()) as a mapping
            session.execute(
                select(LeadNameCount.name_key, LeadNameCount.n).where(
                    LeadNameCount.name_key.like("cntname%") | (LeadNameCount.name_key == "")
                )
            ).all()
        )
    assert counts == {"cntname0": 3, "cntname1": 2, "cntname2": 2, "": 7}


def test_a_row_naming_a_column_the_table_lacks_is_refused():
    with pytest.raises(ValueError, match="lead has no column nickname"):
        copy_columns(LEAD, ["email", "nickname"])


def test_nothing_to_insert_touches_nothing(leadflow_env):
    with session_scope() as session:
        insert_rows(session, LEAD, [])
        assert session.scalar(select(text("count(*)")).select_from(LEAD)) == 0


def test_a_refused_row_raises_sqlalchemys_error_and_stores_nothing(leadflow_env):
    rows = _rows("dup")
    rows[5]["email"] = rows[1]["email"]
    with pytest.raises(IntegrityError), session_scope() as session:
        insert_rows(session, LEAD, rows)  # a COPY error comes out as from session.execute
    assert _stored("dup") == []
