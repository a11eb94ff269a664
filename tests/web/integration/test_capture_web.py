"""Lead-capture webhooks over real HTTP (uvicorn): verify on raw bytes, stage once, refuse forgeries.

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

from leadflow.core.db import session_scope
from leadflow.ingest.normalize import map_columns
from leadflow.app.local_services import WebServer
from leadflow.core.models import Campaign, SourceRecord
from leadflow.core.settings import reset_settings

pytestmark = pytest.mark.db

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


# --- each provider: stored once, retried delivery counted as a duplicate ----------------------


def test_typeform_answer_is_staged_once(web):  # type: ignore[no-untyped-def]
    url = f"{web}/capture/typeform/spring"
    first = post(url, TYPEFORM_BODY, typeform_headers(TYPEFORM_BODY))
    assert first.status_code == 202 and first.json() == {"stored": 1, "duplicates": 0}
    payload = assert_one_staged("typeform", "ada@example.org")
    assert payload["record"] == {
        "email": "ada@example.org",
        "first name": "Ada",
        "phone": "+15551234567",
        "product interest": "Analytics",
        "utm_source": "linkedin",
        "utm_campaign": "spring",
    }
    again = post(url, TYPEFORM_BODY, typeform_headers(TYPEFORM_BODY))
    assert again.status_code == 202 and again.json() == {"stored": 0, "duplicates": 1}
    assert len(rows()) == 1


def test_hubspot_form_is_staged_once_with_consent_kept_raw(web):  # type: ignore[no-untyped-def]
    url = f"{web}/capture/hubspot/spring?src=ad"  # the query string is part of what HubSpot signs
    first = post(url, HUBSPOT_BODY, hubspot_headers(url, HUBSPOT_BODY))
    assert first.status_code == 202 and first.json() == {"stored": 1, "duplicates": 0}
    payload = assert_one_staged("hubspot", "grace@example.com")
    assert payload["record"] == {
        "email": "grace@example.com",
        "firstname": "Grace",
        "company": "Navy Systems",
    }
    assert payload["raw"]["legalConsentOptions"]["consent"]["consentToProcess"] is True
    again = post(
        url, HUBSPOT_BODY, hubspot_headers(url, HUBSPOT_BODY)
    )  # HubSpot re-signs each attempt
    assert again.status_code == 202 and again.json() == {"stored": 0, "duplicates": 1}
    assert len(rows()) == 1


def test_zoom_registration_is_staged_once(web):  # type: ignore[no-untyped-def]
    url = f"{web}/capture/zoom/spring"
    first = post(url, ZOOM_BODY, zoom_headers(ZOOM_BODY))
    assert first.status_code == 202 and first.json() == {"stored": 1, "duplicates": 0}
    record = assert_one_staged("zoom", "linus@example.net")["record"]
    assert (
        record["company"] == "Kernel Ltd"
        and record["Use case"] == "routing"
        and "join_url" not in record
    )
    mapping, _ = map_columns(record)  # the ingest aliases understand the mapped names
    assert {
        "email",
        "first_name",
        "last_name",
        "company",
        "title",
        "country",
        "city",
        "state",
        "phone",
    } <= set(mapping.values())
    again = post(url, ZOOM_BODY, zoom_headers(ZOOM_BODY))
    assert again.status_code == 202 and again.json() == {"stored": 0, "duplicates": 1}
    assert len(rows()) == 1


# --- forgeries and replays are refused before anything is stored -----------------------------


@pytest.mark.parametrize(
    "forge",
    [
        "typeform-secret",
        "typeform-body",
        "hubspot-secret",
        "hubspot-host",
        "hubspot-stale",
        "zoom-secret",
        "zoom-stale",
        "zoom-missing",
    ],
)
def test_a_bad_signature_gets_401_and_stores_nothing(web, forge):  # type: ignore[no-untyped-def]
    provider, _, how = forge.partition("-")
    url = f"{web}/capture/{provider}/spring"
    if provider == "typeform":
        headers = typeform_headers(TYPEFORM_BODY, secret="wrong" if how == "secret" else TYPEFORM)
        body = TYPEFORM_BODY.replace(b"ada@", b"eve@") if how == "body" else TYPEFORM_BODY
    elif provider == "hubspot":
        signed_url = (
            url.replace("127.0.0.1", "localhost") if how == "host" else url
        )  # not the public URL
        headers = hubspot_headers(
            signed_url,
            HUBSPOT_BODY,
            secret="wrong" if how == "secret" else HUBSPOT,
            age_s=400 if how == "stale" else 0,
        )
        body = HUBSPOT_BODY
    else:
        headers = zoom_headers(
            ZOOM_BODY,
            secret="wrong" if how == "secret" else ZOOM,
            age_s=400 if how == "stale" else 0,
        )
        if how == "missing":
            del headers["x-zm-signature"]
        body = ZOOM_BODY
    answer = post(url, body, headers)
    assert answer.status_code == 401 and answer.json() == {"detail": "unauthorized"}
    assert rows() == []


def test_malformed_json_with_a_valid_signature_gets_400(web):  # type: ignore[no-untyped-def]
    body = b'{"event_id": "x", "form_response": '
    answer = post(f"{web}/capture/typeform/spring", body, typeform_headers(body))
    assert answer.status_code == 400 and answer.json()["detail"].startswith("malformed JSON")
    assert "\n" not in answer.json()["detail"] and rows() == []


# --- Zoom's endpoint validation and other events ----------------------------------------------


def test_zoom_url_validation_is_answered_with_the_encrypted_token(web):  # type: ignore[no-untyped-def]
    body = dumps(
        {
            "event": "endpoint.url_validation",
            "event_ts": 1790000000000,
            "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
        }
    )
    answer = post(f"{web}/capture/zoom/spring", body, zoom_headers(body))
    expected = hmac.new(ZOOM.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert answer.status_code == 200
    assert answer.json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}
    assert (
        post(f"{web}/capture/zoom/spring", body, zoom_headers(body, secret="wrong")).status_code
        == 401
    )
    assert rows() == []


def test_other_zoom_events_get_200_and_are_ignored(web):  # type: ignore[no-untyped-def]
    body = dumps({"event": "meeting.started", "payload": {"object": {"id": "1"}}})
    answer = post(f"{web}/capture/zoom/spring", body, zoom_headers(body))
    assert answer.status_code == 200 and rows() == []


# --- generic JSON -----------------------------------------------------------------------------


def test_generic_json_needs_the_bearer_token(web):  # type: ignore[no-untyped-def]
    url, body = (
        f"{web}/capture/json/spring",
        dumps({"email": "joan@example.org", "company": "Clarke Ltd"}),
    )
    assert post(url, body, JSON).status_code == 401
    assert post(url, body, {**JSON, "Authorization": "Bearer not-the-token"}).status_code == 401
    assert rows() == []
    answer = post(url, body, {**JSON, "Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 202 and answer.json() == {"stored": 1, "duplicates": 0}
    assert assert_one_staged("json", "joan@example.org")["record"]["company"] == "Clarke Ltd"
    again = post(url, body, {**JSON, "Authorization": f"Bearer {TOKEN}"})
    assert again.json() == {"stored": 0, "duplicates": 1} and len(rows()) == 1


def test_generic_json_several_leads_and_an_idempotency_key(web):  # type: ignore[no-untyped-def]
    url = f"{web}/capture/json/summit"
    auth = {**JSON, "Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "batch-7"}
    body = dumps({"leads": [{"email": "a@example.org"}, {"email": "b@example.org"}]})
    assert post(url, body, auth).json() == {"stored": 2, "duplicates": 0}
    # The same key is the same delivery, even if the client re-serialized the body.
    assert post(url, body.replace(b",", b", "), auth).json() == {"stored": 0, "duplicates": 2}
    assert sorted(r[2]["record"]["email"] for r in rows()) == ["a@example.org", "b@example.org"]
    nested = post(
        url,
        dumps({"email": "c@example.org", "address": {"city": "X"}}),
        {**JSON, "Authorization": f"Bearer {TOKEN}"},
    )
    assert nested.status_code == 400 and len(rows()) == 2


def test_an_oversized_body_gets_413_even_when_chunked(web):  # type: ignore[no-untyped-def]
    auth = {**JSON, "Authorization": f"Bearer {TOKEN}"}
    big = dumps({"email": "big@example.org", "notes": "x" * 1_100_000})
    assert post(f"{web}/capture/json/spring", big, auth).status_code == 413
    chunked = requests.post(
        f"{web}/capture/json/spring",
        data=iter([big[:600_000], big[600_000:]]),
        headers=auth,
        timeout=10,
    )
    assert chunked.status_code == 413 and rows() == []


# --- nothing configured: the endpoints do not exist -------------------------------------------


@pytest.mark.parametrize("provider", ["json", "typeform", "hubspot", "zoom"])
def test_an_unconfigured_provider_gets_404(bare_web, provider):  # type: ignore[no-untyped-def]
    url = f"{bare_web}/capture/{provider}/spring"
    headers = {
        **typeform_headers(TYPEFORM_BODY),
        **hubspot_headers(url, HUBSPOT_BODY),
        **zoom_headers(ZOOM_BODY),
        "Authorization": f"Bearer {TOKEN}",
    }
    assert post(url, TYPEFORM_BODY, headers).status_code == 404
    assert rows() == []
