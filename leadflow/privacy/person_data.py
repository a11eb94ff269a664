"""Everything held about one person: their lead(s), every row that points at them, and the
rows that name their address. Found through the schema's foreign keys, so a table added
later is covered without a change here."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from io import StringIO
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from leadflow.core.errors import UnknownLead
from leadflow.core.models import Base, CrmOutcome, EngagementEvent, Lead, LeadAlias, Suppression

LEAD = Lead.__table__


@dataclass
class PersonRows:
    email: str
    lead_ids: list[int]
    tables: dict[str, dict[Any, dict[str, Any]]] = field(
        default_factory=dict
    )  # table -> key -> row

    def add(self, table: Table, rows: Iterable[Any]) -> list[dict[str, Any]]:
        """Keep rows (by primary key); returns those not seen before."""
        kept = self.tables.setdefault(table.name, {})
        new = []
        for row in rows:
            values = dict(row._mapping)
            key = tuple(values[c.name] for c in table.primary_key.columns)
            if key not in kept:
                kept[key] = values
                new.append(values)
        return new

    def ids(self, table: str) -> list[Any]:
        return [key[0] for key in self.tables.get(table, {})]


def _pointing_at(target: Table) -> list[tuple[Table, Any]]:
    """(table, column) pairs with a foreign key to ``target``'s primary key."""
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table is target
    ]


def lead_ids_for(session: Session, email: str) -> list[int]:
    """The leads holding this address, as their own or as a kept alias."""
    address = email.strip().lower()
    own = session.scalars(select(Lead.id).where(Lead.email == address))
    aliased = session.scalars(
        select(LeadAlias.lead_id).where(LeadAlias.kind == "email", LeadAlias.value == address)
    )
    return sorted(set(own) | set(aliased))


def person_rows(session: Session, email: str) -> PersonRows:
    """Every row about the person, two foreign-key steps out from their leads."""
    address = email.strip().lower()
    found = PersonRows(address, lead_ids_for(session, address))
    if not found.lead_ids and session.get(Suppression, address) is None:
        raise UnknownLead(f"nothing is held about {email!r}")
    found.add(LEAD, session.execute(select(LEAD).where(LEAD.c.id.in_(found.lead_ids))))
    parents: list[tuple[Table, list[dict[str, Any]]]] = []
    for table, column in _pointing_at(LEAD):
        parents.append(
            (
                table,
                found.add(table, session.execute(select(table).where(column.in_(found.lead_ids)))),
            )
        )
    for parent, rows in parents:  # one more step: links of their emails, hooks of their assignments
        keys = [row[parent.primary_key.columns.values()[0].name] for row in rows]
        for table, column in _pointing_at(parent) if keys else ():
            if table is not LEAD:
                found.add(table, session.execute(select(table).where(column.in_(keys))))
    for table, column in (
        (Suppression.__table__, Suppression.email),
        (EngagementEvent.__table__, EngagementEvent.recipient),
        (CrmOutcome.__table__, CrmOutcome.email),
    ):
        found.add(table, session.execute(select(table).where(column == address)))
    return found


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def as_json(found: PersonRows, at: datetime) -> str:
    tables = {
        name: [{k: _plain(v) for k, v in row.items()} for row in rows.values()]
        for name, rows in sorted(found.tables.items())
        if rows
    }
    return json.dumps(
        {
            "email": found.email,
            "exported_at": at.isoformat(),
            "lead_ids": found.lead_ids,
            "tables": tables,
        },
        ensure_ascii=False,
        indent=2,
        default=str,
    )


def as_csv(found: PersonRows) -> str:
    """One line per stored value: table, row key, field, value (JSON for structured values)."""
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "row", "field", "value"])
    for name, rows in sorted(found.tables.items()):
        for key, row in rows.items():
            for column, value in row.items():
                shown = (
                    json.dumps(value, ensure_ascii=False, default=str)
                    if isinstance(value, (dict, list))
                    else _plain(value)
                )
                writer.writerow(
                    [name, "/".join(str(k) for k in key), column, "" if shown is None else shown]
                )
    return out.getvalue()
