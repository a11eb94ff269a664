"""Routing: people, reps, queues, the round-robin ledger, assignments and their webhooks."""

from __future__ import annotations

from datetime import datetime

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
)
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.models.base import Base
from leadflow.core.statuses import AssignmentStatus, DeliveryStatus, QueueItemStatus


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
    status: Mapped[str] = mapped_column(String(20), default=QueueItemStatus.OPEN, index=True)
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
    # A rep's assignments since a moment: capacity (each routed batch), pool claims today.
    __table_args__ = (Index("ix_assignment_rep_assigned_at", "rep", "assigned_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    rep: Mapped[str] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(100))
    rule_id: Mapped[str] = mapped_column(String(200))
    # offered -> accepted | rejected | reclaimed
    status: Mapped[str] = mapped_column(String(20), default=AssignmentStatus.OFFERED, index=True)
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
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
