"""Many new rows of one table in one statement: COPY on PostgreSQL, one executemany elsewhere.

Why COPY and not executemany on PostgreSQL: psycopg runs an executemany as one INSERT per row,
so a statement-level trigger (the name counts on ``lead``, migration 0009) fires once per row,
and each row pays a statement's round of parsing and planning. One COPY is one statement:
the trigger fires once for the batch (bench/bench_lead_writes.py measures it).

COPY cannot skip conflicts: callers insert rows they know to be new (in the same transaction,
under the locks that make them new), as the Core executemany they replace did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of one shape, as for executemany) in the session's transaction.

    Columns a row leaves out take their defaults, as a Core insert gives them: the Python-side
    default of the model (``default=``), else the server's (``server_default``, the key's
    sequence), else NULL.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), list(rows))
        return
    columns = copy_columns(table, rows[0].keys())
    names = ", ".join(f'"{column.name}"' for column in columns)
    copy_in(
        session,
        f'COPY "{table.name}" ({names}) FROM STDIN',
        ([copy_value(column, row) for column in columns] for row in rows),
    )


def copy_in(session: Session, statement: str, values: Iterable[Sequence[Any]]) -> None:
    """Run a ``COPY ... FROM STDIN`` in the session's transaction (PostgreSQL, psycopg).

    The driver's errors come out as SQLAlchemy's, as from ``session.execute``: callers tell a
    refused row (IntegrityError, a trigger's exception) and a deadlock (retried as transient)
    apart the same way for both."""
    dbapi = session.get_bind().dialect.loaded_dbapi
    driver = session.connection().connection.driver_connection
    try:
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


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


def copy_value(column: Column[Any], row: dict[str, Any]) -> Any:
    """The value COPY writes for ``column``: the row's, else the Python-side default; JSON as
    text (None: JSON null, as the JSON type binds it, unless the type says SQL NULL)."""
    if column.name in row:
        value = row[column.name]
    else:
        default = column.default
        value = default.arg(None) if default.is_callable else default.arg  # type: ignore[union-attr]
    if isinstance(column.type, JSON):
        if value is None:
            return None if column.type.none_as_null else "null"
        return json.dumps(value)
    return value
