"""`leadflow outcomes import`: upsert a CRM export into crm_outcome, joined to our leads.

Idempotent by external id (the CRM's opportunity id, else a hash of the row). Rows whose
lead we do not hold are stored with no lead, so a later ingest or a fixed email can still
join them; rows that cannot be outcomes are reported with their line number.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.lifecycle import change_stage
from leadflow.core.models import CrmOutcome, Lead
from leadflow.report.outcome_rows import OutcomeRow, parse_rows
from leadflow.core.statuses import CrmStatus

CHUNK = 500
# Outcomes only move a lead forward: a won deal is not reopened by an older "open" row.
STAGE_RANK = {"opportunity": 1, "won": 2, "lost": 2}
STAGE_FOR = {"open": "opportunity", "won": "won", "lost": "lost"}


@dataclass
class ImportResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (line, email or id)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    stage_changes: int = 0


def read_csv(path: Path) -> tuple[list[OutcomeRow], list[tuple[int, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = []
        for raw in reader:
            rows.append((reader.line_num, raw))
        return parse_rows(rows, reader.fieldnames or [])


def _lead_ids(session: Session, rows: Sequence[OutcomeRow]) -> dict[str, int]:
    """ "email" or "#id" -> lead id, for the leads we hold."""
    emails = sorted({r.email for r in rows if r.email})
    ids = sorted({r.lead_id for r in rows if r.lead_id is not None})
    found: dict[str, int] = {}
    for i in range(0, len(emails), CHUNK):
        found.update(
            {
                email: lead_id
                for email, lead_id in session.execute(
                    select(Lead.email, Lead.id).where(Lead.email.in_(emails[i : i + CHUNK]))
                )
            }
        )
    for i in range(0, len(ids), CHUNK):
        found.update(
            (f"#{n}", n)
            for n in session.scalars(select(Lead.id).where(Lead.id.in_(ids[i : i + CHUNK])))
        )
    return found


def _match(row: OutcomeRow, leads: dict[str, int]) -> int | None:
    if row.lead_id is not None and f"#{row.lead_id}" in leads:
        return leads[f"#{row.lead_id}"]
    return leads.get(row.email or "")


def _values(row: OutcomeRow, lead_id: int | None, source: str) -> dict[str, object]:
    return {
        "lead_id": lead_id,
        "email": row.email,
        "status": row.status,
        "amount": row.amount,
        "opportunity_created_at": row.created_at,
        "closed_at": row.closed_at,
        "source": source,
    }


def _upsert(
    session: Session,
    existing: CrmOutcome | None,
    values: dict[str, object],
    external_id: str,
    at: datetime,
    result: ImportResult,
) -> None:
    if existing is None:
        session.add(CrmOutcome(external_id=external_id, imported_at=at, **values))
        result.inserted += 1
    elif any(getattr(existing, k) != v for k, v in values.items() if k != "source"):
        for key, value in values.items():
            setattr(existing, key, value)
        existing.imported_at = at
        result.updated += 1
    else:
        result.unchanged += 1


def _advance_stage(session: Session, lead_id: int, row: OutcomeRow, at: datetime) -> bool:
    lead = session.get(Lead, lead_id)
    target = STAGE_FOR[row.status]
    if lead is None or STAGE_RANK.get(lead.lifecycle_stage, 0) >= STAGE_RANK[target]:
        return False
    when = row.closed_at if row.status != CrmStatus.OPEN and row.closed_at else row.created_at or at
    return change_stage(
        session,
        lead,
        target,
        f"CRM opportunity {row.external_id} is {row.status}",
        when,
        rule_id="crm-import",
    )


def import_rows(
    session: Session, rows: Sequence[OutcomeRow], source: str, now: datetime | None = None
) -> ImportResult:
    at = as_utc(now)
    result = ImportResult()
    leads = _lead_ids(session, rows)
    latest = {row.external_id: row for row in rows}  # a repeated id in one file: the last row wins
    ids = sorted(latest)
    stored: dict[str, CrmOutcome] = {}
    for i in range(0, len(ids), CHUNK):
        stored.update(
            (o.external_id, o)
            for o in session.scalars(
                select(CrmOutcome).where(CrmOutcome.external_id.in_(ids[i : i + CHUNK]))
            )
        )
    for external_id, row in latest.items():
        lead_id = _match(row, leads)
        _upsert(
            session, stored.get(external_id), _values(row, lead_id, source), external_id, at, result
        )
        if lead_id is None:
            result.unmatched.append((row.line_no, row.email or f"lead {row.lead_id}"))
            continue
        result.matched += 1
        result.stage_changes += _advance_stage(session, lead_id, row, at)
    return result


def import_file(session: Session, path: Path, now: datetime | None = None) -> ImportResult:
    rows, bad = read_csv(path)
    result = import_rows(session, rows, path.name, now)
    result.bad = bad
    return result
