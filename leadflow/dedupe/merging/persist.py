"""What a batch's fuzzy merges write besides the lead: merge events, aliases, review pairs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadflow.core.decisions import json_safe
from leadflow.core.models import LeadAlias, MergeCandidate, MergeEvent
from leadflow.core.statuses import CandidateStatus


@dataclass
class EventDraft:
    """One stored lead absorbing the rows of one new address in a batch."""

    target_lead_id: int
    rule_id: str
    probability: float
    split: dict[str, Any]  # the lead the rows would have created
    source_record_ids: list[int] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    def note(self, current: dict[str, Any], changes: dict[str, Any]) -> None:
        """Remember the first value each changed field had, and the last one written."""
        for name, value in changes.items():
            self.before.setdefault(name, current.get(name))
            self.after[name] = value


def save_events(session: Session, drafts: Iterable[EventDraft], at: datetime) -> list[int]:
    events = [
        MergeEvent(
            target_lead_id=d.target_lead_id,
            rule_id=d.rule_id,
            probability=d.probability,
            source_record_ids=d.source_record_ids,
            before=json_safe(d.before),
            after=json_safe(d.after),
            split=json_safe(d.split),
            created_at=at,
        )
        for d in drafts
    ]
    session.add_all(events)
    session.flush()
    return [e.id for e in events]


def attach_rows(session: Session, rows_by_event: dict[int, list[int]]) -> None:
    """Rows that reached a lead through the address a merge kept join that merge, so that
    undoing it gives them back to the lead they belong to as well."""
    if not rows_by_event:
        return
    for event in session.scalars(
        select(MergeEvent).where(
            MergeEvent.id.in_(list(rows_by_event)), MergeEvent.undone_at.is_(None)
        )
    ):
        added = [r for r in rows_by_event[event.id] if r not in event.source_record_ids]
        if event.absorbed_lead_id is not None:  # a review merge: undo gives back split["records"]
            event.split = {
                **event.split,
                "records": {**event.split["records"], **{str(r): "merged" for r in added}},
            }
        else:
            event.source_record_ids = [*event.source_record_ids, *added]


def save_aliases(session: Session, aliases: list[dict[str, Any]], at: datetime) -> None:
    """Alias rows (lead_id, kind, value, source_record_id, merge_event_id), skipping ones held."""
    if not aliases:
        return
    held = set(
        session.execute(
            select(LeadAlias.lead_id, LeadAlias.kind, LeadAlias.value).where(
                LeadAlias.lead_id.in_({a["lead_id"] for a in aliases})
            )
        ).tuples()
    )
    new = []
    for alias in aliases:
        key = (alias["lead_id"], alias["kind"], alias["value"])
        if key not in held:
            held.add(key)
            new.append({**alias, "created_at": at})
    if new:
        session.execute(insert(LeadAlias), new)


def queue_review(session: Session, pairs: list[dict[str, Any]], at: datetime) -> None:
    """Review pairs (lead_id, other_lead_id, source_record_id, probability, deciding)."""
    if pairs:
        session.execute(
            insert(MergeCandidate),
            [
                {
                    **p,
                    "deciding": json_safe(p["deciding"]),
                    "status": CandidateStatus.OPEN,
                    "created_at": at,
                }
                for p in pairs
            ],
        )
