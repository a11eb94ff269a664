"""Signed, PII-free tokens for click, open and unsubscribe links."""

from __future__ import annotations

import base64
import hashlib
import hmac

KINDS = {"c": "click", "o": "open", "u": "unsubscribe"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), body.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest[:16])


def make_token(secret: str, kind: str, outbound_email_id: int, position: int = 0) -> str:
    """``kind.email_id.position.signature``: ids only, never an address."""
    if kind not in KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    body = f"{kind}.{outbound_email_id}.{position}"
    return f"{body}.{_signature(secret, body)}"


def read_token(secret: str, token: str, kind: str) -> tuple[int, int] | None:
    """(outbound_email_id, position) if the token is genuine and of that kind, else None."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != kind:
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_signature(secret, body), parts[3]):
        return None
    try:
        return int(parts[1]), int(parts[2])
    except ValueError:
        return None
