"""Raw rows, leads and what they come from: campaigns, accounts, answers, touches."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal,
    text,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.clock import utcnow
from leadflow.core.models.base import Base
from leadflow.core.statuses import LeadStatus, LifecycleStage, PipelineStage, RowStatus


class Campaign(Base):
    __tablename__ = "campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(50), default="other")
    product_line: Mapped[str | None] = mapped_column(String(100))
    cost: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def payload_digest(payload: dict[str, Any]) -> str:
    """The hash kept beside a source row's payload. Every writer of a payload renews it (a
    quarantine fix, an erasure's redaction): a cleaner that read a staged row before can tell
    it changed without reading the payload again."""
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


class SourceRecord(Base):
    """Every raw row ever received, as received; linked to its lead or a quarantine reason."""

    __tablename__ = "source_record"
    __table_args__ = (
        UniqueConstraint("campaign_id", "source_hash", "line_no"),
        # Rows of these leads in this campaign (memberships, per batch): without it SQLite
        # reads every row of the campaign for each batch (migration 0009).
        Index("ix_source_record_campaign_lead", "campaign_id", "lead_id"),
        # The rows waiting (the capture flow's search, every minute) and the quarantined
        # rows (the listing), each in an index of its own rows only, in id order: found
        # without a walk of the table whatever the statistics say, and a cleaned row leaves
        # no entry behind (migration 0014). Queries name the status with row_status_is.
        *(
            Index(
                f"ix_source_record_{status}",
                "id",
                sqlite_where=text(f"status = '{status}'"),
                postgresql_where=text(f"status = '{status}'"),
            )
            for status in (RowStatus.STAGED.value, RowStatus.QUARANTINED.value)
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own on campaign_id or reason_code (migration 0013): the two indexes
    # above begin with the campaign, and a reason is looked up among quarantined rows only.
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    source_name: Mapped[str] = mapped_column(String(500))
    source_hash: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    payload_hash: Mapped[str] = mapped_column(String(64))
    # staged -> created | merged | quarantined
    status: Mapped[str] = mapped_column(String(20), default=RowStatus.STAGED)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


def row_status_is(status: RowStatus) -> ColumnElement[bool]:
    """Source rows of this status, the status written into the SQL as a literal: SQLite uses
    a partial index only for a literal that matches its WHERE, and PostgreSQL not for a bound
    value in a generic plan (a statement prepared by psycopg after five runs)."""
    return SourceRecord.status == literal(status.value, literal_execute=True)


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_band: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(10))
    owner_rep: Mapped[str | None] = mapped_column(String(100))
    enriched_by: Mapped[str | None] = mapped_column(String(50))
    enriched_at: Mapped[datetime | None]
    team: Mapped[str | None] = mapped_column(
        String(100)
    )  # the owning team, from an accounts import


class Lead(Base):
    __tablename__ = "lead"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    full_name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(300))
    company_key: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    domain: Mapped[str | None] = mapped_column(String(255))
    is_free_mail: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disposable: Mapped[bool] = mapped_column(Boolean, default=False)
    is_role_address: Mapped[bool] = mapped_column(Boolean, default=False)
    # Not indexed: no query selects leads by account, and enrichment links most leads in a
    # rewrite that an indexed column would make a full one on PostgreSQL (migration 0016).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_band: Mapped[str | None] = mapped_column(String(50))
    enriched_by: Mapped[str | None] = mapped_column(String(50))
    enriched_at: Mapped[datetime | None]
    # enriched | cached | not_found | skipped_* | provider_error | budget_exhausted | ...
    enrichment_status: Mapped[str | None] = mapped_column(String(40))
    enrichment_provenance: Mapped[dict[str, Any] | None] = mapped_column(
        JSON
    )  # field -> {provider, at}
    has_website: Mapped[bool | None] = mapped_column(Boolean)  # None: not known
    product_line: Mapped[str | None] = mapped_column(String(100))
    fit_score: Mapped[int] = mapped_column(Integer, default=0)
    engagement_score: Mapped[int] = mapped_column(Integer, default=0)
    qualification_score: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    temperature: Mapped[str | None] = mapped_column(String(12))
    grade: Mapped[str | None] = mapped_column(String(1))
    purchase_timeframe_months: Mapped[int | None] = mapped_column(Integer)
    purchase_class: Mapped[str | None] = mapped_column(String(1))
    disqualified_by: Mapped[str | None] = mapped_column(String(100))
    scored_at: Mapped[datetime | None]
    lifecycle_stage: Mapped[str] = mapped_column(String(20), default=LifecycleStage.NEW)
    # new -> nurturing | routed | unroutable; routed -> accepted | rejected; reclaimed -> nurturing
    status: Mapped[str] = mapped_column(String(20), default=LeadStatus.NEW, index=True)
    owner_rep: Mapped[str | None] = mapped_column(String(100))
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    suppression_reason: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str | None] = mapped_column(String(35))  # BCP 47, set by hand; None: inferred
    first_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The fuzzy-merge index (leadflow/dedupe/merging/keys.py): a person-name key, the address as a
    # mailbox (Gmail dots and plus tags per policy), and the name key joined to the company
    # domain and to the company key (one indexed column each: a plain IN per batch finds them).
    # Empty on leads stored before 0006 until `leadflow merges reindex`. The name key alone
    # is not indexed: how common a name is comes from lead_name_count (migration 0009).
    name_key: Mapped[str | None] = mapped_column(String(100))
    email_key: Mapped[str | None] = mapped_column(String(320), index=True)
    domain_name_key: Mapped[str | None] = mapped_column(String(360), index=True)
    company_name_key: Mapped[str | None] = mapped_column(String(400), index=True)
    # How far the ingest pipeline has carried this lead (leadflow/core/lead_stages.py):
    # cleaned -> enriched -> scored -> done. A run first finishes what a crashed run left.
    # Not indexed: every step moves it, and an indexed column that moves makes each of those
    # rewrites a full one on PostgreSQL rather than a heap-only one (migration 0012, which
    # also sets lead's fillfactor, 50 since 0015: SQLAlchemy 2.0 cannot declare it on a table).
    pipeline_stage: Mapped[str] = mapped_column(
        String(12), default=PipelineStage.DONE, server_default=PipelineStage.DONE.value
    )


class QualificationAnswer(Base):
    """One answer to one qualification question; the latest answer counts."""

    __tablename__ = "qualification_answer"
    __table_args__ = (UniqueConstraint("lead_id", "model", "question"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    model: Mapped[str] = mapped_column(String(50))
    question: Mapped[str] = mapped_column(String(100))
    answer: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(50))  # rep:<key>, form:<campaign>, file:<name>
    answered_at: Mapped[datetime]


class CampaignMember(Base):
    """Lead x campaign; a duplicate still counts as a touch for attribution."""

    __tablename__ = "campaign_member"
    __table_args__ = (UniqueConstraint("lead_id", "campaign_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    touches: Mapped[int] = mapped_column(Integer, default=1)
    first_touch_at: Mapped[datetime]
    last_touch_at: Mapped[datetime]
