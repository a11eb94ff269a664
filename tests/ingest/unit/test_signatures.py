"""Webhook signature schemes (CONTRACTS.md section 4), each checked against a vector built here.

Every expected signature is computed in the test with hmac/hashlib/base64 from the
contract's description, never with the function under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from leadflow.ingest.signatures import (
    hubspot_source_uri,
    verify_bearer,
    verify_hubspot_v3,
    verify_typeform,
    verify_zoom,
    zoom_url_validation,
)

SECRET = "whsec-test-0123456789"
BODY = b'{"event_id":"01HXYZ","form_response":{"answers":[{"type":"email","email":"ada@example.org"}]}}'
NOW = 1_790_000_000.0  # seconds since the epoch


def _mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


# --- Typeform: "sha256=" + base64(HMAC-SHA256(secret, body)) ------------------------------


def typeform_header(secret: str = SECRET, body: bytes = BODY) -> str:
    return "sha256=" + base64.b64encode(_mac(secret, body)).decode()


def test_typeform_accepts_its_own_vector() -> None:
    assert verify_typeform(SECRET, BODY, typeform_header()).ok


def test_typeform_fixed_vector() -> None:
    # Pinned from `printf "{}" | openssl dgst -sha256 -hmac abc -binary | base64`: standard base64.
    header = "sha256=" + base64.b64encode(hmac.new(b"abc", b"{}", hashlib.sha256).digest()).decode()
    assert header == "sha256=GQkmM+WqmoSd/MnS30522y3x/Lp/OJFfLHgzvYpRDy8="
    assert verify_typeform("abc", b"{}", header).ok


@pytest.mark.parametrize(
    ("secret", "body", "reason"),
    [
        ("another-secret", BODY, "bad signature"),
        (SECRET, BODY.replace(b"ada@", b"eve@"), "bad signature"),
        (SECRET, BODY + b" ", "bad signature"),  # one byte more: raw bytes, not re-serialized JSON
    ],
)
def test_typeform_rejects_wrong_secret_and_tampered_body(
    secret: str, body: bytes, reason: str
) -> None:
    verdict = verify_typeform(secret, body, typeform_header())
    assert not verdict and verdict.reason == reason


@pytest.mark.parametrize("header", [None, ""])
def test_typeform_missing_header(header: str | None) -> None:
    verdict = verify_typeform(SECRET, BODY, header)
    assert not verdict.ok and verdict.reason == "missing header"


def test_typeform_rejects_hex_and_unprefixed_forms() -> None:
    digest = _mac(SECRET, BODY)
    assert not verify_typeform(SECRET, BODY, "sha256=" + digest.hex())
    assert not verify_typeform(SECRET, BODY, base64.b64encode(digest).decode())


def test_a_non_ascii_header_is_refused_not_raised() -> None:
    assert verify_typeform(SECRET, BODY, "sha256=é").reason == "bad signature"


# --- HubSpot v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp)), ms ----------

URI = "https://leads.example.com/capture/hubspot/spring?utm=a"


def hubspot_signature(
    ts_ms: str, secret: str = SECRET, method: str = "POST", uri: str = URI, body: bytes = BODY
) -> str:
    return base64.b64encode(
        _mac(secret, method.encode() + uri.encode() + body + ts_ms.encode())
    ).decode()


def hubspot(
    signature: str | None,
    ts_ms: str | None,
    *,
    body: bytes = BODY,
    uri: str = URI,
    now: float = NOW,
    method: str = "POST",
):  # type: ignore[no-untyped-def]
    return verify_hubspot_v3(SECRET, method, uri, body, signature, ts_ms, max_age_s=300, now=now)


def test_hubspot_accepts_a_fresh_vector() -> None:
    ts = str(int(NOW * 1000) - 2_000)
    assert hubspot(hubspot_signature(ts), ts).ok


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"secret": "another-secret"}, "bad signature"),
        ({"body": BODY + b"x"}, "bad signature"),
        ({"uri": URI.replace("spring", "autumn")}, "bad signature"),
        ({"uri": URI.replace("https", "http")}, "bad signature"),
        ({"method": "GET"}, "bad signature"),
    ],
)
def test_hubspot_rejects_a_signature_over_anything_else(change: dict, reason: str) -> None:  # type: ignore[type-arg]
    ts = str(int(NOW * 1000))
    verdict = hubspot(hubspot_signature(ts, **change), ts)
    assert not verdict and verdict.reason == reason


def test_hubspot_rejects_a_tampered_timestamp() -> None:
    ts = str(int(NOW * 1000))
    assert hubspot(hubspot_signature(ts), str(int(ts) + 1)).reason == "bad signature"


@pytest.mark.parametrize(
    ("offset_s", "reason"),
    [(-301, "stale timestamp"), (-3600, "stale timestamp"), (+3600, "timestamp in the future")],
)
def test_hubspot_rejects_stale_and_future_timestamps_even_when_signed(
    offset_s: int, reason: str
) -> None:
    ts = str(int((NOW + offset_s) * 1000))
    assert hubspot(hubspot_signature(ts), ts).reason == reason


def test_hubspot_tolerates_small_clock_skew() -> None:
    for offset_s in (-299, +5):
        ts = str(int((NOW + offset_s) * 1000))
        assert hubspot(hubspot_signature(ts), ts).ok


@pytest.mark.parametrize(
    ("signature", "ts", "reason"),
    [
        (None, "1790000000000", "missing header"),
        ("x", None, "missing header"),
        ("", "", "missing header"),
        ("x", "yesterday", "bad timestamp"),
        ("x", "-5", "bad timestamp"),
    ],
)
def test_hubspot_missing_or_unreadable_headers(
    signature: str | None, ts: str | None, reason: str
) -> None:
    assert hubspot(signature, ts).reason == reason


def test_hubspot_decodes_only_the_listed_escapes_in_the_uri() -> None:
    # HubSpot decodes %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B before signing, no others.
    sent = "https://x.example/capture/hubspot/c?next=%2Fa%3Ab%40c&q=a%20b%26c"
    signed = "https://x.example/capture/hubspot/c?next=/a:b@c&q=a%20b%26c"
    assert hubspot_source_uri(sent) == signed
    ts = str(int(NOW * 1000))
    assert hubspot(hubspot_signature(ts, uri=signed), ts, uri=sent).ok


# --- Zoom: "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)), seconds -----------


def zoom_signature(ts: str, secret: str = SECRET, body: bytes = BODY) -> str:
    return (
        "v0="
        + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    )


def zoom(signature: str | None, ts: str | None, *, body: bytes = BODY, now: float = NOW):
    return verify_zoom(SECRET, body, signature, ts, max_age_s=300, now=now)


def test_zoom_accepts_a_fresh_vector() -> None:
    ts = str(int(NOW) - 10)
    assert zoom(zoom_signature(ts), ts).ok


@pytest.mark.parametrize(
    "signature",
    [
        zoom_signature(str(int(NOW)), secret="another-secret"),
        zoom_signature(str(int(NOW)), body=BODY + b"\n"),
        zoom_signature(str(int(NOW)))[3:],  # without "v0="
    ],
)
def test_zoom_rejects_wrong_secret_tampered_body_and_bare_hex(signature: str) -> None:
    assert zoom(signature, str(int(NOW))).reason == "bad signature"


@pytest.mark.parametrize(
    ("offset_s", "reason"), [(-301, "stale timestamp"), (+3600, "timestamp in the future")]
)
def test_zoom_rejects_stale_and_future_timestamps(offset_s: int, reason: str) -> None:
    ts = str(int(NOW + offset_s))
    assert zoom(zoom_signature(ts), ts).reason == reason


def test_zoom_timestamp_is_seconds_not_milliseconds() -> None:
    ts = str(int(NOW * 1000))
    assert zoom(zoom_signature(ts), ts).reason == "timestamp in the future"


@pytest.mark.parametrize(("signature", "ts"), [(None, "1790000000"), ("v0=ab", None)])
def test_zoom_missing_header(signature: str | None, ts: str | None) -> None:
    assert zoom(signature, ts).reason == "missing header"


def test_zoom_url_validation_answer() -> None:
    token = "qgg8vlvZRS6UYooatFL8Aw"
    expected = hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
    assert zoom_url_validation(SECRET, token) == {"plainToken": token, "encryptedToken": expected}


# --- bearer token ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("Bearer tok-123", True),
        ("bearer tok-123", True),
        ("Bearer tok-124", False),
        ("Basic tok-123", False),
        ("Bearer ", False),
        ("tok-123", False),
        (None, False),
    ],
)
def test_bearer_token(header: str | None, ok: bool) -> None:
    assert verify_bearer("tok-123", header).ok is ok
