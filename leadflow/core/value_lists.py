"""``among(column, values)``: ``column IN values`` for a batch's worth of values, sent as one
parameter instead of one per value.

SQLAlchemy's ``column.in_(values)`` renders a placeholder per value, each bound and
type-processed on every execution: 5,000 ids cost 90-100 ms in SQLAlchemy and the driver
before PostgreSQL reads them (``bench/bench_value_lists.py``), about 20 µs per lead for
every batch lookup. Here the list travels whole: an array on PostgreSQL
(``column = ANY(CAST(:p AS type[]))``), a JSON text on SQLite
(``column IN (SELECT value FROM json_each(:p))``); both still use the column's index.

The statement's text does not depend on how many values there are, so it is compiled
once and cached, where an expanding ``IN`` is rendered anew for each length.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Boolean, ColumnElement, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.type_api import TypeDecorator
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, String


class _ValueList(TypeDecorator[list[Any]]):
    """A Python list bound as one parameter: on PostgreSQL an array's text (or, for values
    that are not all ints or all strings, the list, which the driver sends as an array), as
    JSON text elsewhere.

    ``literal``: the statement casts the parameter to its array type (a column of known type),
    so the array's text form will do."""

    impl = NullType  # no cast rendered on the placeholder (psycopg casts a typed one)
    cache_ok = True

    def __init__(self, literal: bool = False):
        super().__init__()
        self.literal = literal

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return array_text(value) if self.literal and value is not None else value
        return _json_list(value)

    def bind_processor(self, dialect: Dialect) -> Any:
        # Only ours runs: the impl's own processing has nothing to add.
        return lambda value: self.process_bind_param(value, dialect)


_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json_list(values: list[Any] | None) -> str:
    """The list as JSON text for SQLite's json_each: orjson (5,000 strings in 0.1 ms, where
    json.dumps takes 1.9), refusing what json.dumps refused (a moment, a dataclass: their
    text would not be the column's); json.dumps for an integer past 64 bits."""
    try:
        return orjson.dumps(values, option=_STRICT).decode()
    except orjson.JSONEncodeError:
        return json.dumps(values)


class Among(ColumnElement[bool]):
    """``column`` equals one of ``values`` (see the module's text)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands, never "(...) = 1" on SQLite
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, values: Iterable[Any]):
        self.column: ColumnElement[Any] = coercions.expect(roles.ExpressionElementRole, column)
        literal = not isinstance(self.column.type, NullType)  # see _any_array
        self.values: BindParameter[list[Any]] = bindparam(
            None, [_plain(v) for v in values], type_=_ValueList(literal), unique=True
        )


def array_text(values: list[Any]) -> Any:
    """PostgreSQL's text form of an array of ints or of strings, or the list itself when its
    values are anything else (a None among them, say).

    psycopg dumps a list value by value in Python, about 1.2 µs a string and 0.7 an int; this
    text costs a tenth of that and the server parses it. In double quotes only a backslash and
    a double quote need escaping: braces, commas, spaces and the word NULL are the string's own.
    """
    kinds = set(map(type, values))
    if kinds <= {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds == {str}:
        escaped = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
        return '{"' + '","'.join(escaped) + '"}'
    return values


def _plain(value: Any) -> Any:
    """A str or int subclass (a StrEnum) as its plain value: both JSON and the array agree."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    return value


def among(column: Any, values: Iterable[Any]) -> Among:
    """``column IN values``, the list bound as one parameter (an empty list matches none)."""
    return Among(column, values)


@compiles(Among)
def _in_json_each(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    # A subquery's values carry no affinity: as text for a text column, as in_() would compare.
    value = "CAST(value AS TEXT)" if isinstance(element.column.type, String) else "value"
    # In parentheses: the condition may be an operand ("... = false") where it is used.
    return f"({column} IN (SELECT {value} FROM json_each({values})))"


@compiles(Among, "postgresql")
def _any_array(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    # Strings as text[]: a cast to varchar(n)[] would cut a longer value to n characters
    # (and so match what it is not); a varchar column's index serves text comparisons.
    kind = element.column.type
    if isinstance(kind, NullType):  # an expression of no known type: the server infers it
        return f"({column} = ANY({values}))"
    array_of = (
        "TEXT"
        if isinstance(kind, String)
        else compiler.dialect.type_compiler_instance.process(kind)
    )
    return f"({column} = ANY(CAST({values} AS {array_of}[])))"
