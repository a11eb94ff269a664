"""Undo a fuzzy merge: split its rows back out and give the stored lead its values back.

Exact: the target's changed fields return to their values before the merge (a field changed
again since is left as it is and reported), the rows return to the lead they would have had
(re-created from the event when they merged on ingest), and the aliases the merge added go.
Idempotent: an event is undone once; asking again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from leadflow.dedupe.merging.batch import decision_row
from leadflow.core.errors import MergeError
from leadflow.core.models import (
    CampaignMember,
    Decision,
    Lead,
    LeadAlias,
    MergeCandidate,
    MergeEvent,
    SourceRecord,
)
from leadflow.core.statuses import CandidateStatus, RowStatus


@dataclass
class UndoResult:
    event_id: int
    already: bool = False
    lead_id: int | None = None  # the lead the rows went back to
    restored: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # changed again since the merge: left alone


def _restore_target(
    session: Session, event: MergeEvent, at: datetime
) -> tuple[list[str], list[str]]:
    names = list(event.after)
    if not names:
        return [], []
    row = session.execute(
        select(*(getattr(Lead, n) for n in names)).where(Lead.id == event.target_lead_id)
    ).one()
    now = dict(zip(names, row, strict=True))
    restored = [n for n in names if now[n] == event.after[n]]
    if restored:
        session.execute(
            update(Lead)
            .where(Lead.id == event.target_lead_id)
            .values(**{n: event.before.get(n) for n in restored}, updated_at=at)
        )
    return restored, [n for n in names if n not in restored]


def _recount_membership(session: Session, lead_id: int, campaign_id: int, at: datetime) -> None:
    """A lead's touches in a campaign from the rows it holds there (as ingest counts them)."""
    # The status grouped by, not filtered on: a filter lets stale statistics (gathered while
    # the campaign's rows were staged) plan this through the status index (batch_store).
    per_file: Counter[str] = Counter()
    for source_hash, status, n in session.execute(
        select(SourceRecord.source_hash, SourceRecord.status, func.count())
        .where(SourceRecord.lead_id == lead_id, SourceRecord.campaign_id == campaign_id)
        .group_by(SourceRecord.source_hash, SourceRecord.status)
    ).tuples():
        if status in (RowStatus.CREATED, RowStatus.MERGED):
            per_file[source_hash] += n
    touches = max(per_file.values(), default=0)
    held = session.scalar(
        select(CampaignMember.id).where(
            CampaignMember.lead_id == lead_id, CampaignMember.campaign_id == campaign_id
        )
    )
    if touches == 0 and held is not None:
        session.execute(delete(CampaignMember).where(CampaignMember.id == held))
    elif held is not None:
        session.execute(
            update(CampaignMember).where(CampaignMember.id == held).values(touches=touches)
        )
    elif touches:
        session.add(
            CampaignMember(
                lead_id=lead_id,
                campaign_id=campaign_id,
                touches=touches,
                first_touch_at=at,
                last_touch_at=at,
            )
        )


def _split_out(session: Session, event: MergeEvent, at: datetime) -> int:
    """Rows merged on ingest: the lead they would have created, created now."""
    holder = session.scalar(select(Lead.id).where(Lead.email == event.split["email"]))
    if (
        holder is not None
    ):  # only possible if the address was re-imported as a lead of its own since
        raise MergeError(
            f"{event.split['email']} belongs to lead {holder} now; merge or undo that first"
        )
    values = {**event.split, "created_at": at, "updated_at": at}
    lead_id = session.execute(insert(Lead).values(**values).returning(Lead.id)).scalar_one()
    ids = sorted(event.source_record_ids)
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.id == ids[0])
        .values(lead_id=lead_id, status=RowStatus.CREATED)
    )
    if len(ids) > 1:
        session.execute(
            update(SourceRecord).where(SourceRecord.id.in_(ids[1:])).values(lead_id=lead_id)
        )
    campaigns = set(
        session.scalars(select(SourceRecord.campaign_id).where(SourceRecord.id.in_(ids)))
    )
    session.flush()
    for campaign_id in sorted(campaigns):
        _recount_membership(session, event.target_lead_id, campaign_id, at)
        _recount_membership(session, lead_id, campaign_id, at)
    return lead_id


def _unfold(session: Session, event: MergeEvent, at: datetime) -> int:
    """A review merge: the folded lead comes back with its rows."""
    lead_id = event.absorbed_lead_id
    assert lead_id is not None
    session.execute(
        update(Lead)
        .where(Lead.id == lead_id)
        .values(
            suppressed=event.split["suppressed"],
            suppression_reason=event.split["suppression_reason"],
            updated_at=at,
        )
    )
    for record_id, status in event.split["records"].items():
        session.execute(
            update(SourceRecord)
            .where(SourceRecord.id == int(record_id))
            .values(lead_id=lead_id, status=status)
        )
    ids = [int(r) for r in event.split["records"]]
    campaigns = (
        set(session.scalars(select(SourceRecord.campaign_id).where(SourceRecord.id.in_(ids))))
        if ids
        else set()
    )
    session.flush()
    for campaign_id in sorted(campaigns):  # rows that came in through the alias since moved too
        _recount_membership(session, event.target_lead_id, campaign_id, at)
        _recount_membership(session, lead_id, campaign_id, at)
    return lead_id


def undo(session: Session, event_id: int, by: str, at: datetime) -> UndoResult:
    event = session.get(MergeEvent, event_id)
    if event is None:
        raise MergeError(f"no merge event {event_id}")
    if event.undone_at is not None:
        return UndoResult(event_id, already=True)
    restored, conflicts = _restore_target(session, event, at)
    session.execute(delete(LeadAlias).where(LeadAlias.merge_event_id == event.id))
    lead_id = (
        _unfold(session, event, at) if event.absorbed_lead_id else _split_out(session, event, at)
    )
    if event.candidate_id is not None:
        session.execute(
            update(MergeCandidate)
            .where(MergeCandidate.id == event.candidate_id)
            .values(status=CandidateStatus.REJECTED, decided_at=at, decided_by=by)
        )
    event.undone_at, event.undone_by = at, by
    inputs = {
        "merge_event_id": event.id,
        "restored": restored,
        "conflicts": conflicts,
        "source_record_ids": event.source_record_ids,
    }
    reason = f"{by} undid merge {event.id} ({event.rule_id}, probability {event.probability:.3f})"
    session.execute(
        insert(Decision),
        [
            decision_row(
                event.target_lead_id,
                "unmerge",
                f"split lead {lead_id} back out",
                reason,
                inputs,
                at,
                None,
                event.rule_id,
            ),
            decision_row(
                lead_id,
                "unmerge",
                f"split out of lead {event.target_lead_id}",
                reason,
                inputs,
                at,
                None,
                event.rule_id,
            ),
        ],
    )
    return UndoResult(event.id, False, lead_id, restored, conflicts)
