"""Typeform, HubSpot and Zoom capture webhooks over real HTTP (uvicorn): verify on raw bytes, stage once,
refuse forgeries."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from leadflow.ingest.normalize import map_columns
from tests.support.capture_webhooks import (
    HUBSPOT,
    HUBSPOT_BODY,
    TYPEFORM,
    TYPEFORM_BODY,
    ZOOM,
    ZOOM_BODY,
    assert_one_staged,
    bare_web,
    dumps,
    hubspot_headers,
    post,
    rows,
    typeform_headers,
    web,
    zoom_headers,
)

pytestmark = pytest.mark.db
__all__ = ["web", "bare_web"]  # fixtures, used by name


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
