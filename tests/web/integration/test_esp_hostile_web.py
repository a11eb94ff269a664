"""Hostile or unexpected ESP webhook requests over real HTTP: the right 4xx, and nothing written."""

from __future__ import annotations

import json
import time

import pytest
import requests

from leadflow.core.settings import reset_settings
from tests.support.esp_webhooks import (
    JSON,
    esp_web,
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
