"""Signed, PII-free tokens for click, open and unsubscribe links."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

KINDS = {"c": "click", "o": "open", "u": "unsubscribe", "v": "visit"}
# The click position of the hidden link every HTML email carries: no person sees it, so
# whatever follows it is a scanner. No TrackedLink row is stored for it.
HONEYPOT_POSITION = 9999
# The query parameter that carries a visit token from a clicked link to our web site.
VISIT_PARAM = "lf"


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
    # Anything non-ASCII is forged: hmac.compare_digest refuses such strings (a 500, not a 404).
    if len(parts) != 4 or parts[0] != kind or not token.isascii():
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_signature(secret, body), parts[3]):
        return None
    try:
        return int(parts[1]), int(parts[2])
    except ValueError:
        return None


def with_visit_token(url: str, token: str, hosts: frozenset[str]) -> str:
    """The stored URL with ``lf=<visit token>`` added, only for our own sites' hosts.

    Still the URL we stored (same scheme, host and path; one parameter more), so the click
    redirect stays closed; a third-party site never receives the token.
    """
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in hosts or parts.scheme not in ("http", "https"):
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != VISIT_PARAM]
    return urlunsplit(parts._replace(query=urlencode([*query, (VISIT_PARAM, token)])))
