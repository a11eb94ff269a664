"""The review queue: list the open pairs, decide one (merge or keep apart)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from leadflow.dedupe.policy import MatchingPolicy
from leadflow.dedupe.merging.batch import decision_row
from leadflow.dedupe.merging.candidates import MERGED_AWAY, leads_by_id
from leadflow.dedupe.merging.persist import EventDraft, save_aliases, save_events
from leadflow.dedupe.merging.survivorship import Outcome, survive
from leadflow.core.models import Decision, Lead, MergeCandidate, MergeEvent, SourceRecord
from leadflow.core.errors import MergeError
from leadflow.core.statuses import CandidateStatus, RowStatus


def open_pairs(session: Session, limit: int = 100) -> list[tuple[MergeCandidate, Lead, Lead]]:
    rows = (
        session.execute(
            select(MergeCandidate)
            .where(MergeCandidate.status == CandidateStatus.OPEN)
            .order_by(MergeCandidate.probability.desc(), MergeCandidate.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    leads = {
        lead.id: lead
        for lead in session.scalars(
            select(Lead).where(
                Lead.id.in_({r.lead_id for r in rows} | {r.other_lead_id for r in rows})
            )
        )
    }
    return [(r, leads[r.lead_id], leads[r.other_lead_id]) for r in rows]


def _open(session: Session, candidate_id: int) -> MergeCandidate:
    candidate = session.get(MergeCandidate, candidate_id)
    if candidate is None:
        raise MergeError(f"no review pair {candidate_id}")
    if candidate.status != CandidateStatus.OPEN:
        raise MergeError(f"review pair {candidate_id} is already {candidate.status}")
    return candidate


def keep_apart(session: Session, candidate_id: int, by: str, at: datetime) -> MergeCandidate:
    candidate = _open(session, candidate_id)
    candidate.status, candidate.decided_at, candidate.decided_by = CandidateStatus.REJECTED, at, by
    session.add(
        Decision(
            **decision_row(
                candidate.other_lead_id,
                "merge-review",
                f"kept apart from lead {candidate.lead_id}",
                f"{by} decided review pair {candidate.id} (probability {candidate.probability:.3f}) are two people",
                {"candidate_id": candidate.id, "lead_id": candidate.lead_id},
                at,
                None,
                "review",
            )
        )
    )
    return candidate


def merge_pair(
    session: Session, candidate_id: int, policy: MatchingPolicy, by: str, at: datetime
) -> int:
    """Fold the row's lead into the stored one; returns the merge event id (for undo).

    The folded lead is kept, suppressed as "merged", so that nothing that points at it breaks
    and undo can bring it back; its address becomes an alias of the stored lead.
    """
    candidate = _open(session, candidate_id)
    leads = leads_by_id(session, [candidate.lead_id, candidate.other_lead_id])
    target, other = leads[candidate.lead_id], leads[candidate.other_lead_id]
    result = survive(target, other, policy.survivorship)
    records = dict(
        session.execute(
            select(SourceRecord.id, SourceRecord.status).where(SourceRecord.lead_id == other["id"])
        )
        .tuples()
        .all()
    )
    event_id = _save_event(session, candidate, target, other, records, result, at)
    _fold(session, target["id"], other["id"], list(records), result.changes, at)
    save_aliases(
        session,
        [
            {
                "lead_id": target["id"],
                "kind": kind,
                "value": value,
                "source_record_id": None,
                "merge_event_id": event_id,
            }
            for kind, value in result.kept
        ],
        at,
    )
    candidate.status, candidate.decided_at, candidate.decided_by = CandidateStatus.MERGED, at, by
    _record_merge(session, candidate, target["id"], other["id"], event_id, result, by, at)
    return event_id


def _save_event(
    session: Session,
    candidate: MergeCandidate,
    target: dict[str, Any],
    other: dict[str, Any],
    records: dict[int, str],
    result: Outcome,
    at: datetime,
) -> int:
    """The merge event, with what undo needs to give the folded lead back exactly."""
    folded = session.execute(
        select(Lead.suppressed, Lead.suppression_reason).where(Lead.id == other["id"])
    ).one()
    draft = EventDraft(
        target["id"],
        "review",
        candidate.probability,
        {
            "records": {str(k): v for k, v in records.items()},
            "suppressed": folded.suppressed,
            "suppression_reason": folded.suppression_reason,
        },
        sorted(records),
    )
    draft.note(target, result.changes)
    event_id = save_events(session, [draft], at)[0]
    session.execute(
        update(MergeEvent)
        .where(MergeEvent.id == event_id)
        .values(absorbed_lead_id=other["id"], candidate_id=candidate.id)
    )
    return event_id


def _fold(
    session: Session,
    target_id: int,
    other_id: int,
    record_ids: list[int],
    changes: dict[str, Any],
    at: datetime,
) -> None:
    """The stored lead takes the survivors' fields and the rows; the other is suppressed."""
    if changes:
        session.execute(update(Lead).where(Lead.id == target_id).values(**changes, updated_at=at))
    session.execute(
        update(Lead)
        .where(Lead.id == other_id)
        .values(suppressed=True, suppression_reason=MERGED_AWAY, updated_at=at)
    )
    if record_ids:
        session.execute(
            update(SourceRecord)
            .where(SourceRecord.id.in_(record_ids))
            .values(lead_id=target_id, status=RowStatus.MERGED)
        )


def _record_merge(
    session: Session,
    candidate: MergeCandidate,
    target_id: int,
    other_id: int,
    event_id: int,
    result: Outcome,
    by: str,
    at: datetime,
) -> None:
    """One decision on each lead, with the pair, the probability and what the merge filled."""
    inputs: dict[str, Any] = {
        "candidate_id": candidate.id,
        "probability": candidate.probability,
        "deciding": candidate.deciding,
        "merge_event_id": event_id,
        "filled": result.changes,
        "kept": list(result.kept),
        "absorbed_lead_id": other_id,
    }
    reason = f"{by} merged review pair {candidate.id} (probability {candidate.probability:.3f})"
    outcomes = {
        target_id: f"merged lead {other_id} into lead {target_id}",
        other_id: f"merged into lead {target_id}",
    }
    session.execute(
        insert(Decision),
        [
            decision_row(lead_id, "merge", outcome, reason, inputs, at, None, "review")
            for lead_id, outcome in outcomes.items()
        ],
    )
