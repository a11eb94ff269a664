"""SendGrid and Mailgun payloads -> ``EspEvent``s in the shared vocabulary. Pure.

Field names are the providers' documented ones (see docs/webhooks.md); anything we do
not know maps to ``unknown`` and is still stored, so nothing a provider says is dropped.
"""

from __future__ import annotations

import json
from typing import Any

from leadflow.engagement.esp.events import (
    EspEvent,
    UnreadablePayload,
    as_object,
    bare_message_id,
    fallback_id,
    flat,
    moment,
    send_id,
    text,
)

MAX_EVENTS = 5000
SENDGRID_EVENTS = {
    "processed": "queued",
    "deferred": "deferred",
    "delivered": "delivered",
    "bounce": "bounced",
    "dropped": "rejected",
    "open": "opened",
    "click": "clicked",
    "spamreport": "complained",
    "unsubscribe": "unsubscribed",
    "group_unsubscribe": "unsubscribed",
    "group_resubscribe": "subscribed",
}
SENDGRID_DETAIL = (
    "reason",
    "status",
    "type",
    "response",
    "attempt",
    "asm_group_id",
    "sg_message_id",
    "url_offset",
)
MAILGUN_EVENTS = {
    "accepted": "queued",
    "rejected": "rejected",
    "delivered": "delivered",
    "opened": "opened",
    "clicked": "clicked",
    "unsubscribed": "unsubscribed",
    "complained": "complained",
    "stored": "queued",
}
MAILGUN_DETAIL = ("reason", "severity", "log-level")


def loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UnreadablePayload(f"malformed JSON: {exc}".splitlines()[0]) from exc


def _sendgrid_bounce(item: dict[str, Any]) -> str:
    # "blocked" is a refusal that may pass later, and a 4.x.x status is temporary.
    temporary = item.get("type") == "blocked" or str(item.get("status", "")).startswith("4")
    return "soft" if temporary else "hard"


def sendgrid_event(item: Any) -> EspEvent:
    data = as_object(item, "event")
    name = text(data.get("event"), 50) or ""
    event = SENDGRID_EVENTS.get(name, "unknown")
    detail = {"esp_event": name, **flat(data, SENDGRID_DETAIL)}
    category = data.get("category")
    if isinstance(category, (str, list)):  # a string or a list, per SendGrid
        detail["category"] = (
            category if isinstance(category, str) else [str(c) for c in category][:20]
        )
    if event == "bounced":
        detail["bounce"] = _sendgrid_bounce(data)
    return EspEvent(
        provider="sendgrid",
        event_id=text(data.get("sg_event_id"), 200) or fallback_id(data),
        event=event,
        occurred_at=moment(data.get("timestamp")),
        recipient=text(data.get("email"), 320),
        message_id=bare_message_id(data.get("smtp-id")),
        send_id=send_id(data.get("send_id")),
        url=text(data.get("url")),
        user_agent=text(data.get("useragent")),
        ip=text(data.get("ip"), 64),
        esp_says_machine=data.get("sg_machine_open") is True,
        detail=detail,
    )


def sendgrid_events(body: bytes) -> list[EspEvent]:
    """A SendGrid POST: a JSON array of events."""
    items = loads(body)
    if not isinstance(items, list):
        raise UnreadablePayload("body is not a JSON array")
    if len(items) > MAX_EVENTS:
        raise UnreadablePayload(f"too many events: {len(items)} > {MAX_EVENTS}")
    return [sendgrid_event(item) for item in items]


def _mailgun_failed(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    status = data.get("delivery-status") if isinstance(data.get("delivery-status"), dict) else {}
    detail = flat(status, ("code", "message", "description"))
    if data.get("severity") == "permanent":
        return "bounced", {**detail, "bounce": "hard"}
    return "deferred", detail


def mailgun_body(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(signature, event-data) of a Mailgun POST, before anything is trusted."""
    data = as_object(loads(body), "body")
    return as_object(data.get("signature"), "signature"), as_object(
        data.get("event-data"), "event-data"
    )


def mailgun_event(data: dict[str, Any]) -> EspEvent:
    name = text(data.get("event"), 50) or ""
    event, extra = (
        _mailgun_failed(data) if name == "failed" else (MAILGUN_EVENTS.get(name, "unknown"), {})
    )
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    headers = message.get("headers") if isinstance(message.get("headers"), dict) else {}
    variables = data.get("user-variables") if isinstance(data.get("user-variables"), dict) else {}
    client = data.get("client-info") if isinstance(data.get("client-info"), dict) else {}
    detail: dict[str, Any] = {"esp_event": name, **flat(data, MAILGUN_DETAIL), **extra}
    if isinstance(data.get("tags"), list):
        detail["tags"] = [str(t) for t in data["tags"]][:20]
    return EspEvent(
        provider="mailgun",
        event_id=text(data.get("id"), 200) or fallback_id(data),
        event=event,
        occurred_at=moment(data.get("timestamp")),
        recipient=text(data.get("recipient"), 320),
        message_id=bare_message_id(headers.get("message-id")),
        send_id=send_id(variables.get("send_id")),
        url=text(data.get("url")),
        user_agent=text(client.get("user-agent")),
        ip=text(data.get("ip"), 64),
        detail=detail,
    )
