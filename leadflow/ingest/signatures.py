"""Signature checks for lead-capture webhooks (Typeform, HubSpot v3, Zoom, bearer token).

Pure functions, no I/O: each takes the secret, the RAW request bytes and the header
values as received, and returns a ``Verdict`` saying whether the request is genuine
and, if not, why (for the log; the caller answers 401 either way). Every comparison
is ``hmac.compare_digest`` on bytes, so a header with odd characters cannot raise.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

DEFAULT_MAX_AGE_S = 300
FUTURE_SKEW_S = 60  # a provider's clock may run a little ahead of ours, not more

# HubSpot v3: decode exactly these escapes in the request URI before signing; all other
# escapes (%20, %26, %3D...) stay as they are. From HubSpot's request-validation page.
_HUBSPOT_URI_DECODE = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


OK = Verdict(True)
MISSING_HEADER = Verdict(False, "missing header")
BAD_SIGNATURE = Verdict(False, "bad signature")
BAD_TIMESTAMP = Verdict(False, "bad timestamp")
STALE_TIMESTAMP = Verdict(False, "stale timestamp")
FUTURE_TIMESTAMP = Verdict(False, "timestamp in the future")


def _hmac(secret: str, message: bytes) -> hmac.HMAC:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _fresh(timestamp_s: float, max_age_s: float, now: float | None) -> Verdict:
    current = time.time() if now is None else now
    if current - timestamp_s > max_age_s:
        return STALE_TIMESTAMP
    if timestamp_s - current > FUTURE_SKEW_S:
        return FUTURE_TIMESTAMP
    return OK


def _integer(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def verify_typeform(secret: str, body: bytes, signature: str | None) -> Verdict:
    """``Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, body)>``.

    Typeform sends no timestamp: replays are absorbed by the ``event_id`` delivery key.
    """
    if not signature:
        return MISSING_HEADER
    expected = "sha256=" + base64.b64encode(_hmac(secret, body).digest()).decode("ascii")
    return OK if _same(expected, signature.strip()) else BAD_SIGNATURE


def hubspot_source_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the listed percent-escapes decoded, nothing else."""
    out, i = [], 0
    while i < len(uri):
        chunk = uri[i : i + 3].upper()
        if uri[i] == "%" and chunk in _HUBSPOT_URI_DECODE:
            out.append(_HUBSPOT_URI_DECODE[chunk])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def verify_hubspot_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    now: float | None = None,
) -> Verdict:
    """``X-HubSpot-Signature-v3 = base64(HMAC-SHA256(secret, method + uri + body + timestamp))``.

    ``uri`` is the full URL HubSpot called (scheme, host, path, query); ``timestamp`` is
    ``X-HubSpot-Request-Timestamp``, milliseconds since the epoch, signed as received.
    """
    if not signature or not timestamp:
        return MISSING_HEADER
    millis = _integer(timestamp)
    if millis is None:
        return BAD_TIMESTAMP
    fresh = _fresh(millis / 1000, max_age_s, now)
    if not fresh:
        return fresh
    message = (
        (method.upper() + hubspot_source_uri(uri)).encode("utf-8")
        + body
        + timestamp.encode("utf-8")
    )
    expected = base64.b64encode(_hmac(secret, message).digest()).decode("ascii")
    return OK if _same(expected, signature.strip()) else BAD_SIGNATURE


def verify_zoom(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    now: float | None = None,
) -> Verdict:
    """``x-zm-signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)>``.

    ``timestamp`` is ``x-zm-request-timestamp``, seconds since the epoch.
    """
    if not signature or not timestamp:
        return MISSING_HEADER
    seconds = _integer(timestamp)
    if seconds is None:
        return BAD_TIMESTAMP
    fresh = _fresh(seconds, max_age_s, now)
    if not fresh:
        return fresh
    message = b"v0:" + timestamp.encode("utf-8") + b":" + body
    expected = "v0=" + _hmac(secret, message).hexdigest()
    return OK if _same(expected, signature.strip()) else BAD_SIGNATURE


def zoom_url_validation(secret: str, plain_token: str) -> dict[str, str]:
    """The answer to ``endpoint.url_validation``; send it only for a verified request."""
    return {
        "plainToken": plain_token,
        "encryptedToken": _hmac(secret, plain_token.encode("utf-8")).hexdigest(),
    }


def verify_bearer(token: str, authorization: str | None) -> Verdict:
    """``Authorization: Bearer <token>``, compared in constant time."""
    if not authorization:
        return MISSING_HEADER
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return Verdict(False, "not a bearer token")
    return OK if _same(token, given.strip()) else Verdict(False, "bad token")
