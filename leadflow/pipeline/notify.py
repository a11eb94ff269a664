"""Tell reps about their new leads: the notification email and, per team, a signed webhook.

Webhook rows are an outbox of their own (one per assignment and URL), so a rerun never
posts twice what was delivered, and a failed post is retried with backoff by later runs.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import requests
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.routing.assignment_webhook import (
    LEAD_KEYS,
    assignment_payload,
    encode,
    next_step,
    signature,
)
from leadflow.routing.rep_links import rep_link_urls
from leadflow.core.summary import SendSummary
from leadflow.core.models import Assignment, AssignmentWebhook, Lead
from leadflow.core.settings import Settings, get_settings
from leadflow.core.runtime import log
from leadflow.routing.policy import routing_policy
from leadflow.nurture.outbox import insert_rows, queue_rep_notifications, send_outbox
from leadflow.core.statuses import DeliveryStatus
from leadflow.core.value_lists import among

TIMEOUT_S = (3.05, 10)  # connect, read


def rep_links(settings: Settings, assignment: Assignment) -> dict[str, str]:
    expires = assignment.assigned_at + timedelta(hours=settings.rep_link_ttl_hours)
    return rep_link_urls(
        settings.secret_key.get_secret_value(), settings.public_base_url, assignment.id, expires
    )


def _queue(session: Session, assignment_ids: list[int], at: datetime) -> None:
    urls = {team.key: team.webhook_url for team in routing_policy().teams if team.webhook_url}
    if not urls or not assignment_ids:
        return
    rows = [
        {
            "assignment_id": a_id,
            "url": urls[team],
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "created_at": at,
        }
        for a_id, team in session.execute(
            select(Assignment.id, Assignment.team).where(among(Assignment.id, assignment_ids))
        )
        if team in urls
    ]
    insert_rows(session, AssignmentWebhook.__table__, rows, ["assignment_id", "url"])


def _post(
    http: requests.Session, url: str, secret: str, body: bytes, delivery_id: str
) -> tuple[int | None, str]:
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Leadflow-Timestamp": str(stamp),
        "X-Leadflow-Signature": signature(secret, stamp, body),
        "Idempotency-Key": delivery_id,
    }
    try:
        answer = http.post(
            url, data=body, headers=headers, timeout=TIMEOUT_S, allow_redirects=False
        )
    except requests.RequestException as exc:  # refused, reset, timed out: all worth another try
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return answer.status_code, f"HTTP {answer.status_code}: {answer.text[:200]}"


def _deliver(
    session: Session,
    row: AssignmentWebhook,
    http: requests.Session,
    settings: Settings,
    at: datetime,
) -> str:
    assignment = session.get(Assignment, row.assignment_id)
    lead = session.get(Lead, assignment.lead_id) if assignment else None
    secret = settings.assignment_webhook_secret
    if assignment is None or lead is None or secret is None:
        # Never post unsigned: a receiver could not tell us from anyone else.
        row.status, row.last_error = (
            DeliveryStatus.FAILED,
            "LEADFLOW_ASSIGNMENT_WEBHOOK_SECRET is not set",
        )
        return row.status
    payload = assignment_payload(
        {
            c: getattr(assignment, c)
            for c in ("id", "rep", "team", "rule_id", "assigned_at", "sla_due_at")
        },
        {c: getattr(lead, c) for c in LEAD_KEYS},
        rep_links(settings, assignment),
    )
    code, note = _post(http, row.url, secret.get_secret_value(), encode(payload), payload["id"])
    row.attempts += 1
    row.status, row.next_attempt_at = next_step(code, row.attempts, at)
    row.last_error = None if row.status == DeliveryStatus.DELIVERED else note
    row.delivered_at = at if row.status == DeliveryStatus.DELIVERED else None
    record(
        session,
        lead_id=lead.id,
        kind="webhook",
        rule_id=f"team:{assignment.team}",
        outcome=f"assignment webhook {row.status}",
        reason=note,
        inputs={"assignment_id": assignment.id, "url": row.url, "attempt": row.attempts},
        at=at,
    )
    return row.status


def deliver_assignment_webhooks(
    assignment_ids: list[int], now: datetime | None = None
) -> dict[str, int]:
    """Queue the webhook of each new assignment, then post it and any earlier one now due."""
    at, settings, counts = as_utc(now), get_settings(), {"delivered": 0, "pending": 0, "failed": 0}
    with session_scope() as session, requests.Session() as http:
        _queue(session, assignment_ids, at)
        due = session.scalars(
            select(AssignmentWebhook)
            .where(
                AssignmentWebhook.status == DeliveryStatus.PENDING,
                or_(
                    AssignmentWebhook.next_attempt_at.is_(None),
                    AssignmentWebhook.next_attempt_at <= at,
                ),
            )
            .order_by(AssignmentWebhook.id)
        ).all()
        for row in due:
            counts[_deliver(session, row, http, settings, at)] += 1
    if any(counts.values()):
        log().info("assignment webhooks: %s", ", ".join(f"{n} {k}" for k, n in counts.items()))
    return counts


def notify_reps(assignment_ids: list[int], now: datetime | None = None) -> SendSummary:
    """Email each rep their new leads and post the assignments to team webhooks."""
    sent = send_outbox(queue_rep_notifications(assignment_ids, now), now)
    deliver_assignment_webhooks(assignment_ids, now)
    return sent
