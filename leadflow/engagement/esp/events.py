"""One event vocabulary for every ESP (django-anymail's), and what each event means for a lead.

Pure data and functions: the provider modules build ``EspEvent``s, the store writes them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from leadflow.core.errors import UnreadablePayload

# django-anymail's EventType values.
VOCABULARY = (
    "queued",
    "sent",
    "rejected",
    "failed",
    "bounced",
    "deferred",
    "delivered",
    "autoresponded",
    "opened",
    "clicked",
    "complained",
    "unsubscribed",
    "subscribed",
    "inbound",
    "inbound_failed",
    "unknown",
)
# Events that only exist once the ESP holds the message: a send of unknown fate (its sender
# died waiting for the answer to DATA) that one of these names by Message-ID or send id went.
HANDED_OVER = frozenset(VOCABULARY) - {"subscribed", "inbound", "inbound_failed", "unknown"}
# The engagement_event.type a vocabulary word is stored as: the scoring signals' names
# (scoring/engagement.yaml), so our own tracking and every ESP score alike.
STORED_TYPE = {
    "opened": "open",
    "clicked": "click",
    "bounced": "bounce",
    "complained": "complaint",
    "unsubscribed": "unsubscribe",
}
# Suppression.reason for events that put an address on the do-not-mail list.
SUPPRESS_REASON = {"complained": "complained", "unsubscribed": "unsubscribed"}
# SendGrid drops mail to addresses on its own lists; the reason says which list.
DROP_REASONS = {
    "bounced address": "hard_bounce",
    "spam reporting address": "complained",
    "unsubscribed address": "unsubscribed",
}
SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class EspEvent:
    provider: str
    event_id: str
    event: str  # a VOCABULARY word
    occurred_at: datetime
    recipient: str | None = None
    message_id: str | None = None  # our Message-ID, without angle brackets
    send_id: int | None = None  # our outbound_email id, from custom args / user-variables
    url: str | None = None
    user_agent: str | None = None
    ip: str | None = None
    esp_says_machine: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def stored_type(self) -> str:
        return STORED_TYPE.get(self.event, self.event)


def suppression_reason(event: EspEvent) -> str | None:
    """Why this event suppresses its recipient, or None (a soft bounce never does)."""
    if event.event == "bounced":
        return "hard_bounce" if event.detail.get("bounce") == "hard" else None
    if event.event == "rejected":
        return DROP_REASONS.get(str(event.detail.get("reason", "")).strip().lower())
    return SUPPRESS_REASON.get(event.event)


def fallback_id(item: Any) -> str:
    """A stable id for an event the provider sent without one: the same bytes, the same id."""
    return hashlib.sha256(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest()


def as_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UnreadablePayload(f"{what} is not a JSON object")
    return value


def text(value: Any, limit: int = 2000) -> str | None:
    return str(value)[:limit] if isinstance(value, (str, int, float)) and str(value) != "" else None


def bare_message_id(value: Any) -> str | None:
    found = text(value, 300)
    return found.strip().strip("<>") or None if found else None


def send_id(value: Any) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def moment(value: Any) -> datetime:
    """A unix timestamp (seconds, maybe fractional); an unreadable one is a 400."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UnreadablePayload("timestamp missing or not a number")
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    except (ValueError, OverflowError, OSError) as exc:
        raise UnreadablePayload(f"timestamp {value!r} unreadable") from exc


def flat(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {
        k: data[k] for k in keys if isinstance(data.get(k), SCALARS) and data.get(k) is not None
    }
