"""plain(): result rows as named tuples with the same names and values."""

from __future__ import annotations

from sqlalchemy import create_engine, func, literal, select

from leadflow.core.plain_rows import plain


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
