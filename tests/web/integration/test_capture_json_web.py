"""The generic JSON capture endpoint over real HTTP (uvicorn), and capture endpoints with nothing configured."""

from __future__ import annotations

import pytest
import requests

from tests.support.capture_webhooks import (
    HUBSPOT_BODY,
    JSON,
    TOKEN,
    TYPEFORM_BODY,
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


def test_a_number_beyond_64_bits_is_stored_whole(web):  # type: ignore[no-untyped-def]
    # A form tool may send a long identifier or a phone number as a JSON number; the SQLite
    # engine's JSON writer (orjson) refused one past 64 bits and the delivery failed.
    big = 4915112345678901234567890
    body = f'{{"email": "big@example.org", "crm_id": {big}, "phone": 493012345678}}'.encode()
    answer = post(f"{web}/capture/json/spring", body, {**JSON, "Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 202 and answer.json() == {"stored": 1, "duplicates": 0}
    record = assert_one_staged("json", "big@example.org")["record"]
    assert record["crm_id"] == big and record["phone"] == 493012345678
