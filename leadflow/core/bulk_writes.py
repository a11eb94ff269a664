"""A batch's rows written in one statement on PostgreSQL, one executemany elsewhere.

psycopg runs an executemany as one statement per row: each row pays a statement's execution
(and a round of the driver's pipeline), and a statement-level trigger (the name counts on
``lead``, migration 0009) fires once per row. On PostgreSQL, then:

- ``insert_rows``: new rows by one COPY; the trigger fires once for the batch. COPY cannot skip
  conflicts: callers insert rows they know to be new (in the same transaction, under the
  locks that make them new), as the Core executemany they replace did.
- ``KeyedUpdate``: one row's new values per key, as ``UPDATE ... FROM json_to_recordset(:rows)``:
  the batch travels as one JSON text (``json_text``, orjson; psycopg's text arrays escape each
  string element in Python, which cost more than the executemany they replaced).
- ``insert_new_rows``: the same JSON, ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, ordered by
  each row's index in the batch, so new keys follow the rows' order.

As for executemany, the rows of one call share one shape (a row that differs is refused
with its index and key, never filled in), and each value is of its column's type: an int for
an integer column (COPY and the JSON reader refuse 3.0 where a bound parameter is cast).

SQLite runs in process, where an executemany costs no round trips: it keeps executemany, each
row bound once by ``sqlite_writes`` rather than by SQLAlchemy's per-row parameter pass.
bench/bench_lead_writes.py measures both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    DateTime,
    Integer,
    Table,
    Update,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy import column as record_field
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType, String, Text

from leadflow.core import sqlite_writes
from leadflow.core.row_shape import same_shape, tuple_getter
from leadflow.core.json_text import json_text

ORDINAL = "n"  # the batch field that holds a row's place (never a column's c<i>)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of one shape, as for executemany) in the session's transaction.

    Columns a row leaves out take their defaults, as a Core insert gives them: the Python-side
    default of the model (``default=``), else the server's (``server_default``, the key's
    sequence), else NULL.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        sqlite_writes.executemany(session, table.insert(), rows)
        return
    same_shape(rows)
    columns = copy_columns(table, rows[0].keys())
    names = ", ".join(f'"{column.name}"' for column in columns)
    copy_in(
        session,
        f'COPY "{table.name}" ({names}) FROM STDIN',
        map(copy_row_maker(columns, rows[0].keys(), session.get_bind().dialect), rows),
    )


def copy_row_maker(
    columns: Sequence[Column[Any]], given: Iterable[str], dialect: Dialect
) -> Callable[[Mapping[str, Any]], list[Any]]:
    """Row -> its values in ``columns``' order, bound (``binders_for``), with the Python-side
    default of each column the rows leave out: what ``[bind(value_or_default(column, row))
    ...]`` gives, without a call per plain value. A batch's COPY builds one list per row of
    a few dozen columns, most of them text bound as it is."""
    named = set(given)
    binders = binders_for(columns, dialect, skip_plain=True)
    slots = [k for k, column in enumerate(columns) if column.name in named]
    take = tuple_getter([columns[k].name for k in slots])
    # Where a value is bound (a processor) or filled (a default): (position, column, binder).
    special = [
        (k, column, bind, column.name in named)
        for k, (column, bind) in enumerate(zip(columns, binders, strict=True))
        if bind is not None or column.name not in named
    ]
    every = len(slots) == len(columns)

    def make(row: Mapping[str, Any]) -> list[Any]:
        if every:
            values = list(take(row))
        else:
            values = [None] * len(columns)
            for k, value in zip(slots, take(row), strict=True):
                values[k] = value
        for k, column, bind, given_here in special:
            value = values[k] if given_here else value_or_default(column, row)
            values[k] = value if bind is None else bind(value)
        return values

    return make


def insert_new_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], unique: Sequence[str]
) -> None:
    """Insert ``rows``, skipping those whose ``unique`` columns another writer stored first
    (``ON CONFLICT DO NOTHING``). PostgreSQL: one ``INSERT ... SELECT FROM
    json_to_recordset(:rows)`` (defaults and bind processing as ``insert_rows``); elsewhere one
    executemany."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        skipping = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(unique))
        sqlite_writes.executemany(session, skipping, rows)
        return
    insert, params = _insert_from_json(table, rows, dialect)
    session.execute(insert.on_conflict_do_nothing(index_elements=list(unique)), params)


def insert_rows_returning_ids(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` and return the keys (``id``) they were given, in no promised order.

    PostgreSQL: one ``INSERT ... SELECT FROM json_to_recordset(:rows) RETURNING id``. An
    executemany with RETURNING is sent as one statement with a placeholder per value, whose
    text psycopg parses anew every time (too long for its cache): 100 ms for 400 rows of
    eight columns, most of a routed batch's write. Elsewhere one executemany."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return list(session.scalars(table.insert().returning(table.c.id), list(rows)))
    insert, params = _insert_from_json(table, rows, dialect)
    return list(session.scalars(insert.returning(table.c.id), params))


def _insert_from_json(
    table: Table, rows: Sequence[dict[str, Any]], dialect: Dialect
) -> tuple[Any, dict[str, str]]:
    """``INSERT INTO table (...) SELECT ... FROM json_to_recordset(:rows)`` and its parameter,
    in the rows' order: new keys are drawn in that order (staged lines keep their order)."""
    same_shape(rows)
    columns = copy_columns(table, rows[0].keys())
    given = _recordset(columns, ordinal=True)
    picked = select(*[_read(c, given.c[f"c{i}"]) for i, c in enumerate(columns)]).order_by(
        given.c[ORDINAL]
    )
    names = [c.name for c in columns]
    insert = postgresql.insert(table).from_select(names, picked)
    return insert, {"rows": _rows_json(columns, names, rows, dialect, defaults=True, ordinal=True)}


def copy_in(session: Session, statement: str, values: Iterable[Sequence[Any]]) -> None:
    """Run a ``COPY ... FROM STDIN`` in the session's transaction (PostgreSQL, psycopg).

    The driver's errors come out as SQLAlchemy's, as from ``session.execute``: callers tell a
    refused row (IntegrityError, a trigger's exception) and a deadlock (retried as transient)
    apart the same way for both."""
    dialect = session.get_bind().dialect
    dbapi = dialect.loaded_dbapi
    connection = session.connection()
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
    except dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, driver, None)
        if lost:  # as session.execute does: the pool drops it, the rollback does not fail
            connection.invalidate(exc)
        raise DBAPIError.instance(
            statement, None, exc, dbapi.Error, connection_invalidated=lost
        ) from exc


def copy_columns(table: Table, given: Iterable[str]) -> list[Column[Any]]:
    """The columns a row names, plus those with a Python-side default, in table order.

    A column with only a server default (or none) is left out when rows do not name it, so
    the server fills it, as in an INSERT that does not name it."""
    named = set(given)
    unknown = named - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    return [
        column
        for column in table.columns
        if column.name in named or (column.default is not None and not column.primary_key)
    ]


def value_or_default(column: Column[Any], row: Mapping[str, Any]) -> Any:
    """The row's value for ``column``, else the column's Python-side default."""
    if column.name in row:
        return row[column.name]
    default = column.default
    return default.arg(None) if default.is_callable else default.arg  # type: ignore[union-attr]


def binders_for(
    columns: Sequence[Column[Any]], dialect: Dialect, skip_plain: bool = False
) -> list[Any]:
    """Per column, what a bound value goes through before the driver: the type's own bind
    processing (the UTC datetime type makes a naive moment aware), JSON as its text (None:
    JSON null, as the JSON type binds it, unless the type says SQL NULL). A column with no
    processing: ``None`` with ``skip_plain`` (the caller skips the call), else the identity."""
    out: list[Callable[[Any], Any] | None] = []
    for column in columns:
        if isinstance(column.type, JSON):
            out.append(partial(_json_text, column))
        else:
            out.append(column.type.bind_processor(dialect) or (None if skip_plain else _as_is))
    return out


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class KeyedUpdate:
    """``UPDATE table SET column = row[param], ... WHERE key = row[key_param]`` for many rows.

    ``params`` maps each column to the row's key holding its value; ``also`` sets columns to
    expressions of the row as it stands (a stage move's CASE); ``only``, a condition on the
    row as it stands, leaves the rows that do not meet it unchanged. ``executemany`` is the plain
    statement, for an ``execute(statement, rows)`` anywhere; ``run`` is the batch write.
    """

    table: Table
    key_param: str
    params: Mapping[str, str]
    also: Mapping[str, ColumnElement[Any]] = field(default_factory=dict)
    key: str = "id"
    only: ColumnElement[bool] | None = None  # rows that do not meet it are left as they are

    @property
    def executemany(self) -> Update:
        return (
            update(self.table)
            .where(self.table.c[self.key] == bindparam(self.key_param), *self._only())
            .values({c: bindparam(p) for c, p in self.params.items()} | dict(self.also))
        )

    def _only(self) -> list[ColumnElement[bool]]:
        return [] if self.only is None else [self.only]

    def run(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write ``rows`` (dicts holding ``key_param`` and every param) in the session's
        transaction. Two rows for one key: the last one wins, as in an executemany."""
        if not rows:
            return
        if session.get_bind().dialect.name != "postgresql":
            sqlite_writes.executemany(session, self.executemany, rows)
            return
        missing = {self.key_param, *self.params.values()} - set(rows[0].keys())
        if missing:
            raise ValueError(f"row 0 has no value for {', '.join(sorted(missing))}")
        same_shape(rows)
        last = list({row[self.key_param]: row for row in rows}.values())
        dialect = session.get_bind().dialect
        session.execute(self._from_json(), {"rows": self._json(last, dialect)})

    def _columns(self) -> list[tuple[Column[Any], str]]:
        return [(self.table.c[c], p) for c, p in [(self.key, self.key_param), *self.params.items()]]

    def _from_json(self) -> Update:
        columns = [c for c, _ in self._columns()]
        given = _recordset(columns)
        values = {c.name: _read(c, given.c[f"c{i}"]) for i, c in enumerate(columns) if i}
        return (
            update(self.table)
            .where(self.table.c[self.key] == given.c.c0, *self._only())
            .values(values | dict(self.also))
        )

    def _json(self, rows: Sequence[Mapping[str, Any]], dialect: Dialect) -> str:
        columns = self._columns()
        return _rows_json([c for c, _ in columns], [p for _, p in columns], rows, dialect)


def _recordset(columns: Sequence[Column[Any]], ordinal: bool = False) -> Any:
    """``json_to_recordset(:rows) AS given(c0 type, c1 type, ...)``, one field per column
    (with ``ordinal``, and the row's place in the batch as field ``n``)."""
    fields = [record_field(f"c{i}", _field_type(c)) for i, c in enumerate(columns)]
    if ordinal:
        fields.append(record_field(ORDINAL, Integer()))
    return (
        func.json_to_recordset(cast(bindparam("rows", type_=NullType()), JSON))
        .table_valued(*fields)
        .render_derived(name="given", with_types=True)
    )


def _read(column: Column[Any], field_: Any) -> Any:
    """A record field as the column's value (a JSON column's text parsed back to JSON)."""
    return cast(field_, JSON) if isinstance(column.type, JSON) else field_


def _rows_json(
    columns: Sequence[Column[Any]],
    params: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    dialect: Dialect,
    defaults: bool = False,
    ordinal: bool = False,
) -> str:
    """The batch as the JSON array ``_recordset`` reads: field ``c<i>`` holds ``params[i]``
    of the row (with ``defaults``, the column's default when the row lacks it), bound as
    the column's type binds it; with ``ordinal``, field ``n`` holds the row's index.

    An explicit index, not the array's order: SQL promises no row order without ORDER BY."""
    if defaults:  # params are the columns' names; rows of one shape (same_shape)
        values = copy_row_maker(columns, rows[0].keys() if rows else (), dialect)
    else:
        values = _bound_getter(columns, params, dialect)
    fields = [f"c{i}" for i in range(len(columns))]
    if ordinal:
        out = [dict(zip(fields, values(row)), **{ORDINAL: n}) for n, row in enumerate(rows)]
    else:
        out = [dict(zip(fields, values(row))) for row in rows]
    return json_text(out, default=_refuse)


def _bound_getter(
    columns: Sequence[Column[Any]], params: Sequence[str], dialect: Dialect
) -> Callable[[Mapping[str, Any]], list[Any]]:
    """Row -> ``[row[param], ...]``, each bound as its column binds it (``binders_for``): one
    C-level lookup for all the params, a call only for the values that need binding."""
    take = tuple_getter(params)
    special = [
        (i, bind)
        for i, bind in enumerate(binders_for(columns, dialect, skip_plain=True))
        if bind is not None
    ]

    def values(row: Mapping[str, Any]) -> list[Any]:
        found = list(take(row))
        for i, bind in special:
            found[i] = bind(found[i])
        return found

    return values


def _field_type(column: Column[Any]) -> Any:
    """How a value reads from the JSON: strings as text (read into varchar(n) they would be
    cut to n characters, where the executemany UPDATE raises), JSON as its text, moments with
    their offset (assigned to a timestamp column as a bound aware datetime is)."""
    if isinstance(column.type, (String, JSON)):
        return Text()
    if isinstance(column.type, DateTime):
        return DateTime(timezone=True)
    return column.type


def _refuse(value: Any) -> str:
    """What json_text cannot write (it writes moments itself, as ``isoformat`` does)."""
    raise TypeError(f"{type(value).__name__} does not go into a batch update")


def _json_text(column: Column[Any], value: Any) -> str | None:
    """A JSON column's value as text; None is JSON null, as the JSON type binds it, unless
    the type says SQL NULL."""
    if value is None:
        return None if column.type.none_as_null else "null"  # type: ignore[attr-defined]
    return json_text(value)
