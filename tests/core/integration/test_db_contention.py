"""Lock contention on real databases: one lock orders every pipeline write step, and what a
lock costs (a deadlock, a serialization failure, SQLite busy) is a transient error, retried."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError

from leadflow.core.db import (
    db_error_message,
    get_engine,
    is_transient_db_error,
    pipeline_lock,
    session_scope,
)
from leadflow.core.errors import DatabaseBusy, TransientError
from leadflow.core.models import Campaign

pytestmark = pytest.mark.db


def test_the_pipeline_lock_lets_a_second_writer_in_only_after_the_first_committed(leadflow_env):
    state = {"released": False, "seen_by_second": None}
    first_holds, second_trying = threading.Event(), threading.Event()

    def first() -> None:
        with session_scope() as session:
            pipeline_lock(session)
            session.add(Campaign(name="first"))
            session.flush()
            first_holds.set()
            second_trying.wait(30)
            time.sleep(0.5)  # a window in which a lock that does not hold would let the second in
            state["released"] = True

    def second() -> None:
        first_holds.wait(30)
        with session_scope() as session:
            second_trying.set()
            pipeline_lock(session)
            state["seen_by_second"] = state["released"]
            session.add(Campaign(name="second"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert state["seen_by_second"] is True


def test_a_postgresql_deadlock_is_a_transient_error(leadflow_env):
    if get_engine().dialect.name != "postgresql":
        pytest.skip("deadlock detection is PostgreSQL's; SQLite has one writer (see the busy test)")
    with session_scope() as session:
        session.add_all([Campaign(name="a"), Campaign(name="b")])
    both_hold = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def lock_in_order(first: str, then: str) -> None:
        try:
            with session_scope() as session:
                session.execute(update(Campaign).where(Campaign.name == first).values(cost=1))
                both_hold.wait()
                session.execute(update(Campaign).where(Campaign.name == then).values(cost=2))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=lock_in_order, args=pair) for pair in (("a", "b"), ("b", "a"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(errors) == 1 and isinstance(errors[0], DatabaseBusy), errors
    assert isinstance(errors[0], TransientError) and "deadlock" in str(errors[0]).lower()


def test_sqlite_busy_is_a_transient_error_and_its_message_carries_no_values(tmp_path: Path):
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("CREATE TABLE t (v TEXT)")
    holder.commit()
    holder.execute("BEGIN IMMEDIATE")
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0}, hide_parameters=True)
    with pytest.raises(OperationalError) as info, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "ada@example.com"})
    holder.rollback()
    assert is_transient_db_error(info.value)
    assert "ada@example.com" not in str(info.value)
    assert db_error_message(info.value) == "OperationalError: database is locked"


def test_a_refused_row_leaves_no_value_in_the_error_a_run_state_would_keep(leadflow_env):
    from sqlalchemy.exc import IntegrityError

    with session_scope() as session:
        session.add(Campaign(name="ada.lovelace@example.com"))
    with pytest.raises(IntegrityError) as info, session_scope() as session:
        session.add(Campaign(name="ada.lovelace@example.com"))
    assert "ada.lovelace" not in db_error_message(info.value)  # PostgreSQL's DETAIL quotes it
    assert "parameters hidden" in str(info.value)  # the statement is shown without its values
