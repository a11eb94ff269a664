"""Nurture: enrollments, the outbox, suppressions, consent, A/B winners, subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.models.base import Base
from leadflow.core.statuses import EnrollmentStatus, OutboxStatus


class Enrollment(Base):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("lead_id", "sequence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    sequence: Mapped[str] = mapped_column(String(100))
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # active -> completed | exited
    status: Mapped[str] = mapped_column(String(20), default=EnrollmentStatus.ACTIVE, index=True)
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
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING, index=True)
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
