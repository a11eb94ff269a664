"""Engagement: tracked links, provider events and the nonces of signed webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.models.base import Base


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


class WebhookNonce(Base):
    """Tokens a signed webhook already used (Mailgun's `token`): a replay is refused."""

    __tablename__ = "webhook_nonce"
    provider: Mapped[str] = mapped_column(String(30), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)
