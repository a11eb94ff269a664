"""ESP signatures: SendGrid's own published test vector, and Mailgun's HMAC, on exact bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from leadflow.engagement.esp.signatures import timestamp_verdict, verify_mailgun, verify_sendgrid

# From SendGrid's Python SDK (test/unit/test_eventwebhook.py): the body ends with CRLF.
KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+"
    "2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
)
SIGNATURE = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
TIMESTAMP = "1600112502"
BODY = base64.b64decode(
    "W3siZW1haWwiOiJoZWxsb0B3b3JsZC5jb20iLCJldmVudCI6ImRyb3BwZWQiLCJyZWFzb24iOiJCb3VuY2VkIEFkZHJlc3MiLCJzZ19l"
    "dmVudF9pZCI6IlpISnZjQzB4TURrNU5Ea3hPUzFNVW5wWWJGOU9TRk4wVDBkb1VUUnJiMlpUYlY5QkxUQSIsInNnX21lc3NhZ2VfaWQi"
    "OiJMUnpYbF9OSFN0T0doUTRrb2ZTbV9BLmZpbHRlcmRyZWN2LXAzbWR3MS03NTZiNzQ1YjU4LWttemJsLTE4LTVGNUZDNzZDLTkuMCIs"
    "InNtdHAtaWQiOiI8TFJ6WGxfTkhTdE9HaFE0a29mU21fQUBpc210cGQwMDM5cDFpYWQxLnNlbmRncmlkLm5ldD4iLCJ0aW1lc3RhbXAi"
    "OjE2MDAxMTI0OTJ9XQ0K"
)
WRONG_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj"
    "+y7GjUuFDb/R1NGe1OPzpA=="
)
WRONG_SIGNATURE = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0="


def test_the_official_sendgrid_vector_verifies() -> None:
    assert BODY.endswith(b"\r\n")
    assert verify_sendgrid(KEY, BODY, SIGNATURE, TIMESTAMP, max_age_s=None)


@pytest.mark.parametrize(
    ("key", "body", "signature", "timestamp", "reason"),
    [
        (KEY, BODY.rstrip(b"\r\n"), SIGNATURE, TIMESTAMP, "bad signature"),  # without the CRLF
        (KEY, BODY.replace(b"dropped", b"bounced"), SIGNATURE, TIMESTAMP, "bad signature"),
        (KEY, BODY, SIGNATURE, "1600112503", "bad signature"),
        (KEY, BODY, WRONG_SIGNATURE, TIMESTAMP, "bad signature"),
        (WRONG_KEY, BODY, SIGNATURE, TIMESTAMP, "bad signature"),
        (KEY, BODY, "not base64!", TIMESTAMP, "bad signature"),
        ("bm90IGEga2V5", BODY, SIGNATURE, TIMESTAMP, "public key unreadable"),
        (KEY, BODY, None, TIMESTAMP, "missing header"),
        (KEY, BODY, SIGNATURE, None, "missing header"),
    ],
)
def test_any_change_to_the_sendgrid_vector_is_refused(  # type: ignore[no-untyped-def]
    key, body, signature, timestamp, reason
) -> None:
    verdict = verify_sendgrid(key, body, signature, timestamp, max_age_s=None)
    assert not verdict and verdict.reason == reason


def test_sendgrid_checks_the_age_when_asked() -> None:
    stale = verify_sendgrid(KEY, BODY, SIGNATURE, TIMESTAMP, max_age_s=300, now=1600112502 + 301)
    fresh = verify_sendgrid(KEY, BODY, SIGNATURE, TIMESTAMP, max_age_s=300, now=1600112502 + 299)
    assert (stale.reason, bool(fresh)) == ("stale timestamp", True)


def mailgun(key: str, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def test_mailgun_signature_valid_invalid_and_stale() -> None:
    key, ts, token, now = "mg-signing-key", "1790000000", "a" * 50, 1790000010.0
    good = mailgun(key, ts, token)
    assert verify_mailgun(key, ts, token, good, max_age_s=300, now=now)
    assert verify_mailgun(
        key, ts, token, good.upper(), max_age_s=300, now=now
    )  # hex case is not the secret
    assert (
        verify_mailgun(
            key, ts, token, mailgun("other-key", ts, token), max_age_s=300, now=now
        ).reason
        == "bad signature"
    )
    assert verify_mailgun(key, ts, "b" * 50, good, max_age_s=300, now=now).reason == "bad signature"
    assert (
        verify_mailgun(key, ts, token, good, max_age_s=300, now=now + 400).reason
        == "stale timestamp"
    )
    assert verify_mailgun(key, ts, token, "", max_age_s=300, now=now).reason == "missing header"


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("1790000000", ""),
        ("1789999000", "stale timestamp"),
        ("1790000600", "timestamp in the future"),
        ("17900e0000", "bad timestamp"),
        ("-1", "bad timestamp"),
        ("١٧٩٠٠٠٠٠٠٠", "bad timestamp"),
    ],
)
def test_timestamps_are_whole_seconds_within_the_window(stamp: str, reason: str) -> None:
    assert timestamp_verdict(stamp, 300, now=1790000000).reason == reason
