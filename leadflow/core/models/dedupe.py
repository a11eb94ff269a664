"""Fuzzy merges: aliases of a lead, pairs for review and the merges undo can split."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.clock import utcnow
from leadflow.core.models.base import Base
from leadflow.core.statuses import CandidateStatus


class LeadAlias(Base):
    """Another address or phone of a lead ("keep both"): a later row with it joins that lead."""

    __tablename__ = "lead_alias"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # email | phone
    value: Mapped[str] = mapped_column(String(320), index=True)
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id"))
    merge_event_id: Mapped[int | None] = mapped_column(ForeignKey("merge_event.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadNameCount(Base):
    """Live leads per name key ('' : all live leads), kept by database triggers (migration
    0009) so ingest reads how common a name is without counting the lead table."""

    __tablename__ = "lead_name_count"
    name_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    n: Mapped[int]


class MergeCandidate(Base):
    """A pair for a person to decide: a stored lead and the lead a row created beside it."""

    __tablename__ = "merge_candidate"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)  # the stored lead
    other_lead_id: Mapped[int] = mapped_column(
        ForeignKey("lead.id"), index=True
    )  # created by the row
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id"))
    probability: Mapped[float] = mapped_column(Float)
    deciding: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field -> comparison level
    # open -> merged | rejected
    status: Mapped[str] = mapped_column(
        String(10),
        default=CandidateStatus.OPEN,
        server_default=CandidateStatus.OPEN.value,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))


class MergeEvent(Base):
    """One fuzzy merge, with what undo needs to split it again exactly."""

    __tablename__ = "merge_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    # The lead folded in when a review pair was merged; None when rows merged on ingest.
    absorbed_lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("merge_candidate.id"))
    rule_id: Mapped[str] = mapped_column(String(40))
    probability: Mapped[float] = mapped_column(Float)
    source_record_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)  # target's fields before the merge
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the merge wrote
    # Ingest merges: the lead the rows would have created (columns), re-created by undo.
    split: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(String(100))
