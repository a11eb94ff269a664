"""Recording the why of every decision, in one shape."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from leadflow.core import sqlite_writes
from leadflow.core.bulk_writes import copy_in
from leadflow.core.clock import as_utc, utcnow
from leadflow.core.json_text import json_text
from leadflow.core.models import Decision

DECISION: Table = Decision.__table__  # type: ignore[assignment]
# Every column but the key, in table order: the COPY column list.
COLUMNS = tuple(column.name for column in DECISION.columns if column.name != "id")


# Types a JSON column stores as they are: checked by exact type, inline, since json_safe runs
# for every field of every decision (a subclass, an enum say, takes the slow path).
_PLAIN = frozenset({str, int, float, bool, type(None)})
# A dataclass type's field names, found once: ``dataclasses.fields`` builds its tuple anew on
# every call, and a score's fired rules are a handful of dataclasses per lead.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def json_safe(value: Any) -> Any:
    """``value`` as JSON can hold it: dataclasses and dicts as dicts with string keys, other
    collections as lists, dates as ISO text, anything else as its text."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:  # plain values are copied in the comprehension, not passed to a call
        return {
            k if type(k) is str else str(k): v if type(v) in _PLAIN else json_safe(v)
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else json_safe(v) for v in value]
    names = _FIELD_NAMES.get(kind)
    if names is not None:
        return {name: json_safe(getattr(value, name)) for name in names}
    return _json_safe_other(value)


def _json_safe_other(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Shallow: asdict() deep-copies every nested value, which is most of the cost.
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        return {name: json_safe(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def decision_row(
    *,
    lead_id: int | None,
    kind: str,
    outcome: str,
    reason: str,
    at: datetime,
    rule_id: str | None = None,
    inputs: dict[str, Any] | None = None,
    config_version: str | None = None,
    flow_run_id: str | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """A decision as a row, for batch inserts (one statement for a whole batch). ``actor``
    names the person whose hand it was (None: the pipeline's rules decided)."""
    return {
        "lead_id": lead_id,
        "kind": kind,
        "rule_id": rule_id,
        "outcome": outcome,
        "reason": reason,
        "inputs": json_safe(inputs or {}),
        "config_version": config_version,
        "flow_run_id": flow_run_id,
        "at": at,
        "actor": actor,
    }


def record(session: Session, **fields: Any) -> None:
    """Add one decision to the session; takes the same keywords as ``decision_row``."""
    session.add(Decision(**decision_row(**fields)))


def write_decisions(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert decision rows (``decision_row`` dicts) in the session's transaction: COPY on
    PostgreSQL (several times faster than executemany: bench/bench_decisions.py), one
    executemany elsewhere. Core, not ORM: pending ORM objects are not flushed first. The rows
    of one call share one shape (executemany needs it); ``inputs`` and ``at`` left out take
    their column defaults (no other column has one). The same rows either way."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        sqlite_writes.executemany(session, DECISION.insert(), rows)  # no ORM bookkeeping
        return
    copy_in(
        session,
        f"COPY decision ({', '.join(COLUMNS)}) FROM STDIN",
        (_copy_values(row) for row in rows),
    )


def _copy_values(row: dict[str, Any]) -> list[Any]:
    """One row in COPY's column order, bound as the ORM binds it: inputs as JSON text (an
    absent key: {}, as the column default), ``at`` as aware UTC (absent: now)."""
    values = [row.get(name) for name in COLUMNS]
    values[_INPUTS] = json_text(row.get("inputs", {}))
    values[_AT] = as_utc(row["at"]) if "at" in row else utcnow()
    return values


_INPUTS, _AT = COLUMNS.index("inputs"), COLUMNS.index("at")
