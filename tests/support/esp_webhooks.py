"""Signed ESP webhook deliveries, a server with the ESP secrets set, two nurtured leads, and readers of what
was stored; shared by the ESP webhook tests.

Signatures are made here the way each provider makes them (cryptography's ECDSA for
SendGrid, hmac for Mailgun); the app under test never helps to build them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from leadflow.app.local_services import WebServer
from leadflow.core.db import session_scope
from leadflow.core.models import (
    EngagementEvent,
    Enrollment,
    Lead,
    OutboundEmail,
    Suppression,
    WebhookNonce,
)
from leadflow.core.settings import reset_settings

SENT_AT = datetime(2026, 11, 9, 10, 0, tzinfo=timezone.utc)
MAILGUN_KEY = "mailgun-signing-key-for-tests"
PRIVATE = ec.generate_private_key(ec.SECP256R1())
PUBLIC = base64.b64encode(
    PRIVATE.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()
JSON = {"Content-Type": "application/json"}


def sendgrid_headers(body: bytes, age_s: float = 0) -> dict[str, str]:
    ts = str(int(time.time() - age_s))
    signature = PRIVATE.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        **JSON,
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": ts,
    }


def mailgun_body(
    event: dict[str, Any], token: str | None = None, age_s: float = 0, key: str = MAILGUN_KEY
) -> bytes:
    ts, token = str(int(time.time() - age_s)), token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
    return json.dumps(
        {
            "signature": {"timestamp": ts, "token": token, "signature": signature},
            "event-data": event,
        }
    ).encode()


def serve(settings) -> WebServer:  # type: ignore[no-untyped-def]
    base = urlparse(settings.public_base_url)
    return WebServer(base.hostname, base.port)  # type: ignore[arg-type]


@pytest.fixture
def esp_web(leadflow_env, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEADFLOW_SENDGRID_WEBHOOK_PUBLIC_KEY", PUBLIC)
    monkeypatch.setenv("LEADFLOW_MAILGUN_SIGNING_KEY", MAILGUN_KEY)
    reset_settings()
    with serve(leadflow_env):
        yield leadflow_env.public_base_url


@pytest.fixture
def leads(esp_web) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Two nurtured leads, each with one sent email; returns email -> outbox id."""
    found = {}
    with session_scope() as session:
        for n, email in enumerate(["ada@example.org", "grace@example.com"]):
            lead = Lead(email=email, status="nurturing", created_at=SENT_AT, updated_at=SENT_AT)
            session.add(lead)
            session.flush()
            enrollment = Enrollment(lead_id=lead.id, sequence="nurture-core", enrolled_at=SENT_AT)
            outbox = OutboundEmail(
                dedupe_key=f"n:{n}",
                kind="nurture",
                lead_id=lead.id,
                to_addr=email,
                message_id=f"<m{n}@leadflow.example>",
                status="sent",
                created_at=SENT_AT,
                sent_at=SENT_AT,
            )
            session.add_all([enrollment, outbox])
            session.flush()
            found[email] = outbox.id
    return found


def events() -> list[tuple[Any, ...]]:
    with session_scope() as session:
        return [
            tuple(r)
            for r in session.execute(
                select(
                    EngagementEvent.provider,
                    EngagementEvent.type,
                    EngagementEvent.lead_id,
                    EngagementEvent.recipient,
                    EngagementEvent.is_machine,
                    EngagementEvent.machine_reason,
                ).order_by(EngagementEvent.id)
            )
        ]


def writes() -> int:
    with session_scope() as session:
        return sum(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (EngagementEvent, WebhookNonce, Suppression)
        )


def lead(email: str) -> Lead:
    with session_scope() as session:
        return session.scalar(select(Lead).where(Lead.email == email))  # type: ignore[return-value]


def enrollment_status(email: str) -> str | None:
    with session_scope() as session:
        return session.scalar(
            select(Enrollment.status)
            .join(Lead, Lead.id == Enrollment.lead_id)
            .where(Lead.email == email)
        )


def mailgun_event(name: str, event_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "event": name,
        "id": event_id,
        "timestamp": time.time(),
        "recipient": "grace@example.com",
        "message": {"headers": {"message-id": "m1@leadflow.example"}},
        **extra,
    }
