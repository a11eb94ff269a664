"""Recording engagement from tracking links: the web app and the CLI share this.

The web app resolves a token (cached: a stored link never changes), classifies the hit
(leadflow.engagement.bot_filter) and hands the row to its group-commit writer; the CLI writes
the same row at once with ``record_click``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.core.statuses import EnrollmentStatus
from leadflow.core.clock import as_utc
from leadflow.core.bulk_writes import insert_rows
from leadflow.core.db import get_engine, session_scope
from leadflow.core.decisions import record
from leadflow.engagement.bot_filter import ClickSignal, classify_click
from leadflow.engagement.tokens import HONEYPOT_POSITION, read_token
from leadflow.core.models import (
    EngagementEvent,
    Enrollment,
    Lead,
    OutboundEmail,
    Suppression,
    TrackedLink,
)
from leadflow.core.settings import get_settings
from leadflow.core.value_lists import among

ENGAGED_EVENT = "leadflow.lead.engaged"
EVENTS = EngagementEvent.__table__


@dataclass(frozen=True)
class Target:
    """What a signed token points at: one sent email (and, for a click, one stored URL)."""

    outbox_id: int
    lead_id: int | None  # None: not read yet; the writer fills it in for the whole batch
    sent_at: datetime | None
    url: str | None = None


def _secret() -> str:
    return get_settings().secret_key.get_secret_value()


# (database URL, outbox id, position) -> Target, for sent emails only; cleared when full.
_SENT: dict[tuple[str, int, int | None], Target] = {}
_SENT_MAX = 100_000


def forget_cached() -> None:
    """A new web app starts cold: the database it serves may have been rebuilt since."""
    _SENT.clear()


def cached(outbox_id: int, position: int | None = None) -> Target | None:
    """``lookup`` without touching the database: None on a miss."""
    return _SENT.get((get_settings().resolved_database_url, outbox_id, position))


Key = tuple[int, int | None]  # (outbox id, link position; None: the email itself)


def lookup_many(keys: list[Key]) -> dict[Key, Target | None]:
    """``lookup`` for many keys at once: two queries however many, so the tracking endpoints
    resolve the cache misses of one moment together (leadflow.web.target_loader)."""
    url = get_settings().resolved_database_url
    found = {key: _SENT.get((url, *key)) for key in keys}
    wanted = [key for key, target in found.items() if target is None]
    if not wanted:
        return found
    emails, links = _load_many(wanted)
    for outbox_id, position in wanted:
        email = emails.get(outbox_id)
        wants_link = position is not None and position != HONEYPOT_POSITION
        if email is None or (wants_link and (outbox_id, position) not in links):
            continue  # never stored: stays None
        url_of_link = links[(outbox_id, position)] if wants_link else None
        target = Target(outbox_id, email.lead_id, email.sent_at, url_of_link)
        found[(outbox_id, position)] = target
        if target.sent_at is not None:
            _remember((url, outbox_id, position), target)
    return found


def _load_many(keys: list[Key]) -> tuple[dict[int, Any], dict[Key, str]]:
    """The emails these keys name (id -> its lead and moment sent) and their links."""
    ids = sorted({outbox_id for outbox_id, _ in keys})
    positions = sorted({p for _, p in keys if p is not None and p != HONEYPOT_POSITION})
    with get_engine().connect() as conn:
        emails = conn.execute(
            select(OutboundEmail.id, OutboundEmail.lead_id, OutboundEmail.sent_at).where(
                among(OutboundEmail.id, ids)
            )
        ).all()
        links = (
            conn.execute(
                select(TrackedLink.outbound_email_id, TrackedLink.position, TrackedLink.url).where(
                    among(TrackedLink.outbound_email_id, ids),
                    among(TrackedLink.position, positions),
                )
            ).all()
            if positions
            else []
        )
    return {row.id: row for row in emails}, {
        (row.outbound_email_id, row.position): row.url for row in links
    }


def _remember(key: tuple[str, int, int | None], target: Target) -> None:
    if len(_SENT) >= _SENT_MAX:
        _SENT.clear()
    _SENT[key] = target


def lookup(outbox_id: int, position: int | None = None) -> Target | None:
    """The email (and link) a verified token names, or None if we never stored it.

    Cached once the email is sent: from then on nothing we read about it changes. Keyed by
    the database URL too, as tests point one process at several databases. The one-key case
    of ``lookup_many``, which the web app uses for the misses of a moment together.
    """
    return lookup_many([(outbox_id, position)])[(outbox_id, position)]


def event_row(
    kind: str,
    target: Target,
    at: datetime,
    *,
    url: str | None = None,
    machine_reason: str | None = None,
    user_agent: str | None = None,
) -> dict[str, Any]:
    return {
        "provider": "tracking",
        "provider_event_id": uuid.uuid4().hex,
        "type": kind,
        "lead_id": target.lead_id,
        "outbound_email_id": target.outbox_id,
        "url": url,
        "is_machine": machine_reason is not None,
        "machine_reason": machine_reason,
        "user_agent": (user_agent or None) and user_agent[:500],
        "occurred_at": at,
    }


def seconds_since_send(target: Target, at: datetime) -> float | None:
    return None if target.sent_at is None else (at - target.sent_at).total_seconds()


def _with_leads(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill in the lead of rows queued without one (open pixels), one query per batch.

    A row whose email does not exist (a signed token outliving its row) is dropped: there
    is no lead to credit, and the foreign key would refuse it.
    """
    unknown = {r["outbound_email_id"] for r in rows if r["lead_id"] is None}
    if not unknown:
        return rows
    leads = dict(
        session.execute(
            select(OutboundEmail.id, OutboundEmail.lead_id).where(OutboundEmail.id.in_(unknown))
        )
        .tuples()
        .all()
    )
    return [
        r if r["lead_id"] is not None else {**r, "lead_id": leads[r["outbound_email_id"]]}
        for r in rows
        if r["lead_id"] is not None or r["outbound_email_id"] in leads
    ]


def write_rows(rows: list[dict[str, Any]]) -> None:
    """Insert tracking rows in one transaction; a machine burst also flags its earlier clicks."""
    with session_scope() as session:
        rows = _with_leads(session, rows)
        insert_rows(session, EVENTS, rows)  # one COPY on PostgreSQL, not a statement per row
        for row in rows:
            if row["type"] == "click" and row["machine_reason"] in (
                "honeypot",
                "all_links_at_once",
            ):
                flag_earlier_clicks(session, row)


def flag_earlier_clicks(session: Session, row: dict[str, Any], window_s: float = 60.0) -> None:
    """The clicks that came just before a scanner gave itself away were the scanner's too."""
    since = row["occurred_at"] - timedelta(seconds=window_s)
    session.execute(
        update(EngagementEvent)
        .where(
            EngagementEvent.outbound_email_id == row["outbound_email_id"],
            EngagementEvent.type == "click",
            EngagementEvent.is_machine.is_(False),
            EngagementEvent.occurred_at >= since,
        )
        .values(is_machine=True, machine_reason=row["machine_reason"])
    )


def record_click(
    token: str, now: datetime | None = None, event_id: str | None = None
) -> tuple[str, int] | None:
    """(stored URL, lead id) for a genuine click token, the click recorded; else None.

    Only URLs we stored at send time are ever returned: never an open redirect.
    """
    parsed = read_token(_secret(), token, "c")
    target = lookup(*parsed) if parsed else None
    if target is None or target.url is None:
        return None
    at = as_utc(now)
    reason = classify_click(ClickSignal(seconds_since_send=seconds_since_send(target, at)))
    row = event_row("click", target, at, url=target.url, machine_reason=reason)
    with session_scope() as session:
        if event_id is not None:
            row["provider_event_id"] = event_id
            if session.scalar(
                select(EngagementEvent.id).where(
                    EngagementEvent.provider == "tracking",
                    EngagementEvent.provider_event_id == event_id,
                )
            ):
                return target.url, target.lead_id
        session.execute(EVENTS.insert(), [row])
    return target.url, target.lead_id


def record_open(token: str, now: datetime | None = None) -> bool:
    parsed = read_token(_secret(), token.removesuffix(".gif"), "o")
    target = lookup(parsed[0]) if parsed else None
    if target is None:
        return False
    write_rows([event_row("open", target, as_utc(now))])
    return True


def open_row(
    outbox_id: int, at: datetime, machine_reason: str | None, user_agent: str | None
) -> dict[str, Any]:
    """An open pixel's row, built without reading the database (the writer finds the lead)."""
    return event_row(
        "open",
        Target(outbox_id, None, None),
        at,
        machine_reason=machine_reason,
        user_agent=user_agent,
    )


def suppress(
    session: Session,
    *,
    email: str,
    lead: Lead | None,
    reason: str,
    rule_id: str,
    note: str,
    at: datetime,
    inputs: dict[str, Any],
) -> None:
    """Put an address on the global list; suppress its lead and stop every sequence it is in."""
    address = email.strip().lower()
    if session.get(Suppression, address) is None:
        # The global list: every sequence, and any future lead with this address, skips it.
        session.add(Suppression(email=address, reason=reason, note=note, suppressed_at=at))
        session.flush()
    if lead is None or lead.suppressed:
        return
    lead.suppressed, lead.suppression_reason = True, reason
    session.execute(
        update(Enrollment)
        .where(Enrollment.lead_id == lead.id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .values(status=EnrollmentStatus.EXITED, exit_reason=reason, ended_at=at)
    )
    record(
        session,
        lead_id=lead.id,
        kind="suppress",
        rule_id=rule_id,
        outcome=f"suppressed: {reason}",
        reason=note,
        inputs=inputs,
        at=at,
    )


def unsubscribe(token: str, now: datetime | None = None) -> bool:
    """One-click unsubscribe: suppress the lead and stop every sequence it is in."""
    parsed = read_token(_secret(), token, "u")
    if parsed is None:
        return False
    at = as_utc(now)
    with session_scope() as session:
        outbox = session.get(OutboundEmail, parsed[0])
        lead = session.get(Lead, outbox.lead_id) if outbox else None
        if outbox is None or lead is None:
            return False
        suppress(
            session,
            email=lead.email,
            lead=lead,
            reason="unsubscribed",
            rule_id="list-unsubscribe",
            note=f"one-click unsubscribe from email {outbox.id}",
            at=at,
            inputs={"outbox_id": outbox.id},
        )
    return True


def warm_up() -> None:
    """Import Prefect's event client now: the first click must not pay a second-long import."""
    import prefect.events  # noqa: F401


def prefect_configured() -> bool:
    """Whether a Prefect API is set, so notifying is worth a background task at all."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


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

        emit_event(
            event=ENGAGED_EVENT,
            resource={"prefect.resource.id": f"leadflow.lead.{lead_id}", "lead.id": str(lead_id)},
            payload={"kind": kind},
        )
    except Exception:  # boundary: the scheduled sweep picks the event up if Prefect is away
        pass


def token_is_valid(token: str, kind: str) -> bool:
    return read_token(_secret(), token, kind) is not None
