"""Signed, expiring tokens for the links in a rep's notification: accept, reject, log activity.

A token names an assignment and an action, never a person; it is signed with the secret key
and carries its own expiry, so a forwarded or old email cannot act on a lead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone

ACTIONS = {
    "accept": "Accept this lead",
    "wrong_match": "Reject: wrong match (route it to someone else)",
    "not_ready": "Reject: not ready (back to nurture)",
    "activity": "Log a follow-up (call, meeting, reply)",
}


@dataclass(frozen=True)
class RepLink:
    assignment_id: int
    action: str
    expires_at: datetime


def _signature(secret: str, body: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"rep-link:{body}".encode("ascii"), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode("ascii")


def make_rep_token(secret: str, assignment_id: int, action: str, expires_at: datetime) -> str:
    """``assignment.action.expiry.signature``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown rep action {action!r}")
    body = f"{assignment_id}.{action}.{int(expires_at.timestamp())}"
    return f"{body}.{_signature(secret, body)}"


def read_rep_token(secret: str, token: str) -> RepLink | None:
    """The link if the token is genuine (expired or not: the caller says which), else None."""
    if not token.isascii():  # we only ever sign ASCII: anything else is forged (and not encodable)
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[1] not in ACTIONS:
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(
        _signature(secret, body).encode(), parts[3].encode("utf-8", "replace")
    ):
        return None
    try:
        assignment_id, expires = int(parts[0]), int(parts[2])
        expires_at = datetime.fromtimestamp(expires, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return RepLink(assignment_id, parts[1], expires_at)


def rep_link_urls(
    secret: str, base_url: str, assignment_id: int, expires_at: datetime
) -> dict[str, str]:
    """Every action's URL for one assignment, keyed by action."""
    base = base_url.rstrip("/")
    return {
        action: f"{base}/r/{make_rep_token(secret, assignment_id, action, expires_at)}"
        for action in ACTIONS
    }
