"""The data model (SQLAlchemy 2, typed). See DESIGN.md for what each table is for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Index,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from leadflow.core.clock import as_utc, utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Campaign(Base):
    __tablename__ = "campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(50), default="other")
    product_line: Mapped[str | None] = mapped_column(String(100))
    cost: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SourceRecord(Base):
    """Every raw row ever received, as received; linked to its lead or a quarantine reason."""

    __tablename__ = "source_record"
    __table_args__ = (
        UniqueConstraint("campaign_id", "source_hash", "line_no"),
        # Rows of these leads in this campaign (memberships, per batch): without it SQLite
        # reads every row of the campaign for each batch (migration 0009).
        Index("ix_source_record_campaign_lead", "campaign_id", "lead_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    source_name: Mapped[str] = mapped_column(String(500))
    source_hash: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    payload_hash: Mapped[str] = mapped_column(String(64))
    # staged -> created | merged | quarantined
    status: Mapped[str] = mapped_column(String(20), default="staged", index=True)
    reason_code: Mapped[str | None] = mapped_column(String(40), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    company_key: Mapped[str | None] = mapped_column(String(300), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    is_free_mail: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disposable: Mapped[bool] = mapped_column(Boolean, default=False)
    is_role_address: Mapped[bool] = mapped_column(Boolean, default=False)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
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
    lifecycle_stage: Mapped[str] = mapped_column(String(20), default="new")
    # new -> nurturing | routed | unroutable; routed -> accepted | rejected; reclaimed -> nurturing
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
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
    # Empty on leads stored before 0006 until `leadflow merges reindex`. The name key is
    # indexed for counting (how common a name is), not for finding.
    name_key: Mapped[str | None] = mapped_column(String(100), index=True)
    email_key: Mapped[str | None] = mapped_column(String(320), index=True)
    domain_name_key: Mapped[str | None] = mapped_column(String(360), index=True)
    company_name_key: Mapped[str | None] = mapped_column(String(400), index=True)
    # How far the ingest pipeline has carried this lead (leadflow/ingest/pipeline.py):
    # cleaned -> enriched -> scored -> done. A run first finishes what a crashed run left.
    pipeline_stage: Mapped[str] = mapped_column(
        String(12), default="done", server_default="done", index=True
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


class Decision(Base):
    """Why: every score, route, merge, send and suppression, with rule, inputs and version."""

    __tablename__ = "decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    rule_id: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    config_version: Mapped[str | None] = mapped_column(String(100))
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The person whose hand made this decision (a Person key); None: the pipeline's own rules.
    actor: Mapped[str | None] = mapped_column(String(100), index=True)


class Person(Base):
    """Someone who steers leads (rep, manager, marketing, admin), mirrored from routing.yaml."""

    __tablename__ = "person"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))  # rep | manager | marketing | admin
    teams: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # a rep's team; the teams a manager runs
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class QueueItem(Base):
    """A lead waiting in a named queue for a person; every open item has a deadline."""

    __tablename__ = "queue_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    queue: Mapped[str] = mapped_column(String(100), index=True)
    team: Mapped[str | None] = mapped_column(String(100))  # the team that owns the queue
    # open -> assigned | pooled | routed | left
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    entered_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    escalations: Mapped[int] = mapped_column(Integer, default=0)  # 1: the manager was emailed
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(100))
    close_reason: Mapped[str | None] = mapped_column(Text)


class Rep(Base):
    """Mirror of the reps in routing_rules/, so history survives a rep leaving the YAML."""

    __tablename__ = "rep"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    team: Mapped[str] = mapped_column(String(100))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by `leadflow reps deactivate`: the rep stays off even while the YAML still lists them.
    deactivated_at: Mapped[datetime | None]
    handed_off_to: Mapped[str | None] = mapped_column(String(100))


class RoutingLedger(Base):
    """Leads credited to each rep within a team: the memory of the round robin."""

    __tablename__ = "routing_ledger"
    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    rep: Mapped[str] = mapped_column(String(100), primary_key=True)
    assigned: Mapped[int] = mapped_column(Integer, default=0)


class Assignment(Base):
    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    rep: Mapped[str] = mapped_column(String(100), index=True)
    team: Mapped[str | None] = mapped_column(String(100))
    rule_id: Mapped[str] = mapped_column(String(200))
    # offered -> accepted | rejected | reclaimed
    status: Mapped[str] = mapped_column(String(20), default="offered", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime]
    sla_due_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]  # a call, a reply, a CRM activity after acceptance


class AssignmentWebhook(Base):
    """Outbox of assignment deliveries to a team's webhook: one row per (assignment, url)."""

    __tablename__ = "assignment_webhook"
    __table_args__ = (UniqueConstraint("assignment_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    # pending -> delivered | failed
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]


class Enrollment(Base):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("lead_id", "sequence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    sequence: Mapped[str] = mapped_column(String(100))
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # active -> completed | exited
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    exit_reason: Mapped[str | None] = mapped_column(String(100))
    enrolled_at: Mapped[datetime]
    # Re-entry reuses the row: the count keeps each run's outbox keys apart.
    entry_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    ended_at: Mapped[datetime | None]  # completed or exited; the re-entry policy counts from here


class OutboundEmail(Base):
    """The outbox: one row per intended send, unique by dedupe_key, so a send happens once."""

    __tablename__ = "outbound_email"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id"))
    step: Mapped[int | None] = mapped_column(Integer)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    to_addr: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(300))
    # pending -> sending -> sent | bounced | failed | skipped; sending -> unknown (crash: a person checks)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # after a 4xx: not before this backoff time
    claimed_at: Mapped[datetime | None]  # when it went to 'sending'; stale claims become 'unknown'
    variant: Mapped[str | None] = mapped_column(String(20))  # the step's A/B variant, if any


class Suppression(Base):
    """The global do-not-mail list, by address: checked at send time, whatever the sequence."""

    __tablename__ = "suppression"
    email: Mapped[str] = mapped_column(String(320), primary_key=True)  # lower-cased
    # unsubscribed | hard_bounce | complained | manual
    reason: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    suppressed_at: Mapped[datetime]


class ConsentRecord(Base):
    """One grant or withdrawal of consent for one purpose, with where it came from (append-only)."""

    __tablename__ = "consent_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))  # marketing_email | tracking
    granted: Mapped[bool] = mapped_column(Boolean)
    lawful_basis: Mapped[str] = mapped_column(String(40))  # consent | legitimate_interest | ...
    source: Mapped[str] = mapped_column(String(200))  # form:<name>, campaign:<name>, ...
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)  # source row, outbox id, form...
    recorded_at: Mapped[datetime]


class VariantPromotion(Base):
    """The A/B variant promoted as a step's winner: every later send of the step uses it."""

    __tablename__ = "variant_promotion"
    sequence: Mapped[str] = mapped_column(String(100), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0-based, as stored elsewhere
    variant: Mapped[str] = mapped_column(String(20))
    promoted_at: Mapped[datetime]


class Subscription(Base):
    """A lead's choice for one topic (a sequence's, or several's) from the preference centre."""

    __tablename__ = "subscription"
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(100), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class TrackedLink(Base):
    __tablename__ = "tracked_link"
    __table_args__ = (UniqueConstraint("outbound_email_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_email_id: Mapped[int] = mapped_column(ForeignKey("outbound_email.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)


class EngagementEvent(Base):
    __tablename__ = "engagement_event"
    __table_args__ = (UniqueConstraint("provider", "provider_event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(30))
    provider_event_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    # None when an ESP reports on an address we do not hold: kept, never dropped.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    recipient: Mapped[str | None] = mapped_column(String(320))
    outbound_email_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_email.id"))
    url: Mapped[str | None] = mapped_column(Text)
    is_machine: Mapped[bool] = mapped_column(Boolean, default=False)
    machine_reason: Mapped[str | None] = mapped_column(String(60))
    user_agent: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(
        JSON
    )  # bounce status, reason, severity...
    occurred_at: Mapped[datetime]
    processed_at: Mapped[datetime | None] = mapped_column(index=True)


class EnrichmentCache(Base):
    __tablename__ = "enrichment_cache"
    provider: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    miss: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class WebhookNonce(Base):
    """Tokens a signed webhook already used (Mailgun's `token`): a replay is refused."""

    __tablename__ = "webhook_nonce"
    provider: Mapped[str] = mapped_column(String(30), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class CrmOutcome(Base):
    """A closed (or open) opportunity imported from a CRM export, joined to its lead."""

    __tablename__ = "crm_outcome"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)  # CRM id, else a row hash
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    # open | won | lost
    status: Mapped[str] = mapped_column(String(10))
    amount: Mapped[float | None] = mapped_column(Float)
    opportunity_created_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[datetime]


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
        String(10), default="open", server_default="open", index=True
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
