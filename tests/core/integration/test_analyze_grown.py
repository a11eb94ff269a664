"""analyze_grown: statistics follow a table's growth, not its rewrites (unless the rewrites
change what is looked up), and survive a reset of the statistics counters. Each test has a
table of its own: no other connection has ever touched it, so no statistics reported late by
another test's connections reach it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from leadflow.core.db import analyze_grown, get_engine, session_scope
from tests.conftest import only_on

pytestmark = pytest.mark.db


# The statistics are PostgreSQL's: SQLite plans from its indexes alone (the last test).
ON_POSTGRESQL, ON_SQLITE = only_on("postgresql"), only_on("sqlite")


@pytest.fixture
def probe(leadflow_env) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh table, which no other connection has touched."""
    name = f"probe_{uuid.uuid4().hex[:8]}"
    with session_scope() as session:
        session.execute(text(f"CREATE TABLE {name} (id serial PRIMARY KEY, email text, n int)"))
    yield name
    with session_scope() as session:
        session.execute(text(f"DROP TABLE {name}"))


def _write(statement: str) -> None:
    """Run a statement and make its statistics visible now (they are reported at the next
    report otherwise, up to seconds later)."""
    with session_scope() as session:
        session.execute(text(statement))
        session.execute(text("SELECT pg_stat_force_next_flush()"))


def _grown(name: str, columns: tuple[str, ...] = (), rewritten: bool = False) -> list[str]:
    with session_scope() as session:
        return analyze_grown(session, {name: columns}, {name} if rewritten else ())


def _insert(name: str, n: int) -> None:
    _write(
        f"INSERT INTO {name} (email, n) SELECT 'p' || g || '@x.example', 0 FROM generate_series(1, {n}) g"
    )


@ON_POSTGRESQL
def test_statistics_follow_growth_and_not_rewrites(probe):
    _insert(probe, 1500)
    assert _grown(probe) == [probe]
    assert _grown(probe) == []  # analysed: nothing more until it grows again
    _write(f"UPDATE {probe} SET n = n + 1")  # every row rewritten, as each stage does
    _write(f"UPDATE {probe} SET n = n + 1")
    assert _grown(probe) == []
    _insert(probe, 200)  # under a fifth more, and under the floor of 1,000
    assert _grown(probe) == []
    _insert(probe, 1000)  # 1,200 new on 1,500: grown
    assert _grown(probe) == [probe]


@ON_POSTGRESQL
def test_rewrites_count_for_a_table_whose_looked_up_columns_they_change(probe):
    """A source row is staged, then cleaned: its status and lead change once, after the
    statistics of the freshly staged file were gathered."""
    _insert(probe, 1500)
    assert _grown(probe, ("n",), rewritten=True) == [probe]
    _write(f"UPDATE {probe} SET n = 1 WHERE id <= 900")  # under the floor of 1,000
    assert _grown(probe, ("n",), rewritten=True) == []
    _write(f"UPDATE {probe} SET n = 1 WHERE id > 900")  # 1,500 rows changed in all
    assert _grown(probe, ("n",)) == []  # a table whose rewrites move no key: not yet
    assert _grown(probe, ("n",), rewritten=True) == [probe]
    # Analysed whole, so the count of changes starts again (a column list leaves it as it
    # was: analysed again at every call).
    assert _grown(probe, ("n",), rewritten=True) == []


@ON_POSTGRESQL
def test_statistics_are_gathered_on_the_columns_given(probe):
    _insert(probe, 1500)
    sent: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(get_engine(), "before_cursor_execute", seen)
    try:
        assert _grown(probe, ("email", "n")) == [probe]
    finally:
        event.remove(get_engine(), "before_cursor_execute", seen)
    assert [s for s in sent if s.startswith("ANALYZE")] == [f"ANALYZE {probe} (email, n)"]


@ON_POSTGRESQL
def test_statistics_follow_growth_after_the_counters_were_reset(probe):
    """A crash or a failover resets the live-row counter but not the catalog's count: the
    rows changed since then decide instead."""
    _insert(probe, 5000)
    assert _grown(probe) == [probe]
    _write(f"SELECT pg_stat_reset_single_table_counters('{probe}'::regclass)")
    _insert(probe, 4000)  # 9,000 rows, of which the counter knows 4,000
    assert _grown(probe) == [probe]


@ON_POSTGRESQL
def test_a_table_emptied_and_filled_again_is_analysed(probe):
    _insert(probe, 5000)
    assert _grown(probe) == [probe]
    _write(f"DELETE FROM {probe}")
    _insert(probe, 4500)  # fewer live rows than counted, all of them new
    assert _grown(probe) == [probe]


@ON_SQLITE
def test_sqlite_needs_no_statistics(leadflow_env):
    with session_scope() as session:
        session.execute(text("CREATE TABLE probe (id integer PRIMARY KEY, email text)"))
        session.execute(
            text("INSERT INTO probe (email) VALUES (:e)"), [{"e": f"p{i}"} for i in range(1500)]
        )
    assert _grown("probe") == []


@ON_POSTGRESQL
def test_a_table_with_rows_and_no_statistics_is_analysed_once(probe):
    """A database copied from a template, or upgraded, has its counters at zero: no growth is
    ever seen, yet its tables hold rows that were never analysed."""
    _insert(probe, 5000)
    _write(f"SELECT pg_stat_reset_single_table_counters('{probe}'::regclass)")
    assert _grown(probe) == [probe]
    assert _grown(probe) == []  # analysed: its statistics are there now


@ON_POSTGRESQL
def test_a_table_counted_by_an_index_build_but_never_analysed_is_analysed(probe):
    """CREATE INDEX (and pg_upgrade) leave a row count in the catalog and no column statistics."""
    _insert(probe, 5000)
    _write(f"CREATE INDEX ON {probe} (email)")
    _write(f"SELECT pg_stat_reset_single_table_counters('{probe}'::regclass)")
    assert _grown(probe) == [probe]
    assert _grown(probe) == []


@ON_POSTGRESQL
def test_an_empty_table_is_analysed_once_and_not_again_while_it_stays_empty(probe):
    assert _grown(probe) == [probe]  # never analysed: one cheap ANALYZE counts it empty
    assert _grown(probe) == []
    _insert(probe, 10)
    _write(f"DELETE FROM {probe}")
    assert _grown(probe) == []


@ON_POSTGRESQL
def test_a_table_this_role_cannot_analyse_is_left_alone(probe):
    """ANALYZE of a table another role owns does nothing but warn: asked for at every batch, it
    would warn at every batch."""
    _insert(probe, 5000)
    owner, reader = (f"{probe}_{part}" for part in ("owner", "reader"))
    with session_scope() as session:
        schema = session.execute(text("SELECT current_schema()")).scalar_one()
        for statement in (
            f"CREATE ROLE {owner} NOLOGIN",
            f"CREATE ROLE {reader} NOLOGIN",
            f"ALTER TABLE {probe} OWNER TO {owner}",
            f"GRANT SELECT ON {probe} TO {reader}",
            f"GRANT USAGE ON SCHEMA {schema} TO {reader}",
        ):
            session.execute(text(statement))
    try:
        with session_scope() as session:
            session.execute(text(f"SET LOCAL ROLE {reader}"))
            assert analyze_grown(session, {probe: ()}) == []
    finally:
        with session_scope() as session:
            session.execute(text(f"ALTER TABLE {probe} OWNER TO CURRENT_USER"))
            for role in (owner, reader):
                session.execute(text(f"DROP OWNED BY {role}"))
                session.execute(text(f"DROP ROLE {role}"))
