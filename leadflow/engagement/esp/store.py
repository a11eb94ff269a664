"""Store ESP events: idempotent by (provider, event id), joined to our leads, never dropped.

One transaction per webhook POST, with one query per join key for the whole batch (a
SendGrid POST carries hundreds of events). Join order: our send id (custom args /
user-variables), then the Message-ID we set, then the recipient address; an event that
matches nothing is kept with lead_id NULL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadflow.core.statuses import OutboxStatus
from leadflow.core.clock import as_utc
from leadflow.core.decisions import record
from leadflow.engagement.bot_filter import ClickSignal, OpenSignal, classify_click, classify_open
from leadflow.engagement.record import suppress
from leadflow.engagement.esp.events import HANDED_OVER, EspEvent, suppression_reason
from leadflow.core.models import EngagementEvent, Lead, OutboundEmail, WebhookNonce

ENGAGING = {"click", "visit"}  # stored types whose human hits ask for a re-score at once


@dataclass
class Stored:
    stored: int = 0
    duplicates: int = 0
    suppressed: int = 0
    settled: int = 0  # sends of unknown fate this batch showed went
    engaged_leads: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Sent:
    outbox_id: int
    lead_id: int
    sent_at: datetime | None
    status: str = OutboxStatus.SENT
    message_id: str | None = None


def _insert(session: Session):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT DO NOTHING: two deliveries of one event racing store it once."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(EngagementEvent).on_conflict_do_nothing(
        index_elements=["provider", "provider_event_id"]
    )


def claim_nonce(session: Session, provider: str, nonce: str, at: datetime, keep_s: float) -> bool:
    """True the first time a signed token is seen; False for a replay. Old tokens are purged:
    their timestamps are refused anyway."""
    session.execute(
        delete(WebhookNonce).where(
            WebhookNonce.provider == provider, WebhookNonce.seen_at < at - timedelta(seconds=keep_s)
        )
    )
    if session.get(WebhookNonce, (provider, nonce)) is not None:
        return False
    session.add(WebhookNonce(provider=provider, nonce=nonce, seen_at=at))
    session.flush()
    return True


def already_stored(session: Session, provider: str, event_ids: list[str]) -> set[str]:
    return set(
        session.scalars(
            select(EngagementEvent.provider_event_id).where(
                EngagementEvent.provider == provider,
                EngagementEvent.provider_event_id.in_(event_ids),
            )
        )
    )


def _sends(session: Session, events: list[EspEvent]) -> tuple[dict[int, Sent], dict[str, Sent]]:
    ids = {e.send_id for e in events if e.send_id is not None}
    message_ids = {m for e in events if e.message_id for m in (e.message_id, f"<{e.message_id}>")}
    columns = (
        OutboundEmail.id,
        OutboundEmail.lead_id,
        OutboundEmail.sent_at,
        OutboundEmail.message_id,
        OutboundEmail.status,
    )
    by_id: dict[int, Sent] = {}
    by_message: dict[str, Sent] = {}
    for row in session.execute(select(*columns).where(OutboundEmail.id.in_(ids))) if ids else ():
        by_id[row.id] = Sent(row.id, row.lead_id, row.sent_at, row.status, row.message_id)
    for row in (
        session.execute(select(*columns).where(OutboundEmail.message_id.in_(message_ids)))
        if message_ids
        else ()
    ):
        by_message[row.message_id.strip("<>")] = Sent(
            row.id, row.lead_id, row.sent_at, row.status, row.message_id
        )
    return by_id, by_message


def _leads(session: Session, events: list[EspEvent]) -> dict[str, Lead]:
    addresses = {
        a for e in events if e.recipient for a in (e.recipient, e.recipient.strip().lower())
    }
    if not addresses:
        return {}
    return {
        lead.email.lower(): lead
        for lead in session.scalars(select(Lead).where(Lead.email.in_(addresses)))
    }


def machine_reason(event: EspEvent, sent: Sent | None) -> str | None:
    if event.event == "opened":
        return classify_open(OpenSignal(event.user_agent, event.ip, event.esp_says_machine))
    if event.event == "clicked":
        since = (
            (event.occurred_at - sent.sent_at).total_seconds() if sent and sent.sent_at else None
        )
        return classify_click(ClickSignal(event.user_agent, since))
    return None


def row_for(event: EspEvent, sent: Sent | None, lead_id: int | None) -> dict[str, Any]:
    reason = machine_reason(event, sent)
    return {
        "provider": event.provider,
        "provider_event_id": event.event_id,
        "type": event.stored_type,
        "lead_id": lead_id,
        "recipient": event.recipient,
        "outbound_email_id": sent.outbox_id if sent else None,
        "url": event.url,
        "is_machine": reason is not None,
        "machine_reason": reason,
        "user_agent": event.user_agent[:500] if event.user_agent else None,
        "detail": {**event.detail, "event": event.event, **({"ip": event.ip} if event.ip else {})},
        "occurred_at": event.occurred_at,
    }


def _apply(
    session: Session, event: EspEvent, sent: Sent | None, lead: Lead | None, at: datetime
) -> bool:
    """Suppress for a hard bounce, complaint, unsubscribe (or a drop for one of those)."""
    reason = suppression_reason(event)
    if reason is None or not event.recipient:
        return False
    note = f"{event.provider} {event.detail.get('esp_event', event.event)} event {event.event_id}"
    suppress(
        session,
        email=event.recipient,
        lead=lead,
        reason=reason,
        rule_id=f"esp-{event.provider}",
        note=note,
        at=at,
        inputs={
            "provider": event.provider,
            "event_id": event.event_id,
            "outbox_id": sent.outbox_id if sent else None,
        },
    )
    if sent is not None and reason == "hard_bounce":
        session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id == sent.outbox_id)
            .values(
                status=OutboxStatus.BOUNCED,
                error=str(event.detail.get("reason") or "hard bounce")[:500],
            )
        )
    return True


def settle_unknown(session: Session, event: EspEvent, sent: Sent | None, at: datetime) -> bool:
    """The ESP's event is the evidence a person would look for: the row of unknown fate went."""
    if sent is None or sent.status != OutboxStatus.UNKNOWN or event.event not in HANDED_OVER:
        return False
    done = session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == sent.outbox_id, OutboundEmail.status == OutboxStatus.UNKNOWN)
        .values(
            status=OutboxStatus.SENT, sent_at=event.occurred_at, error=None, next_attempt_at=None
        )
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return False  # an earlier event of this batch, or a person, settled it
    record(
        session,
        lead_id=sent.lead_id,
        kind="send-recovered",
        rule_id=f"outbox:esp-{event.provider}",
        outcome="sent",
        reason=f"{event.provider} reported '{event.event}' for it: the ESP has the message",
        inputs={
            "outbox_id": sent.outbox_id,
            "message_id": sent.message_id,
            "provider": event.provider,
            "event_id": event.event_id,
        },
        at=at,
    )
    return True


def store_events(session: Session, events: list[EspEvent], now: datetime | None = None) -> Stored:
    at, result = as_utc(now), Stored()
    unique = list(
        {(e.provider, e.event_id): e for e in events}.values()
    )  # one batch may repeat an event
    result.duplicates = len(events) - len(unique)
    seen: set[tuple[str, str]] = set()
    for provider in {e.provider for e in unique}:
        ids = [e.event_id for e in unique if e.provider == provider]
        seen |= {(provider, i) for i in already_stored(session, provider, ids)}
    fresh = [e for e in unique if (e.provider, e.event_id) not in seen]
    result.duplicates += len(unique) - len(fresh)
    by_id, by_message = _sends(session, fresh)
    leads = _leads(session, fresh)
    rows = []
    for event in fresh:
        sent = by_id.get(event.send_id or 0) or by_message.get(event.message_id or "")
        lead = leads.get((event.recipient or "").strip().lower())
        lead_id = sent.lead_id if sent else (lead.id if lead else None)
        if lead is None and lead_id is not None:
            lead = session.get(Lead, lead_id)
        row = row_for(event, sent, lead_id)
        rows.append(row)
        result.settled += settle_unknown(session, event, sent, at)
        result.suppressed += _apply(session, event, sent, lead, at)
        if lead_id is not None and row["type"] in ENGAGING and not row["is_machine"]:
            result.engaged_leads.add(lead_id)
    if rows:
        session.execute(_insert(session), rows)
    result.stored = len(rows)
    return result
