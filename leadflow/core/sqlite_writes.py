"""A batch's executemany on SQLite, each row bound once to a tuple, not by SQLAlchemy's
per-row parameter pass.

SQLAlchemy's executemany builds, for every row, a dict of every bound parameter of the
compiled statement and runs each value's processor (``construct_params``); on SQLite, where
the driver's own work is in process and cheap, that pass was a quarter of a re-score's time
(a profile of 200,000 leads, every score moving). Here a statement is compiled once per
shape of row, and each row becomes a tuple in the compiled statement's parameter order,
through the same processors that statement would run (``_bind_processors``: a moment as
SQLite's stored text, JSON as its text, a boolean as 0 or 1), with a column's Python-side
default where an INSERT's rows leave it out, as SQLAlchemy fills it. The tuples go to the
driver through ``exec_driver_sql``: SQLAlchemy's events and error wrapping still apply.

A statement SQLAlchemy does not cache (no cache key: SQLite's ON CONFLICT insert) is compiled
for the call, as SQLAlchemy compiles it too. Statements this does not handle (a list parameter
expanded at run time, a SQL-side default computed per row) go through ``session.execute`` as
before: same rows, same result. As in SQLAlchemy's executemany, the first row's keys are the
statement's: a later row lacking one is refused (with its index), a key it adds is ignored.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time
from decimal import Decimal
from dataclasses import dataclass
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

from leadflow.core.row_shape import tuple_getter

RowBinder = Callable[[Mapping[str, Any]], tuple[Any, ...]]


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled for rows of one shape: where each parameter comes from."""

    compiled: SQLCompiler
    order: list[str]  # the parameters in the text's order
    from_row: list[tuple[int, str]]  # (position, the row's key)
    from_default: list[tuple[int, Any]]  # (position, the column's Python-side default)
    process: list[tuple[int, Callable[[Any], Any]]]  # row and default values' processors
    processors: dict[str, Callable[[Any], Any]]  # by parameter

    def binder(self, extracted: Sequence[Any] | None) -> RowBinder:
        """Rows -> tuples; ``extracted``: this statement's own literal values (statements of
        one structure share a compiled form, as in SQLAlchemy's cache)."""
        fixed = self.compiled.construct_params(extracted_parameters=extracted, _check=False)
        processors = self.processors
        # Parameters the rows do not give: processed once (SQLAlchemy runs a processor on
        # None too: JSON null).
        per_row = {k for k, _ in self.from_row} | {k for k, _ in self.from_default}
        template = [
            None if k in per_row else _processed(processors.get(name), fixed.get(name))
            for k, name in enumerate(self.order)
        ]
        return _row_binder(template, self.from_row, self.from_default, self.process)


# (the statement's structure, row keys, dialect) -> how to bind it, or None when the statement
# must go through SQLAlchemy's own pass. A fixed set of statements in this code; bounded anyway.
_PREPARED: dict[tuple[Any, tuple[str, ...], int], _Prepared | None] = {}
_PREPARED_LOCK = threading.Lock()
KEPT_STATEMENTS = 256


def executemany(session: Session, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> None:
    """``session.execute(statement, rows)``, each row bound once (the first row's keys are
    the statement's, as in SQLAlchemy's executemany)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        session.execute(statement, list(rows))
        return
    keys = tuple(rows[0].keys())
    cache_key = statement._generate_cache_key()
    if cache_key is None:  # a statement SQLAlchemy does not cache either: compiled for this call
        compiled = statement._compiler(dialect, column_keys=list(keys), for_executemany=True)
        prepared, extracted = _plan(compiled, keys), None
    else:
        prepared, extracted = _prepare(statement, cache_key, keys, dialect), cache_key.bindparams
    if prepared is None:
        session.execute(statement, list(rows))
        return
    bind = prepared.binder(extracted)
    try:
        bound = [bind(row) for row in rows]
    except KeyError as lacking:  # never filled in: refused, as SQLAlchemy refuses it
        index = next((i for i, row in enumerate(rows) if not all(k in row for k in keys)), None)
        if index is None:  # every row has every key: the KeyError is a processor's own
            raise
        raise ValueError(f"row {index} lacks {lacking.args[0]}, which row 0 has") from None
    session.connection().exec_driver_sql(prepared.compiled.string, bound)


def _prepare(
    statement: UpdateBase, cache_key: Any, keys: tuple[str, ...], dialect: Dialect
) -> _Prepared | None:
    key = (cache_key.key, keys, id(dialect))
    with _PREPARED_LOCK:
        if key in _PREPARED:
            return _PREPARED[key]
    # Compiled with its cache key, as SQLAlchemy compiles for its cache: a later statement of
    # the same structure then gives its own literal values (``construct_params``).
    compiled = statement._compiler(
        dialect, cache_key=cache_key, column_keys=list(keys), for_executemany=True
    )
    prepared = _plan(compiled, keys)
    with _PREPARED_LOCK:
        if len(_PREPARED) >= KEPT_STATEMENTS:
            _PREPARED.clear()
        _PREPARED[key] = prepared
    return prepared


def _plan(compiled: Any, keys: tuple[str, ...]) -> _Prepared | None:
    """Where each parameter comes from, or None where this cannot bind as SQLAlchemy would
    (see the module docstring)."""
    if not isinstance(compiled, SQLCompiler) or not compiled.positional:
        return None
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None  # expanded per execution
    defaults = _python_defaults(compiled)
    if defaults is None:
        return None
    order = list(compiled.positiontup or [])
    processors: dict[str, Callable[[Any], Any]] = {}
    for name, process in compiled._bind_processors.items():
        if not callable(process):
            return None  # a tuple's processors, one per element
        processors[name] = process
    given = set(keys)
    return _Prepared(
        compiled,
        order,
        [(k, name) for k, name in enumerate(order) if name in given],
        [
            (k, defaults[name])
            for k, name in enumerate(order)
            if name not in given and name in defaults
        ],
        [
            (k, processors[name])
            for k, name in enumerate(order)
            if name in processors and (name in given or name in defaults)
        ],
        processors,
    )


def _processed(process: Callable[[Any], Any] | None, value: Any) -> Any:
    return process(value) if process is not None else value


def _python_defaults(compiled: Any) -> dict[str, Any] | None:
    """The Python-side defaults an INSERT computes per row for the columns its rows leave
    out (``insert_prefetch``), by parameter name; None when one is not a plain value or a
    function of no arguments."""
    out: dict[str, Any] = {}
    for column in list(getattr(compiled, "insert_prefetch", ())) + list(
        getattr(compiled, "update_prefetch", ())
    ):
        default = column.default if column in getattr(compiled, "insert_prefetch", ()) else None
        if default is None or default.is_sequence or default.is_clause_element:
            return None
        out[column.key] = default
    return out


def _row_binder(
    template: list[Any],
    from_row: list[tuple[int, str]],
    from_default: list[tuple[int, Any]],
    process: list[tuple[int, Callable[[Any], Any]]],
) -> RowBinder:
    """Row -> its tuple: the row's values, then the defaults, then the shared values, put in
    the text's order by one ``itemgetter``; then the processors, each remembering its last
    answer for an immutable value (a batch's rows mostly share one moment)."""
    where = {k: n for n, (k, _) in enumerate(from_row)}
    where |= {k: len(from_row) + n for n, (k, _) in enumerate(from_default)}
    shared = len(from_row) + len(from_default)
    order = [where.get(k, shared + k) for k in range(len(template))]
    reorder = tuple_getter(order)
    take = tuple_getter([name for _, name in from_row])
    defaults = [default for _, default in from_default]
    fixed = tuple(template)
    steps = [(k, _remembering(proc)) for k, proc in process]

    def bind(row: Mapping[str, Any]) -> tuple[Any, ...]:
        given = take(row)
        if defaults:
            given += tuple(d.arg(None) if d.is_callable else d.arg for d in defaults)
        values = reorder(given + fixed)
        if not steps:
            return values
        out = list(values)
        for k, proc in steps:
            out[k] = proc(out[k])
        return tuple(out)

    return bind


# Values a processor gives the same answer for whenever it is the same object.
_IMMUTABLE = (datetime, date, time, str, int, float, bool, Decimal)


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    last: list[Any] = [_NONE, None]

    def run(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        out = process(value)
        if isinstance(value, _IMMUTABLE):
            last[0], last[1] = value, out
        return out

    return run


_NONE = object()  # no value seen yet
