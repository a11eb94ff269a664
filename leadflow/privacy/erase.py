"""Erase a person: their personal data goes from every table; a salted hash of their address
stays on the suppression list, so a re-ingest neither resurrects nor emails them.

What stays is what is not about them as a person: row counts for reports (the lead row as an
empty tombstone, its events without recipient or agent, its emails without address or
subject), and one decision recording that an erasure happened, with no personal data in it.
Every text and JSON column of every table is then searched for the address, the name and the
phone, so data copied into decisions, merge snapshots or webhook payloads goes too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from leadflow.core.decisions import record
from leadflow.core.erasure_keys import ERASED_REASON, erasure_key
from leadflow.core.models import (
    Base,
    EngagementEvent,
    EnrichmentCache,
    Enrollment,
    Lead,
    LeadAlias,
    OutboundEmail,
    SourceRecord,
    Suppression,
)
from leadflow.core.models.leads import payload_digest
from leadflow.privacy.person_data import PersonRows
from leadflow.core.statuses import EnrollmentStatus, LeadStatus

REDACTED = "[erased]"
SOURCE_RECORD = SourceRecord.__table__
# Lead columns that describe the person (the rest are scores, statuses and timestamps).
PERSONAL_COLUMNS = (
    "first_name",
    "last_name",
    "full_name",
    "company",
    "company_key",
    "title",
    "phone",
    "phone_e164",
    "city",
    "domain",
    "name_key",
    "email_key",
    "domain_name_key",
    "company_name_key",
    "enrichment_provenance",
    "locale",
    "state",
)


@dataclass
class ErasureReport:
    lead_ids: list[int]
    key: str  # what stays on the suppression list
    redacted: dict[str, int] = field(default_factory=dict)  # table -> rows changed by the search


def _identifiers(found: PersonRows) -> list[str]:
    """Strings that identify the person wherever they were copied: address, phone, full name."""
    values = {found.email}
    for lead in found.tables.get("lead", {}).values():
        values |= {
            lead.get("email"),
            lead.get("phone"),
            lead.get("phone_e164"),
            lead.get("full_name"),
        }
        first, last = lead.get("first_name"), lead.get("last_name")
        if first and last:
            values |= {f"{first} {last}", f"{last}{first}", f"{last} {first}"}
    for alias in found.tables.get("lead_alias", {}).values():
        values.add(alias.get("value"))
    # Two characters is a whole Chinese name; shorter would match other people's data.
    return sorted((v for v in values if v and len(v.strip()) >= 2), key=len, reverse=True)


def _redact(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, REDACTED)
        return value
    if isinstance(value, dict):
        return {_redact(k, needles): _redact(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, needles) for v in value]
    return value


def _search_and_redact(session: Session, needles: list[str]) -> dict[str, int]:
    """Every text and JSON column of every table: rows holding an identifier are rewritten."""
    # JSON columns may keep non-ASCII escaped (\\u674e): search for that spelling too.
    spellings = sorted({s for n in needles for s in (n, json.dumps(n)[1:-1])})
    changed: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, (String, Text, JSON)) and not c.primary_key
        ]
        if not columns or not table.primary_key.columns:
            continue
        tests = [cast(c, Text).contains(s, autoescape=True) for c in columns for s in spellings]
        keys = list(table.primary_key.columns)
        for row in session.execute(select(*keys, *columns).where(or_(*tests))).mappings().all():
            values = {c.name: _redact(row[c.name], needles) for c in columns}
            if table is SOURCE_RECORD:  # a cleaner that read the row before must see it changed
                values["payload_hash"] = payload_digest(values["payload"])
            session.execute(update(table).where(*(k == row[k.name] for k in keys)).values(**values))
            changed[table.name] = changed.get(table.name, 0) + 1
    return changed


def _tombstone(session: Session, lead_ids: list[int], at: datetime) -> None:
    for lead_id in lead_ids:
        session.execute(
            update(Lead)
            .where(Lead.id == lead_id)
            .values(
                email=f"erased-{lead_id}@erased.invalid",
                status=LeadStatus.ERASED,
                suppressed=True,
                suppression_reason=ERASED_REASON,
                updated_at=at,
                **dict.fromkeys(PERSONAL_COLUMNS),
            )
        )
    session.execute(
        update(Enrollment)
        .where(Enrollment.lead_id.in_(lead_ids), Enrollment.status == EnrollmentStatus.ACTIVE)
        .values(status=EnrollmentStatus.EXITED, exit_reason=ERASED_REASON, ended_at=at)
    )
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.lead_id.in_(lead_ids))
        .values(payload={}, payload_hash=payload_digest({}), reason=None)
    )
    session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.lead_id.in_(lead_ids))
        .values(to_addr=REDACTED, subject=None, error=None)
    )
    session.execute(
        update(EngagementEvent)
        .where(EngagementEvent.lead_id.in_(lead_ids))
        .values(recipient=None, user_agent=None, detail=None)
    )
    session.execute(delete(LeadAlias).where(LeadAlias.lead_id.in_(lead_ids)))


def erase_person(session: Session, found: PersonRows, secret: str, at: datetime) -> ErasureReport:
    """Erase what ``found`` holds (see person_rows); the caller commits."""
    needles = _identifiers(found)
    addresses = [v for v in needles if "@" in v]
    key = erasure_key(secret, found.email)
    session.execute(delete(Suppression).where(Suppression.email.in_(addresses)))
    if session.get(Suppression, key) is None:
        session.add(Suppression(email=key, reason=ERASED_REASON, note=None, suppressed_at=at))
    session.execute(delete(EnrichmentCache).where(EnrichmentCache.key.in_(addresses)))
    _tombstone(session, found.lead_ids, at)
    session.flush()
    report = ErasureReport(found.lead_ids, key, _search_and_redact(session, needles))
    # The erasure is itself a decision, with counts and the key but nothing about the person.
    record(
        session,
        lead_id=found.lead_ids[0] if found.lead_ids else None,
        kind="erase",
        rule_id="privacy:erase",
        outcome="personal data erased",
        reason="data subject request (right to erasure)",
        inputs={
            "lead_ids": found.lead_ids,
            "suppression_key": key,
            "tables": sorted(found.tables),
            "redacted": report.redacted,
        },
        at=at,
    )
    return report
