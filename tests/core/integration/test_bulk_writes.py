"""``insert_rows`` and ``KeyedUpdate.run`` store what a Core executemany stores, defaults and
stage moves included, on both databases; on PostgreSQL they are one statement per batch (COPY,
``UPDATE ... FROM json_to_recordset``), so the name counts' statement trigger fires once per
batch."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from leadflow.core.bulk_writes import (
    KeyedUpdate,
    copy_columns,
    insert_new_rows,
    insert_rows,
    insert_rows_returning_ids,
)
from leadflow.core.db import get_engine, session_scope
from leadflow.core.lead_stages import PipelineStage, moved_to
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
            "enriched_at": AT if i % 2 else AT.replace(tzinfo=None),  # aware and naive
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


def _count_writes(session) -> int:
    """Row writes on the counts table that this backend has not yet reported. PostgreSQL 15
    flushes them at most once a second when idle, so the figure can hold earlier transactions
    of the same pooled connection: only a difference taken inside one transaction (no flush
    happens inside one) is this statement's."""
    query = text(
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_xact_user_tables"
        " WHERE relname = 'lead_name_count'"
    )
    return int(session.scalar(query))


def test_the_same_rows_and_defaults_as_a_core_insert(leadflow_env):
    with session_scope() as session:
        if get_engine().dialect.name == "postgresql":  # moments convert as a bound one does
            session.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
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


def test_on_postgresql_the_name_counts_are_written_once_per_batch_not_once_per_lead(
    leadflow_env,
):
    if get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite has row triggers only: it counts per lead by design (migration 0009)")
    with session_scope() as session:
        before = _count_writes(session)
        insert_rows(session, LEAD, _rows("once", names="oncename"))
        written = _count_writes(session) - before
    # Four keys (three names and the total), each upserted once: 4, or up to 8 if another
    # worker's insert of the total races ours (a speculative insert, then the update).
    # Once per lead: 14 or more.
    assert written <= 8


def test_a_row_naming_a_column_the_table_lacks_is_refused():
    with pytest.raises(ValueError, match="lead has no column nickname"):
        copy_columns(LEAD, ["email", "nickname"])


def test_rows_of_different_shapes_are_refused_never_filled_in(leadflow_env):
    rows = _rows("shape")
    del rows[4]["employees"]  # has a default (none): an executemany refuses it too
    changes = _changes([1, 2, 3])
    changes[2] = {k: v for k, v in changes[2].items() if k != "v_industry"}
    with pytest.raises(ValueError, match="row 4 .*employees"):
        with session_scope() as session:
            insert_rows(session, LEAD, rows)
    with pytest.raises(ValueError, match="row 2 .*v_industry"):
        with session_scope() as session:
            CHANGED.run(session, changes)
    assert _stored("shape") == []


def _sqlite() -> bool:
    return get_engine().dialect.name == "sqlite"


def test_a_refused_row_raises_sqlalchemys_error_and_stores_nothing(leadflow_env):
    rows = _rows("dup")
    rows[5]["email"] = rows[1]["email"]
    with pytest.raises(IntegrityError), session_scope() as session:
        insert_rows(session, LEAD, rows)  # a COPY error comes out as from session.execute
    assert _stored("dup") == []


CHANGED = KeyedUpdate(
    LEAD,
    key_param="lead_id",
    params={
        "industry": "v_industry",
        "employees": "v_employees",
        "has_website": "v_site",
        "enrichment_provenance": "v_prov",
        "enriched_at": "v_at",
        "status": "v_status",
    },
    also={"pipeline_stage": moved_to(PipelineStage.ENRICHED, LEAD.c.pipeline_stage)},
)


def _changes(ids: list[int]) -> list[dict]:
    return [
        {
            "lead_id": lead_id,
            "v_industry": "Software" if i % 3 else None,
            "v_employees": None if i % 2 else 250 + i,
            "v_site": (None, True, False)[i % 3],
            "v_prov": {"industry": {"provider": "clearbit", "at": AT.isoformat()}}
            if i % 2
            else None,
            "v_at": AT if i % 2 else AT.replace(tzinfo=None),  # aware and naive
            "v_status": LeadStatus.NURTURING,
        }
        for i, lead_id in enumerate(ids)
    ]


def _ids(prefix: str) -> list[int]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(LEAD.c.id).where(LEAD.c.email.like(f"{prefix}%")).order_by(LEAD.c.email)
            )
        )


def test_a_keyed_update_writes_what_an_executemany_writes(leadflow_env):
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("many") + _rows("batch"))
        session.execute(
            update(LEAD).where(LEAD.c.email == "batch3@acme.example").values(pipeline_stage="done")
        )
        session.execute(
            update(LEAD).where(LEAD.c.email == "many3@acme.example").values(pipeline_stage="done")
        )
    with session_scope() as session:
        if get_engine().dialect.name == "postgresql":  # moments convert as a bound one does
            session.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
        session.execute(CHANGED.executemany, _changes(_ids("many")))
        CHANGED.run(session, _changes(_ids("batch")))
    many, batch = _stored("many"), _stored("batch")
    assert batch == many
    assert [row["pipeline_stage"] for row in batch] == ["enriched"] * 3 + ["done"] + [
        "enriched"
    ] * 3  # moved only from the stage before
    assert batch[1]["enrichment_provenance"]["industry"]["provider"] == "clearbit"
    assert (batch[0]["employees"], batch[1]["employees"]) == (250, None)


def test_a_value_too_long_for_its_column_is_never_cut(leadflow_env):
    """PostgreSQL refuses it, as the executemany did (the batch's field reads as text, not as
    varchar(n), whose cast would cut it); SQLite, which checks no lengths, keeps it whole."""
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("long"))
    changes = _changes(_ids("long"))
    changes[2]["v_industry"] = "x" * 101  # industry is varchar(100)
    if get_engine().dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="too long"), session_scope() as session:
            CHANGED.run(session, changes)
        assert {row["industry"] for row in _stored("long")} == {None}  # the batch rolled back
    else:
        with session_scope() as session:
            CHANGED.run(session, changes)
        assert _stored("long")[2]["industry"] == "x" * 101


def test_on_postgresql_a_batch_is_one_statement_whatever_its_size(leadflow_env):
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("one"))
    seen: list[tuple[str, bool]] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE"):  # not a pool's ping
            seen.append((statement.split()[0], executemany))

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        with session_scope() as session:
            CHANGED.run(session, _changes(_ids("one")))
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    postgresql = get_engine().dialect.name == "postgresql"
    assert seen == [("UPDATE", not postgresql)]  # SQLite: one executemany


def test_new_rows_skip_what_is_stored_and_store_what_a_core_insert_stores(leadflow_env):
    held = _rows("new")[:3]
    for row in held:
        row["first_name"] = "Held"  # what is stored stays: nothing is updated
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("core"))
        insert_rows(session, LEAD, held)
    with session_scope() as session:  # the first three are stored: only four go in
        if get_engine().dialect.name == "postgresql":  # moments convert as a bound one does
            session.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
        insert_new_rows(session, LEAD, _rows("new"), unique=["email"])
    new, core = _stored("new"), _stored("core")
    assert [row["first_name"] for row in new[:3]] == ["Held"] * 3
    assert new[3:] == core[3:]


def test_two_values_for_one_key_the_last_one_wins_as_in_an_executemany(leadflow_env):
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("twice"))
    first = _ids("twice")[0]
    changes = _changes([first, first])
    changes[1]["v_industry"] = "Last"
    with session_scope() as session:
        CHANGED.run(session, changes)
    assert _stored("twice")[0]["industry"] == "Last"


def test_a_keyed_update_with_a_condition_leaves_the_rows_that_fail_it(leadflow_env):
    """``only``: a fill-once write (an account's firmographics) skips rows already filled,
    in the batch statement as in the executemany."""
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("once") + _rows("twice"))
        session.execute(
            update(LEAD)
            .where(LEAD.c.email.in_(["once2@acme.example", "twice2@acme.example"]))
            .values(industry="Kept")
        )
    unfilled = replace(CHANGED, only=LEAD.c.industry.is_(None))
    with session_scope() as session:
        session.execute(unfilled.executemany, _changes(_ids("once")))
        unfilled.run(session, _changes(_ids("twice")))
    once, twice = _stored("once"), _stored("twice")
    assert twice == once
    kept = twice.pop(2)  # as it was: the condition left it alone, the stage move too
    assert (kept["industry"], kept["employees"], kept["status"]) == ("Kept", 20, LeadStatus.NEW)
    assert kept["pipeline_stage"] == "cleaned"
    assert {row["status"] for row in twice} == {LeadStatus.NURTURING}  # the others written


def test_new_rows_take_their_keys_in_the_order_given(leadflow_env):
    # Staged lines are read back in key order: a batch of 1,000 in a scrambled email order
    # must get its ids in the order of the list, whatever order the addresses sort in.
    order = random.Random(7).sample(range(1000), 1000)
    rows = [{"email": f"order{n:04d}@acme.example", "status": LeadStatus.NEW} for n in order]
    with session_scope() as session:
        insert_new_rows(session, LEAD, rows, unique=["email"])
    with session_scope() as session:
        stored = session.execute(
            select(LEAD.c.email).where(LEAD.c.email.like("order%")).order_by(LEAD.c.id)
        ).scalars()
        assert list(stored) == [row["email"] for row in rows]


def test_inserted_rows_give_back_their_keys(leadflow_env):
    rows = _rows("keyed")
    with session_scope() as session:
        ids = insert_rows_returning_ids(session, LEAD, rows)
        assert insert_rows_returning_ids(session, LEAD, []) == []
    with session_scope() as session:
        stored = dict(
            session.execute(select(LEAD.c.id, LEAD.c.email).where(LEAD.c.email.like("keyed%")))
            .tuples()
            .all()
        )
    assert sorted(ids) == sorted(stored) and len(ids) == len(rows)
    with session_scope() as session:
        session.execute(LEAD.insert(), _rows("core"))
    assert _stored("keyed") == _stored("core")  # defaults and binding as a Core insert's
