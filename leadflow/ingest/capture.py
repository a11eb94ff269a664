"""Durable storage of captured leads (webhooks) before anything else touches them."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, SourceRecord

CAPTURE_LINE = 0  # a captured request is one record: it has no line of its own


def _campaign_id(session: Any, name: str, channel: str) -> int:
    """The campaign's id, created on first sight; two first deliveries may race to create it."""
    found = session.scalar(select(Campaign.id).where(Campaign.name == name))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            campaign = Campaign(name=name, channel=channel)
            session.add(campaign)
        return campaign.id
    except IntegrityError:
        return session.scalar(select(Campaign.id).where(Campaign.name == name))


def store_capture(
    *,
    source: str,
    campaign: str,
    record: dict[str, Any],
    delivery_key: str,
    raw: dict[str, Any] | None = None,
    channel: str = "web_form",
    now: datetime | None = None,
) -> int | None:
    """Stage one captured lead; returns its source record id, or None if already stored.

    ``delivery_key`` identifies the delivery (the provider's event id, or a hash of the
    body): providers retry, and a retried delivery must not become a second row.
    ``record`` maps the provider's field names to values; aliases map it at clean time.
    """
    key = hashlib.sha256(f"{source}:{delivery_key}".encode()).hexdigest()
    payload = {"record": record, "source": source, "raw": raw or {}}
    body = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    try:
        with session_scope() as session:
            existing = session.scalar(
                select(SourceRecord.id).where(
                    SourceRecord.source_hash == key, SourceRecord.line_no == CAPTURE_LINE
                )
            )
            if existing is not None:
                return None
            rec = SourceRecord(
                campaign_id=_campaign_id(session, campaign, channel),
                source_name=f"webhook:{source}",
                source_hash=key,
                line_no=CAPTURE_LINE,
                payload=payload,
                payload_hash=hashlib.sha256(body).hexdigest(),
                received_at=as_utc(now),
            )
            session.add(rec)
            session.flush()
            return rec.id
    except IntegrityError:
        return None  # the same delivery, stored by a concurrent request
