"""The assignment as signed JSON for a team's webhook (a CRM or chat bridge). No I/O.

Signature: ``X-Leadflow-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`` with
``X-Leadflow-Timestamp`` (unix seconds), the scheme Stripe and Slack use: the receiver checks
it on the raw body with a constant-time compare and refuses old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

LEAD_KEYS = (
    "id",
    "email",
    "full_name",
    "company",
    "domain",
    "title",
    "phone_e164",
    "country",
    "state",
    "industry",
    "employees",
    "score",
    "grade",
    "temperature",
    "product_line",
)
# Attempt n waits BACKOFF * 2**(n-1), so six attempts span about an hour.
BACKOFF = timedelta(minutes=1)
MAX_ATTEMPTS = 6


def assignment_payload(
    assignment: Mapping[str, Any], lead: Mapping[str, Any], links: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "type": "lead.assigned",
        "id": f"assignment-{assignment['id']}",
        "assignment": {
            "id": assignment["id"],
            "rep": assignment["rep"],
            "team": assignment["team"],
            "rule": assignment["rule_id"],
            "assigned_at": assignment["assigned_at"].isoformat(),
            "sla_due_at": assignment["sla_due_at"].isoformat(),
        },
        "lead": {key: lead.get(key) for key in LEAD_KEYS},
        "links": dict(links),
    }


def encode(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(
    secret: str, timestamp: str, body: bytes, given: str, now: int, max_age_s: int = 300
) -> bool:
    """The receiver's side (also used for our CRM activity webhook)."""
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        return False
    return age <= max_age_s and hmac.compare_digest(signature(secret, int(timestamp), body), given)


def next_step(status_code: int | None, attempts: int, at: datetime) -> tuple[str, datetime | None]:
    """(status, next attempt) after an answer; None status_code means no answer (timeout, refused)."""
    if status_code is not None and 200 <= status_code < 300:
        return "delivered", None
    retryable = status_code is None or status_code in (408, 429) or status_code >= 500
    if not retryable or attempts >= MAX_ATTEMPTS:
        return "failed", None
    return "pending", at + BACKOFF * 2 ** (attempts - 1)
