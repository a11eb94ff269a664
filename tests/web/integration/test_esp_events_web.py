"""SendGrid and Mailgun events over real HTTP (uvicorn) on each database: verified, mapped, joined, idempotent."""

from __future__ import annotations

import json
import secrets
import time

import pytest
import requests
from sqlalchemy import select

from leadflow.core.db import session_scope
from leadflow.core.models import OutboundEmail, Suppression
from leadflow.core.settings import reset_settings
from tests.engagement.unit.test_esp_signatures import BODY as VECTOR_BODY
from tests.engagement.unit.test_esp_signatures import KEY as VECTOR_KEY
from tests.engagement.unit.test_esp_signatures import SIGNATURE as VECTOR_SIGNATURE
from tests.engagement.unit.test_esp_signatures import TIMESTAMP as VECTOR_TIMESTAMP
from tests.support.esp_webhooks import (
    JSON,
    enrollment_status,
    esp_web,
    events,
    lead,
    leads,
    mailgun_body,
    mailgun_event,
    sendgrid_headers,
    serve,
    writes,
)

pytestmark = pytest.mark.db
__all__ = ["esp_web", "leads"]  # fixtures, used by name


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
