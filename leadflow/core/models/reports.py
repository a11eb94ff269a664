"""Reports: outcomes imported from a CRM, joined to leads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.models.base import Base


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
