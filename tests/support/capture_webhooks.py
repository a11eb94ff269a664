"""Lead-capture deliveries as each provider signs them, servers with and without the secrets, and readers
of what was staged; shared by the capture webhook tests.

Signatures are built here with hmac/hashlib/base64 from CONTRACTS.md section 4, as each
provider would sign them; the app under test never helps to build them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import select

from leadflow.app.local_services import WebServer
from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, SourceRecord
from leadflow.core.settings import reset_settings

TOKEN = "capture-token-for-tests"
TYPEFORM = "typeform-secret-for-tests"
HUBSPOT = "hubspot-client-secret-for-tests"
ZOOM = "zoom-secret-token-for-tests"
SECRETS = {
    "LEADFLOW_CAPTURE_TOKEN": TOKEN,
    "LEADFLOW_TYPEFORM_SECRET": TYPEFORM,
    "LEADFLOW_HUBSPOT_CLIENT_SECRET": HUBSPOT,
    "LEADFLOW_ZOOM_SECRET_TOKEN": ZOOM,
}
JSON = {"Content-Type": "application/json"}


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


TYPEFORM_BODY = dumps(
    {
        "event_id": "01HZX8Q2T3TYPEFORM",
        "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j",
            "submitted_at": "2026-11-09T10:00:00Z",
            "hidden": {"utm_source": "linkedin", "utm_campaign": "spring"},
            "answers": [
                {
                    "type": "email",
                    "email": "ada@example.org",
                    "field": {"id": "f1", "ref": "email", "type": "email"},
                },
                {
                    "type": "text",
                    "text": "Ada",
                    "field": {"id": "f2", "ref": "first name", "type": "short_text"},
                },
                {
                    "type": "phone_number",
                    "phone_number": "+15551234567",
                    "field": {"id": "f3", "ref": "phone"},
                },
                {
                    "type": "choice",
                    "choice": {"label": "Analytics"},
                    "field": {"id": "f4", "ref": "product interest", "type": "multiple_choice"},
                },
            ],
        },
    }
)
HUBSPOT_BODY = dumps(
    {
        "fields": [
            {"objectTypeId": "0-1", "name": "email", "value": "grace@example.com"},
            {"objectTypeId": "0-1", "name": "firstname", "value": "Grace"},
            {"objectTypeId": "0-2", "name": "name", "value": "Navy Systems"},
        ],
        "submittedAt": 1790000000000,
        "context": {
            "hutk": "abc123",
            "pageUri": "https://www.example.com/demo",
            "pageName": "Demo",
        },
        "legalConsentOptions": {
            "consent": {
                "consentToProcess": True,
                "text": "I agree",
                "communications": [
                    {"value": True, "subscriptionTypeId": 999, "text": "Marketing email"}
                ],
            }
        },
    }
)
ZOOM_BODY = dumps(
    {
        "event": "webinar.registration_created",
        "event_ts": 1790000000000,
        "payload": {
            "account_id": "acc-1",
            "object": {
                "uuid": "w-uuid",
                "id": "81234567890",
                "topic": "Spring launch",
                "registrant": {
                    "id": "reg-1",
                    "email": "linus@example.net",
                    "first_name": "Linus",
                    "last_name": "Torvalds",
                    "org": "Kernel Ltd",
                    "job_title": "CTO",
                    "country": "US",
                    "city": "Portland",
                    "state": "OR",
                    "phone": "+15035550100",
                    "join_url": "https://zoom.us/w/81234567890?tk=secret",
                    "custom_questions": [{"title": "Use case", "value": "routing"}],
                },
            },
        },
    }
)


# --- how each provider signs ------------------------------------------------------------------


def typeform_headers(body: bytes, secret: str = TYPEFORM) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {**JSON, "Typeform-Signature": "sha256=" + base64.b64encode(digest).decode()}


def hubspot_headers(
    url: str, body: bytes, secret: str = HUBSPOT, age_s: float = 0
) -> dict[str, str]:
    ts = str(int((time.time() - age_s) * 1000))
    digest = hmac.new(
        secret.encode(), b"POST" + url.encode() + body + ts.encode(), hashlib.sha256
    ).digest()
    return {
        **JSON,
        "X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
        "X-HubSpot-Request-Timestamp": ts,
    }


def zoom_headers(body: bytes, secret: str = ZOOM, age_s: float = 0) -> dict[str, str]:
    ts = str(int(time.time() - age_s))
    digest = hmac.new(
        secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    return {**JSON, "x-zm-signature": f"v0={digest}", "x-zm-request-timestamp": ts}


# --- fixtures and helpers ---------------------------------------------------------------------


def serve(settings):  # type: ignore[no-untyped-def]
    base = urlparse(settings.public_base_url)
    return WebServer(base.hostname, base.port)


@pytest.fixture
def web(leadflow_env, monkeypatch):  # type: ignore[no-untyped-def]
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    reset_settings()  # before the server starts: it reads the secrets per request from settings
    with serve(leadflow_env):
        yield leadflow_env.public_base_url


@pytest.fixture
def bare_web(leadflow_env, monkeypatch):  # type: ignore[no-untyped-def]
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    with serve(leadflow_env):
        yield leadflow_env.public_base_url


def post(url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(url, data=body, headers=headers, timeout=10)


def rows() -> list[tuple[str, str, dict[str, Any], str]]:
    with session_scope() as session:
        found = session.execute(
            select(
                SourceRecord.source_name, SourceRecord.status, SourceRecord.payload, Campaign.name
            ).join(Campaign, Campaign.id == SourceRecord.campaign_id)
        )
        return [tuple(row) for row in found]  # type: ignore[misc]


def assert_one_staged(provider: str, email: str, campaign: str = "spring") -> dict[str, Any]:
    [(source_name, status, payload, campaign_name)] = rows()
    assert (source_name, status, campaign_name) == (f"webhook:{provider}", "staged", campaign)
    assert payload["record"]["email"] == email
    return payload
