"""Decisions: why every score, route, merge, send and suppression happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.clock import utcnow
from leadflow.core.models.base import Base


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
