"""copy_row_maker: a COPY row is what binding each value (or its column's default) gives."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy.dialects import postgresql

from leadflow.core.bulk_writes import (
    binders_for,
    copy_columns,
    copy_row_maker,
    value_or_default,
)
from leadflow.core.models import Decision, Lead

DIALECT = postgresql.psycopg.dialect()
AT = datetime(2026, 12, 6, 9, 30)  # naive: the UTC type's binder makes it aware


def _reference(table, row):
    columns = copy_columns(table, row.keys())
    binders = binders_for(columns, DIALECT)
    return [bind(value_or_default(c, row)) for c, bind in zip(columns, binders, strict=True)]


@pytest.mark.parametrize(
    "table, row",
    [
        (Lead.__table__, {"email": "a@acme.example"}),  # one column given, the rest defaults
        (
            Lead.__table__,
            {
                "email": "b@x.example",
                "employees": 10,
                "enriched_at": AT,
                "enrichment_provenance": {"industry": {"provider": "p"}},
                "first_name": None,
                "is_free_mail": True,
            },
        ),
        (
            Decision.__table__,
            {
                "lead_id": 1,
                "kind": "score",
                "outcome": "hot",
                "reason": "r",
                "inputs": {"k": [1, 2]},
                "at": AT,
                "rule_id": None,
            },
        ),
        (
            Decision.__table__,
            {"lead_id": None, "kind": "score", "outcome": "hot", "reason": "r", "inputs": None},
        ),  # JSON None -> null
    ],
)
def test_each_value_bound_and_each_left_out_column_defaulted(table, row):
    columns = copy_columns(table, row.keys())
    made = copy_row_maker(columns, row.keys(), DIALECT)(row)
    expected = _reference(table, row)
    assert len(made) == len(expected) == len(columns)
    for column, got, want in zip(columns, made, expected, strict=True):
        if column.name in row or not callable(getattr(column.default, "arg", None)):
            assert got == want, column.name
        else:  # a callable default (now): the same kind of value, made anew per row
            assert type(got) is type(want), column.name
    names = [c.name for c in columns]
    if "enriched_at" in row:
        assert made[names.index("enriched_at")] == AT.replace(tzinfo=timezone.utc)
    if "inputs" in row:
        text = made[names.index("inputs")]  # JSON text: None is JSON null, not SQL NULL
        assert isinstance(text, str) and json.loads(text) == row["inputs"]


def test_rows_with_no_column_given_take_every_default():
    columns = copy_columns(Lead.__table__, [])
    made = copy_row_maker(columns, [], DIALECT)({})
    assert len(made) == len(columns) and "email" not in [c.name for c in columns]
