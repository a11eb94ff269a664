"""Outgoing mail is DKIM-signed over From, Subject and the List-Unsubscribe headers: a real SMTP
server receives it and dkimpy verifies it against the public key (served by its dnsfunc hook)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from leadflow.core.settings import reset_settings
from tests.nurture.integration.nurture_support import add_lead, enroll, tick

pytestmark = pytest.mark.db
TUESDAY_10_NY = datetime(2026, 11, 10, 15, tzinfo=UTC)


@pytest.fixture
def dkim_dns(leadflow_env, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh key in the settings; returns the dnsfunc that serves its public half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    monkeypatch.setenv("LEADFLOW_DKIM_PRIVATE_KEY", pem)
    monkeypatch.setenv("LEADFLOW_DKIM_SELECTOR", "lf2026")
    reset_settings()
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    asked: list[bytes] = []

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        asked.append(name)
        return record if name == b"lf2026._domainkey.leadflow.example." else None

    dnsfunc.asked = asked  # type: ignore[attr-defined]
    return dnsfunc


def test_a_received_nurture_email_carries_a_valid_signature_over_the_unsubscribe_headers(
    recorder, dkim_dns
):
    lead = add_lead("ada@example.org", TUESDAY_10_NY, "US", "NY")
    enroll([lead], TUESDAY_10_NY)
    assert tick(recorder, TUESDAY_10_NY).sent == 1
    received = recorder.to("ada@example.org")[0]
    assert dkim.verify(received.raw, dnsfunc=dkim_dns)
    assert dkim_dns.asked == [b"lf2026._domainkey.leadflow.example."]
    signature = received.message["DKIM-Signature"]
    tags = dict(
        part.strip().split("=", 1)
        for part in str(signature).replace("\r\n", "").split(";")
        if "=" in part
    )
    signed = [h.strip().lower() for h in tags["h"].split(":")]
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= set(signed)
    assert tags["d"].strip() == "leadflow.example" and tags["s"].strip() == "lf2026"

    # Any change to a signed header on the way breaks it: the check above can fail.
    head, body = received.raw.split(b"\r\n\r\n", 1)
    forged = (
        head.replace(
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click",
        )
        + b"\r\n\r\n"
        + body
    )
    assert forged != received.raw and not dkim.verify(forged, dnsfunc=dkim_dns)


def test_without_a_key_mail_goes_out_unsigned(recorder, leadflow_env):
    lead = add_lead("ada@example.org", TUESDAY_10_NY, "US", "NY")
    enroll([lead], TUESDAY_10_NY)
    assert tick(recorder, TUESDAY_10_NY).sent == 1
    assert recorder.to("ada@example.org")[0].message["DKIM-Signature"] is None
