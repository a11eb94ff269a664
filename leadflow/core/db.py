"""Engines, sessions and schema upgrades."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache, partial
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from leadflow.core.errors import DatabaseBusy
from leadflow.core.json_text import json_text
from leadflow.core.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# serialization_failure, deadlock_detected, lock_not_available: the same work may pass on a retry.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
# One key for every write step of the ingest pipeline (clean, enrich, score, route, enroll):
# a single lock cannot be taken in two orders, so two ingests at once wait, never deadlock.
PIPELINE_LOCK_KEY = 0x1EADF10


def _tune_sqlite(cache_mb: int, dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while a flow writes; busy_timeout rides out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    if cache_mb:  # a negative size is in KiB (SQLite's convention)
        cursor.execute(f"PRAGMA cache_size=-{cache_mb * 1024:d}")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: an error message (and so a flow-run state) never carries row values.
        # JSON columns written by orjson, as PostgreSQL's batch writes are (core.json_text):
        # the standard library's encoder was a tenth of a re-score's CPU on SQLite.
        engine = create_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True, json_serializer=json_text
        )
        event.listen(engine, "connect", partial(_tune_sqlite, get_settings().sqlite_cache_mb))
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    factory = sessionmaker(get_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        if is_transient_db_error(exc):
            raise DatabaseBusy(db_error_message(exc)) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_transient_db_error(exc: DBAPIError) -> bool:
    """A lock wait, deadlock or serialization failure (PostgreSQL), or SQLite busy."""
    if getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig).lower()


def db_error_message(exc: SQLAlchemyError) -> str:
    """The database's own words, first line only: PostgreSQL's DETAIL line quotes row values."""
    cause: BaseException = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"{type(cause).__name__}: {first}"[:300]


def pipeline_lock(session: Session) -> None:
    """Serialize a pipeline write step with every other one, whatever the process.

    Call first in the unit of work. Cleaning (which creates and merges leads) takes it; the
    later stages take it in shared mode through lead_stages.lock_leads, so they run beside
    each other and wait only for cleaning and for the leads they share.

    PostgreSQL: a transaction-level advisory lock. SQLite: take the write lock now (BEGIN
    IMMEDIATE), so the rows read next are the rows written; a deferred transaction that reads
    first fails with "database is locked" when another writer committed in between.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PIPELINE_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


# ANALYZE a table once it holds this share more rows than its statistics counted (and at least
# ANALYZE_MIN_ROWS more): statistics follow a bulk load in a few steps. Growth, not changes:
# every stage rewrites each lead it carries (its stage, scores, status), which moves no key
# the batch lookups plan by; counted as changes (n_mod_since_analyze), those rewrites made
# the cleaner ANALYZE `lead` after nearly every batch of a growing base.
ANALYZE_GROWTH = 0.2
ANALYZE_MIN_ROWS = 1000


# No statistics: never analysed (reltuples is -1 until the first ANALYZE or VACUUM, from
# PostgreSQL 14 on), or counted by CREATE INDEX with no column statistics. A new empty table
# is analysed once, cheaply, and is then counted 0: not again while it stays empty.
_BLIND = (
    "(c.reltuples < 0 OR (c.reltuples > 0 AND NOT EXISTS (SELECT 1 FROM pg_stats p"
    " WHERE p.schemaname = s.schemaname AND p.tablename = s.relname))) AS blind"
)


def analyze_grown(
    session: Session, tables: Mapping[str, Sequence[str]], rewritten: Collection[str] = ()
) -> list[str]:
    """PostgreSQL: gather planner statistics on the tables that grew since they were last
    gathered, and say which. Bulk loads on a server without autovacuum (CI, many bulk-load
    setups) otherwise leave the planner with an empty table's statistics: a 500-value IN on an
    indexed key then runs as a sequential scan. SQLite plans from its indexes alone: nothing.

    ``tables``: table -> the columns to gather statistics on, the ones the caller's lookups
    filter by (empty: every column). On ``lead`` a column list costs about a third of a
    whole-table ANALYZE: its other columns (titles, provenance) are never looked up by.
    Grown: live rows now (``n_live_tup``, which inserts and deletes move, updates do not)
    against the rows the last ANALYZE or VACUUM counted (``pg_class.reltuples``, -1 before
    the first). A table that was never analysed, or was counted by an index build without
    column statistics, is analysed whatever the counters say: a database copied from one
    never analysed, or upgraded by pg_upgrade (which before PostgreSQL 18 carries no
    statistics over), starts with its counters at zero and, without this, would be planned
    blind until a thousand rows were added.

    ``rewritten``: tables whose rows change a looked-up column after they are inserted
    (``source_record``: staged, then created, merged or quarantined, and linked to its lead).
    For them rows changed since the last ANALYZE count too, by the same threshold: a campaign
    analysed when its file was staged is otherwise planned, to its end, as if every row were
    still staged. They are analysed whole: an ANALYZE with a column list leaves PostgreSQL's
    count of changes where it was, and the table would be analysed again at every call."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return []
    grown = [
        name
        for name, live, counted, changed, blind in connection.execute(
            text(
                "SELECT s.relname, s.n_live_tup, greatest(c.reltuples, 0)::bigint,"
                f" s.n_mod_since_analyze, {_BLIND} FROM pg_stat_user_tables s"
                " JOIN pg_class c ON c.oid = s.relid"
                " WHERE s.schemaname = current_schema() AND s.relname = ANY(:names)"
                # ANALYZE of a table another role owns only warns: not at every batch
                " AND pg_has_role(c.relowner, 'USAGE')"
                " ORDER BY s.relname"  # one order for every caller: two ANALYZEs never deadlock
            ),
            {"names": sorted(tables)},
        ).tuples()
        if blind or _grown(live, counted, changed, name in rewritten)
    ]
    quote = connection.dialect.identifier_preparer.quote
    for name in grown:  # names from the statistics view, matched against the caller's list
        columns = "" if name in rewritten else ", ".join(quote(c) for c in tables[name])
        connection.execute(text(f"ANALYZE {quote(name)}" + (f" ({columns})" if columns else "")))
    return grown


def _grown(live: int, counted: int, changed: int, rewritten: bool = False) -> bool:
    """More live rows than the statistics counted, by the threshold. Fewer live rows than
    counted means rows were deleted, or the statistics counters were reset (a crash, an
    immediate shutdown, a failover, pg_stat_reset) while the catalog's count was kept: then
    the rows changed since the last ANALYZE decide, as they did before; for a table whose
    looked-up columns are rewritten they decide always."""
    threshold = max(ANALYZE_MIN_ROWS, ANALYZE_GROWTH * counted)
    if live - counted >= threshold:
        return True
    return (rewritten or live < counted) and changed >= threshold


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url or get_settings().resolved_database_url)
    command.upgrade(config, revision)
