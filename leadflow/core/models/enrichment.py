"""Enrichment: the provider cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.core.models.base import Base


class EnrichmentCache(Base):
    __tablename__ = "enrichment_cache"
    provider: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    miss: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime]
    expires_at: Mapped[datetime]
