"""``among(column, values)`` finds exactly the rows ``column.in_(values)`` finds, on both
databases, with the list sent as one parameter."""

from __future__ import annotations

import random
from enum import StrEnum

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from leadflow.core.db import engine_for
from leadflow.core.value_lists import among

pytestmark = pytest.mark.db

META = MetaData()
ITEM = Table(
    "value_list_item",
    META,
    Column("id", Integer, primary_key=True),
    Column("code", String(8), index=True),
    Column("flag", String(10)),
)
CODES = [f"c{i:03d}" for i in range(200)]


class Colour(StrEnum):
    RED = "c001"
    BLUE = "c002"


@pytest.fixture
def table_of(database_url: str):  # type: ignore[no-untyped-def]
    """Fills the table with one row per code (ids from 1, in order) and gives its engine."""
    engine = engine_for(database_url)
    META.create_all(engine)

    def filled(codes: list[str]):  # type: ignore[no-untyped-def]
        with engine.begin() as connection:
            connection.execute(
                ITEM.insert(), [{"id": i + 1, "code": code} for i, code in enumerate(codes)]
            )
        return engine

    yield filled
    META.drop_all(engine)


@pytest.fixture
def items(table_of):  # type: ignore[no-untyped-def]
    return table_of(CODES)


def _ids(connection, condition) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(connection.scalars(select(ITEM.c.id).where(condition)))


def test_among_finds_what_in_finds_for_ids_and_strings(items) -> None:
    chooser = random.Random(7)
    with items.connect() as connection:
        for size in (1, 2, 17, 150, 400):
            ids = [chooser.randint(-5, 260) for _ in range(size)]  # repeats and misses too
            codes = [chooser.choice(CODES + ["zz", "", "C001"]) for _ in range(size)]
            assert _ids(connection, among(ITEM.c.id, ids)) == _ids(connection, ITEM.c.id.in_(ids))
            assert _ids(connection, among(ITEM.c.code, codes)) == _ids(
                connection, ITEM.c.code.in_(codes)
            )


def test_empty_lists_none_enums_and_long_values(items) -> None:
    with items.connect() as connection:
        assert _ids(connection, among(ITEM.c.id, [])) == []
        assert _ids(connection, among(ITEM.c.code, [None, "c005"])) == [6]  # NULL matches nothing
        assert _ids(connection, among(ITEM.c.code, {Colour.RED, Colour.BLUE})) == [2, 3]
        # Longer than the column: never cut down to a stored value's length (c001 is stored).
        assert _ids(connection, among(ITEM.c.code, ["c001" + "x" * 20])) == []
        assert _ids(connection, among(ITEM.c.id, iter(range(1, 4)))) == [1, 2, 3]


def test_among_in_updates_and_combined_conditions(items) -> None:
    with items.begin() as connection:
        connection.execute(update(ITEM).where(among(ITEM.c.id, [3, 4, 5])).values(flag="x"))
    with items.connect() as connection:
        assert _ids(connection, ITEM.c.flag == "x") == [3, 4, 5]
        assert _ids(connection, among(ITEM.c.id, [3, 4, 9]) & (ITEM.c.flag == "x")) == [3, 4]
        assert _ids(connection, ~among(ITEM.c.id, range(2, 201))) == [1]


def test_an_operand_an_untyped_expression_and_numbers_for_a_text_column(items) -> None:
    with items.connect() as connection:
        # Parenthesised: usable where it is compared ("... = false"), as in_() is.
        assert _ids(connection, among(ITEM.c.id, range(2, 201)) == False) == [1]  # noqa: E712
        # No known type (a function of a column): the server infers the array's type.
        assert _ids(connection, among(func.upper(ITEM.c.code), ["C007"])) == [8]
    with items.begin() as connection:
        connection.execute(update(ITEM).where(ITEM.c.id == 4).values(code="42"))
    with items.connect() as connection:
        # A number for a text column matches its text, on SQLite as in_() does (PostgreSQL
        # compares as text either way).
        assert _ids(connection, among(ITEM.c.code, [42])) == _ids(
            connection, ITEM.c.code.in_(["42"])
        )
        assert _ids(connection, among(ITEM.c.code, [42])) == [4]


@pytest.mark.parametrize("dialect", [postgresql.psycopg.dialect(), sqlite.dialect()])
def test_one_statement_text_whatever_the_number_of_values(dialect) -> None:  # type: ignore[no-untyped-def]
    texts = {
        str(select(ITEM.c.id).where(among(ITEM.c.id, list(range(n)))).compile(dialect=dialect))
        for n in (1, 10, 5000)
    }
    assert len(texts) == 1
    (text,) = texts
    assert "ANY(CAST(" in text or "json_each(" in text


# Strings the list's one parameter must carry intact: an array's delimiters (braces, commas),
# quotes, backslashes, the word NULL, spaces at either end, the empty string, letters beyond
# ASCII.
AWKWARD = ['a"b', "a\\b", "\\", '"', "{x}", "a,b", "NULL", "null", " pad ", "", "é名", '\\"\\']


def test_strings_with_quotes_backslashes_braces_and_the_word_null(table_of) -> None:  # type: ignore[no-untyped-def]
    with table_of(AWKWARD).connect() as connection:
        for i, code in enumerate(AWKWARD):
            assert _ids(connection, among(ITEM.c.code, [code, "zz"])) == [i + 1], code
        assert _ids(connection, among(ITEM.c.code, AWKWARD + [None])) == list(
            range(1, len(AWKWARD) + 1)
        )
        # Only the string NULL, never the missing value: a row with none matches nothing.
        connection.execute(ITEM.insert().values(id=100, code=None))
        assert _ids(connection, among(ITEM.c.code, ["NULL"])) == [AWKWARD.index("NULL") + 1]


def test_random_strings_of_every_printable_character_and_controls(table_of) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL receives the list as an array's text (value_lists.array_text): whatever a
    # string holds, it must arrive as itself.
    chooser = random.Random(11)
    alphabet = [chr(c) for c in range(1, 128)] + ["é", "名", "\u2028", "🙂"]
    codes = sorted(
        {"".join(chooser.choices(alphabet, k=chooser.randint(0, 8))) for _ in range(300)}
    )
    with table_of(codes).connect() as connection:
        assert _ids(connection, among(ITEM.c.code, codes)) == list(range(1, len(codes) + 1))
        for i in chooser.sample(range(len(codes)), 40):
            assert _ids(connection, among(ITEM.c.code, [codes[i]])) == [i + 1], repr(codes[i])
