"""`leadflow activities import`: store an export's activity history as engagement events.

Idempotent: each event has a stable id (the export's activity id, else a hash of the row;
for counts, one id per counted event), and the (provider, id) pair is unique, so a
re-import inserts nothing it already holds. Rows for leads we do not hold are kept with no
lead (a later ingest can join them); unknown activity types are kept and counted.
Events stay unprocessed, so the engagement flow re-scores their leads with decay.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.models import EngagementEvent, Lead
from leadflow.scoring.activities import Activity, activities_of, read_layout
from leadflow.scoring.engagement_policy import EVENT_TYPES
from leadflow.core.errors import TableError
from leadflow.scoring.tables import Table

PROVIDER = "import"
CHUNK = 500


@dataclass
class ActivityImport:
    events: int = 0
    inserted: int = 0
    already_held: int = 0
    leads_matched: int = 0
    unmatched_events: int = 0
    unknown_types: Counter[str] = field(default_factory=Counter)
    bad: list[tuple[int, str]] = field(default_factory=list)


def _lead_ids(session: Session, keys: set[str]) -> dict[str, int]:
    emails = sorted(k for k in keys if not k.startswith("#"))
    numbers = sorted(int(k[1:]) for k in keys if k.startswith("#") and k[1:].isdigit())
    found: dict[str, int] = {}
    for i in range(0, len(emails), CHUNK):
        query = select(Lead.email, Lead.id).where(Lead.email.in_(emails[i : i + CHUNK]))
        found.update((email, lead_id) for email, lead_id in session.execute(query))
    for i in range(0, len(numbers), CHUNK):
        found.update(
            (f"#{n}", n)
            for n in session.scalars(select(Lead.id).where(Lead.id.in_(numbers[i : i + CHUNK])))
        )
    return found


def _held(session: Session, ids: list[str]) -> set[str]:
    held: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        held.update(
            session.scalars(
                select(EngagementEvent.provider_event_id).where(
                    EngagementEvent.provider == PROVIDER,
                    EngagementEvent.provider_event_id.in_(ids[i : i + CHUNK]),
                )
            )
        )
    return held


def collect(table: Table, as_of: datetime) -> tuple[list[Activity], ActivityImport]:
    layout = read_layout(table.headers)
    if layout is None:
        raise TableError(f"{table.name}: no lead email or lead id column (e.g. Email, lead_id)")
    if layout.type is None and not layout.counts:
        raise TableError(
            f"{table.name}: neither an activity type column nor count columns "
            "(e.g. Emails Opened, pricing_page_views)"
        )
    result = ActivityImport(bad=list(table.unreadable))
    activities: dict[str, Activity] = {}
    for line_no, row in enumerate(table.rows, start=2):
        found, problem = activities_of(table.name, line_no, row, layout, as_of)
        if problem:
            result.bad.append((line_no, problem))
        for activity in found:
            activities[activity.event_id] = activity  # a repeated row in one file counts once
            if activity.type not in EVENT_TYPES:
                result.unknown_types[activity.original_type] += 1
    return list(activities.values()), result


def import_activities(
    session: Session, table: Table, now: datetime | None = None, as_of: datetime | None = None
) -> ActivityImport:
    at = as_utc(now)
    activities, result = collect(table, as_utc(as_of) if as_of else at)
    result.events = len(activities)
    leads = _lead_ids(session, {a.lead_key for a in activities})
    held = _held(session, [a.event_id for a in activities])
    result.already_held = len(held)
    rows = []
    for activity in activities:
        lead_id = leads.get(activity.lead_key)
        result.unmatched_events += lead_id is None
        if activity.event_id in held:
            continue
        rows.append(
            {
                "provider": PROVIDER,
                "provider_event_id": activity.event_id,
                "type": activity.type,
                "lead_id": lead_id,
                "recipient": None if activity.lead_key.startswith("#") else activity.lead_key,
                "url": activity.url,
                "is_machine": False,
                "occurred_at": activity.occurred_at,
                "detail": {
                    "source": table.name,
                    "line": activity.line_no,
                    "original_type": activity.original_type,
                },
            }
        )
    for i in range(0, len(rows), CHUNK):
        session.execute(EngagementEvent.__table__.insert(), rows[i : i + CHUNK])
    result.inserted = len(rows)
    result.leads_matched = len({leads[a.lead_key] for a in activities if a.lead_key in leads})
    return result
