"""ESP webhook signatures: SendGrid (ECDSA P-256) and Mailgun (HMAC-SHA256). Pure, no I/O.

Each check takes the key and the values exactly as received and returns a ``Verdict``
(the reason is for the log; the caller answers 401 whatever it is).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from leadflow.ingest.signatures import (
    BAD_SIGNATURE,
    BAD_TIMESTAMP,
    FUTURE_SKEW_S,
    FUTURE_TIMESTAMP,
    MISSING_HEADER,
    OK,
    STALE_TIMESTAMP,
    Verdict,
)

BAD_KEY = Verdict(False, "public key unreadable")


def timestamp_verdict(timestamp: str, max_age_s: float, now: float | None = None) -> Verdict:
    """Whole unix seconds, no older than ``max_age_s`` and not far in the future (replay window)."""
    stamp = timestamp.strip()
    if not (stamp.isascii() and stamp.isdigit()):
        return BAD_TIMESTAMP
    age = (time.time() if now is None else now) - int(stamp)
    if age > max_age_s:
        return STALE_TIMESTAMP
    return FUTURE_TIMESTAMP if -age > FUTURE_SKEW_S else OK


def verify_sendgrid(
    public_key_b64: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    max_age_s: float | None,
    now: float | None = None,
) -> Verdict:
    """ECDSA P-256/SHA-256 over ``timestamp + raw body``; the key is base64 DER SPKI.

    ``max_age_s=None`` skips the age check (for SendGrid's published test vector, from 2020).
    """
    if not signature or not timestamp:
        return MISSING_HEADER
    if max_age_s is not None:
        fresh = timestamp_verdict(timestamp, max_age_s, now)
        if not fresh:
            return fresh
    try:
        key = load_der_public_key(base64.b64decode(public_key_b64, validate=True))
    except (ValueError, binascii.Error):
        return BAD_KEY
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return BAD_KEY
    try:
        key.verify(
            base64.b64decode(signature.strip(), validate=True),
            timestamp.encode("utf-8") + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, ValueError, binascii.Error):
        return BAD_SIGNATURE
    return OK


def mailgun_signature(signing_key: str, timestamp: str, token: str) -> str:
    return hmac.new(
        signing_key.encode("utf-8"), (timestamp + token).encode("utf-8"), hashlib.sha256
    ).hexdigest()


def verify_mailgun(
    signing_key: str,
    timestamp: str | None,
    token: str | None,
    signature: str | None,
    *,
    max_age_s: float,
    now: float | None = None,
) -> Verdict:
    """``signature == hex HMAC-SHA256(signing key, timestamp + token)``; replays are the caller's."""
    if not timestamp or not token or not signature:
        return MISSING_HEADER
    fresh = timestamp_verdict(timestamp, max_age_s, now)
    if not fresh:
        return fresh
    expected = mailgun_signature(signing_key, timestamp, token)
    return (
        OK
        if hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
        else BAD_SIGNATURE
    )
