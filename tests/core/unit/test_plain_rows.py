"""plain(): result rows as named tuples with the same names and values."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from leadflow.core.plain_rows import fetch_plain, plain


def _rows(*columns):  # type: ignore[no-untyped-def]
    with create_engine("sqlite://").connect() as connection:
        return connection.execute(select(*columns)).all()


def test_same_names_same_values_and_asdict() -> None:
    rows = _rows(literal(7).label("id"), literal("a@b.io").label("email"), literal(None).label("x"))
    (row,) = plain(rows)
    assert (row.id, row.email, row.x) == (7, "a@b.io", None)
    assert tuple(row) == tuple(rows[0])
    assert row._asdict() == {"id": 7, "email": "a@b.io", "x": None}


def test_no_rows_and_labels_that_are_no_identifiers() -> None:
    assert plain([]) == []
    assert plain(iter([])) == []
    rows = _rows(func.count().label("count(*)"))
    assert plain(rows) == rows  # kept as they are
    assert plain(rows)[0] is rows[0]


def test_fetch_plain_reads_in_the_sessions_transaction_with_types_applied() -> None:
    meta = MetaData()
    item = Table(
        "item", meta, Column("id", Integer, primary_key=True), Column("at", DateTime(True))
    )
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    moment = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    with Session(engine) as session:
        session.execute(item.insert(), [{"id": 1, "at": moment}, {"id": 2, "at": None}])
        rows = fetch_plain(session, select(item.c.id, item.c.at).order_by(item.c.id))
        assert [tuple(row) for row in rows] == [
            tuple(row) for row in session.execute(select(item.c.id, item.c.at).order_by(item.c.id))
        ]
        assert (rows[0].id, rows[1].at) == (1, None)
        session.rollback()  # the rows were the transaction's own: none are left
        assert fetch_plain(session, select(item.c.id)) == []
