"""Recording engagement from tracking links: the web app and the CLI share this."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from leadflow.clock import as_utc
from leadflow.db import session_scope
from leadflow.decisions import record
from leadflow.domain.tracking import read_token
from leadflow.models import EngagementEvent, Enrollment, Lead, OutboundEmail, Suppression, TrackedLink
from leadflow.settings import get_settings

ENGAGED_EVENT = "leadflow.lead.engaged"


def _secret() -> str:
    return get_settings().secret_key.get_secret_value()


def record_click(token: str, now: datetime | None = None, event_id: str | None = None) -> tuple[str, int] | None:
    """(stored URL, lead id) for a genuine click token, the click recorded; else None.

    Only URLs we stored at send time are ever returned: never an open redirect.
    """
    parsed = read_token(_secret(), token, "c")
    if parsed is None:
        return None
    outbox_id, position = parsed
    with session_scope() as session:
        link = session.scalar(select(TrackedLink).where(
            TrackedLink.outbound_email_id == outbox_id, TrackedLink.position == position))
        outbox = session.get(OutboundEmail, outbox_id)
        if link is None or outbox is None:
            return None
        event = EngagementEvent(provider="tracking", provider_event_id=event_id or uuid.uuid4().hex,
                                type="click", lead_id=outbox.lead_id, outbound_email_id=outbox_id,
                                url=link.url, occurred_at=as_utc(now))
        if session.scalar(select(EngagementEvent.id).where(
                EngagementEvent.provider == "tracking",
                EngagementEvent.provider_event_id == event.provider_event_id)) is None:
            session.add(event)
        return link.url, outbox.lead_id


def record_open(token: str, now: datetime | None = None) -> bool:
    parsed = read_token(_secret(), token.removesuffix(".gif"), "o")
    if parsed is None:
        return False
    with session_scope() as session:
        outbox = session.get(OutboundEmail, parsed[0])
        if outbox is None:
            return False
        session.add(EngagementEvent(provider="tracking", provider_event_id=uuid.uuid4().hex,
                                    type="open", lead_id=outbox.lead_id, outbound_email_id=outbox.id,
                                    occurred_at=as_utc(now)))
    return True


def unsubscribe(token: str, now: datetime | None = None) -> bool:
    """One-click unsubscribe: suppress the lead and stop every sequence it is in."""
    parsed = read_token(_secret(), token, "u")
    if parsed is None:
        return False
    at = as_utc(now)
    with session_scope() as session:
        outbox = session.get(OutboundEmail, parsed[0])
        lead = session.get(Lead, outbox.lead_id) if outbox else None
        if lead is None:
            return False
        if session.get(Suppression, lead.email.lower()) is None:
            # The global list: every sequence, and any future lead with this address, skips it.
            session.add(Suppression(email=lead.email.lower(), reason="unsubscribed",
                                    note=f"one-click unsubscribe from email {outbox.id}", suppressed_at=at))
        if not lead.suppressed:
            lead.suppressed, lead.suppression_reason = True, "unsubscribed"
            session.execute(update(Enrollment).where(Enrollment.lead_id == lead.id, Enrollment.status == "active")
                            .values(status="exited", exit_reason="unsubscribed"))
            record(session, lead_id=lead.id, kind="suppress", rule_id="list-unsubscribe",
                   outcome="suppressed: unsubscribed", reason=f"one-click unsubscribe from email {outbox.id}",
                   inputs={"outbox_id": outbox.id}, at=at)
    return True


def notify_engaged(lead_id: int, kind: str) -> None:
    """Tell Prefect, so the engagement deployment's trigger re-scores within seconds.

    Only when a Prefect API is configured: a web request must never spin up a
    temporary server. Without one, the scheduled engagement sweep picks the event up.
    """
    try:
        from prefect.events import emit_event
        from prefect.settings import get_current_settings

        if not get_current_settings().api.url:
            return

        emit_event(event=ENGAGED_EVENT, resource={"prefect.resource.id": f"leadflow.lead.{lead_id}",
                                                   "lead.id": str(lead_id)}, payload={"kind": kind})
    except Exception:  # boundary: the scheduled sweep picks the event up if Prefect is away
        pass


def token_is_valid(token: str, kind: str) -> bool:
    return read_token(_secret(), token, kind) is not None
