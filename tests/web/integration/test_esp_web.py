"""ESP webhooks over real HTTP (uvicorn) on each database: verified, mapped, joined, idempotent.

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
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from leadflow.core.db import session_scope
from leadflow.app.local_services import WebServer
from leadflow.core.models import (
    EngagementEvent,
    Enrollment,
    Lead,
    OutboundEmail,
    Suppression,
    WebhookNonce,
)
from leadflow.core.settings import reset_settings
from tests.engagement.unit.test_esp_signatures import BODY as VECTOR_BODY
from tests.engagement.unit.test_esp_signatures import KEY as VECTOR_KEY
from tests.engagement.unit.test_esp_signatures import SIGNATURE as VECTOR_SIGNATURE
from tests.engagement.unit.test_esp_signatures import TIMESTAMP as VECTOR_TIMESTAMP

pytestmark = pytest.mark.db
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


# --- SendGrid -----------------------------------------------------------------------------


def test_the_official_sendgrid_vector_is_accepted_over_http(leadflow_env, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEADFLOW_SENDGRID_WEBHOOK_PUBLIC_KEY", VECTOR_KEY)
    monkeypatch.setenv("LEADFLOW_ESP_MAX_AGE_S", str(10 * 365 * 86400))  # the vector is from 2020
    reset_settings()
    headers = {
        **JSON,
        "X-Twilio-Email-Event-Webhook-Signature": VECTOR_SIGNATURE,
        "X-Twilio-Email-Event-Webhook-Timestamp": VECTOR_TIMESTAMP,
    }
    with serve(leadflow_env):
        url = f"{leadflow_env.public_base_url}/esp/sendgrid"
        first = requests.post(url, data=VECTOR_BODY, headers=headers, timeout=10)
        again = requests.post(url, data=VECTOR_BODY, headers=headers, timeout=10)
        tampered = requests.post(url, data=VECTOR_BODY.rstrip(b"\r\n"), headers=headers, timeout=10)
    assert (first.status_code, first.json()) == (
        200,
        {"stored": 1, "duplicates": 0, "suppressed": 1},
    )
    assert (again.status_code, again.json()) == (
        200,
        {"stored": 0, "duplicates": 1, "suppressed": 0},
    )
    assert tampered.status_code == 401
    # An address we never mailed: kept with no lead, and on the do-not-mail list.
    assert events() == [("sendgrid", "rejected", None, "hello@world.com", False, None)]
    with session_scope() as session:
        assert session.get(Suppression, "hello@world.com").reason == "hard_bounce"


def test_sendgrid_events_join_by_send_id_message_id_or_recipient(esp_web, leads):  # type: ignore[no-untyped-def]
    base = {"timestamp": int(time.time())}
    body = json.dumps(
        [
            {
                **base,
                "email": "ada@example.org",
                "event": "delivered",
                "sg_event_id": "e1",
                "send_id": str(leads["ada@example.org"]),
            },
            {
                **base,
                "email": "someone@else.example",
                "event": "open",
                "sg_event_id": "e2",
                "smtp-id": "<m1@leadflow.example>",
                "useragent": "Mozilla/5.0",
                "ip": "17.1.2.3",
            },
            {
                **base,
                "email": "GRACE@example.com",
                "event": "click",
                "sg_event_id": "e3",
                "url": "https://leadflow.example/",
                "useragent": "Mozilla/5.0 (X11) Firefox/128.0",
            },
            {**base, "email": "nobody@nowhere.example", "event": "delivered", "sg_event_id": "e4"},
        ]
    ).encode()
    answer = requests.post(
        f"{esp_web}/esp/sendgrid", data=body, headers=sendgrid_headers(body), timeout=10
    )
    assert answer.json() == {"stored": 4, "duplicates": 0, "suppressed": 0}
    ada, grace = lead("ada@example.org").id, lead("grace@example.com").id
    assert events() == [
        ("sendgrid", "delivered", ada, "ada@example.org", False, None),
        ("sendgrid", "open", grace, "someone@else.example", True, "apple_mpp"),
        ("sendgrid", "click", grace, "GRACE@example.com", False, None),
        ("sendgrid", "delivered", None, "nobody@nowhere.example", False, None),
    ]


def test_a_hard_bounce_suppresses_and_stops_the_sequence_a_soft_one_does_not(esp_web, leads):
    now = int(time.time())
    body = json.dumps(
        [
            {
                "email": "ada@example.org",
                "timestamp": now,
                "event": "bounce",
                "type": "bounce",
                "status": "5.1.1",
                "reason": "550 no such user",
                "sg_event_id": "b1",
                "smtp-id": "<m0@leadflow.example>",
            },
            {
                "email": "grace@example.com",
                "timestamp": now,
                "event": "bounce",
                "type": "blocked",
                "status": "5.7.1",
                "reason": "blocked",
                "sg_event_id": "b2",
            },
        ]
    ).encode()
    answer = requests.post(
        f"{esp_web}/esp/sendgrid", data=body, headers=sendgrid_headers(body), timeout=10
    )
    assert answer.json()["suppressed"] == 1
    hard, soft = lead("ada@example.org"), lead("grace@example.com")
    assert (hard.suppressed, hard.suppression_reason, enrollment_status(hard.email)) == (
        True,
        "hard_bounce",
        "exited",
    )
    assert (soft.suppressed, enrollment_status(soft.email)) == (False, "active")
    with session_scope() as session:
        assert (
            session.scalar(select(OutboundEmail.status).where(OutboundEmail.lead_id == hard.id))
            == "bounced"
        )
        assert session.get(Suppression, "grace@example.com") is None


# --- Mailgun ------------------------------------------------------------------------------


def mailgun_event(name: str, event_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "event": name,
        "id": event_id,
        "timestamp": time.time(),
        "recipient": "grace@example.com",
        "message": {"headers": {"message-id": "m1@leadflow.example"}},
        **extra,
    }


def test_mailgun_complaint_is_stored_once_and_suppresses(esp_web, leads):  # type: ignore[no-untyped-def]
    body = mailgun_body(mailgun_event("complained", "mg-1"))
    first = requests.post(f"{esp_web}/esp/mailgun", data=body, headers=JSON, timeout=10)
    assert (first.status_code, first.json()) == (
        200,
        {"stored": 1, "duplicates": 0, "suppressed": 1},
    )
    # Mailgun retrying the same delivery (same token, same event): answered 200, stored once.
    retry = requests.post(f"{esp_web}/esp/mailgun", data=body, headers=JSON, timeout=10)
    assert (retry.status_code, retry.json()["duplicates"]) == (200, 1)
    grace = lead("grace@example.com")
    assert (grace.suppressed, grace.suppression_reason, enrollment_status(grace.email)) == (
        True,
        "complained",
        "exited",
    )
    assert events() == [("mailgun", "complaint", grace.id, "grace@example.com", False, None)]


def test_a_replayed_mailgun_token_with_another_event_is_refused(esp_web, leads):  # type: ignore[no-untyped-def]
    token = secrets.token_hex(25)
    assert (
        requests.post(
            f"{esp_web}/esp/mailgun",
            data=mailgun_body(mailgun_event("delivered", "mg-1"), token),
            headers=JSON,
            timeout=10,
        ).status_code
        == 200
    )
    before = writes()
    forged = mailgun_body(mailgun_event("unsubscribed", "mg-2"), token)
    assert (
        requests.post(f"{esp_web}/esp/mailgun", data=forged, headers=JSON, timeout=10).status_code
        == 403
    )
    assert writes() == before and not lead("grace@example.com").suppressed


def test_a_temporary_mailgun_failure_is_deferred_and_suppresses_nobody(esp_web, leads):  # type: ignore[no-untyped-def]
    body = mailgun_body(mailgun_event("failed", "mg-3", severity="temporary", reason="greylisted"))
    assert (
        requests.post(f"{esp_web}/esp/mailgun", data=body, headers=JSON, timeout=10).json()[
            "suppressed"
        ]
        == 0
    )
    assert events()[0][:2] == ("mailgun", "deferred") and not lead("grace@example.com").suppressed


# --- hostile requests: the right 4xx, and nothing written ---------------------------------


def _sendgrid_ok() -> bytes:
    return json.dumps(
        [
            {
                "email": "ada@example.org",
                "timestamp": int(time.time()),
                "event": "unsubscribe",
                "sg_event_id": "h1",
            }
        ]
    ).encode()


HOSTILE = {
    "sendgrid wrong content type": (
        "sendgrid",
        lambda: (
            _sendgrid_ok(),
            {**sendgrid_headers(_sendgrid_ok()), "Content-Type": "text/plain"},
        ),
        415,
    ),
    "sendgrid form body": (
        "sendgrid",
        lambda: (
            b"a=1",
            {**sendgrid_headers(b"a=1"), "Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    ),
    "sendgrid oversized": ("sendgrid", lambda: (b"[" + b" " * 1_600_000 + b"]", JSON), 413),
    "sendgrid bad signature": (
        "sendgrid",
        lambda: (_sendgrid_ok(), {**sendgrid_headers(_sendgrid_ok() + b" ")}),
        401,
    ),
    "sendgrid unsigned": ("sendgrid", lambda: (_sendgrid_ok(), JSON), 401),
    "sendgrid old timestamp": (
        "sendgrid",
        lambda: (_sendgrid_ok(), sendgrid_headers(_sendgrid_ok(), 3600)),
        401,
    ),
    "sendgrid malformed json": (
        "sendgrid",
        lambda: (b'[{"event": ', sendgrid_headers(b'[{"event": ')),
        400,
    ),
    "sendgrid not an array": ("sendgrid", lambda: (b"{}", sendgrid_headers(b"{}")), 400),
    "mailgun malformed json": ("mailgun", lambda: (b'{"signature":', JSON), 400),
    "mailgun wrong key": (
        "mailgun",
        lambda: (mailgun_body(mailgun_event("unsubscribed", "x"), key="nope"), JSON),
        401,
    ),
    "mailgun old timestamp": (
        "mailgun",
        lambda: (mailgun_body(mailgun_event("unsubscribed", "x"), age_s=3600), JSON),
        401,
    ),
    "mailgun wrong content type": (
        "mailgun",
        lambda: (
            mailgun_body(mailgun_event("unsubscribed", "x")),
            {"Content-Type": "multipart/form-data; boundary=x"},
        ),
        415,
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_webhook_requests_get_the_right_4xx_and_write_nothing(esp_web, leads, case):
    provider, build, status = HOSTILE[case]
    body, headers = build()
    answer = requests.post(f"{esp_web}/esp/{provider}", data=body, headers=headers, timeout=10)
    assert answer.status_code == status
    assert writes() == 0 and not lead("ada@example.org").suppressed


def test_an_unconfigured_provider_does_not_exist(leadflow_env, monkeypatch):  # type: ignore[no-untyped-def]
    for name in ("LEADFLOW_SENDGRID_WEBHOOK_PUBLIC_KEY", "LEADFLOW_MAILGUN_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    with serve(leadflow_env):
        for provider in ("sendgrid", "mailgun"):
            answer = requests.post(
                f"{leadflow_env.public_base_url}/esp/{provider}",
                data=b"[]",
                headers=JSON,
                timeout=10,
            )
            assert answer.status_code == 404
    assert writes() == 0
