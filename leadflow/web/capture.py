"""Lead-capture webhooks: generic JSON, Typeform, HubSpot and Zoom.

Every endpoint has the same shape (``_capture``):

1. the provider's secret is configured, else 404 (the endpoint does not exist here);
2. the RAW body is read, then verified on those exact bytes, else 401 and nothing stored;
3. only then is it parsed: malformed JSON or an unexpected shape is 400 with one line;
4. each lead is staged with ``store_capture`` (idempotent by delivery key) and the answer
   is 202 ``{"stored": n, "duplicates": m}``, so a provider's retry is answered 202 too.

Why ``async def`` + ``run_in_threadpool`` rather than plain ``def`` endpoints: the body
must be read before anything else, and only an async endpoint can await it. Checking an
HMAC is microseconds of CPU, fine on the event loop; the database work is blocking, so it
runs in the threadpool and never stalls other requests.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

from leadflow.ingest.capture import store_capture
from leadflow.ingest import signatures
from leadflow.ingest.signatures import Verdict
from leadflow.core.settings import Settings, get_settings
from leadflow.core.errors import UnreadablePayload

log = logging.getLogger(__name__)
router = APIRouter(prefix="/capture", tags=["capture"])

MAX_BODY_BYTES = 1_000_000
MAX_LEADS = 500
CampaignName = Annotated[str, Path(min_length=1, max_length=200)]  # Campaign.name is 200 chars
Lead = tuple[str, dict[str, Any], dict[str, Any]]  # (delivery key, flat record, raw payload)
Verifier = Callable[[str, bytes, Request, Settings], Verdict]
Extractor = Callable[[Request, bytes, Any, str], "list[Lead] | Response"]
SCALARS = (str, int, float, bool, type(None))
# Zoom registrant keys -> keys the ingest aliases know (leadflow.ingest.normalize).
ZOOM_FIELDS = {
    "org": "company",
    "first_name": "first name",
    "last_name": "last name",
    "job_title": "job title",
}
ZOOM_SKIP = {
    "id",
    "join_url",
    "status",
    "create_time",
    "custom_questions",
}  # join_url: a personal link


def _answer(status: int, **content: Any) -> JSONResponse:
    return JSONResponse(content, status_code=status)


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _flat(items: Any) -> dict[str, Any]:
    return (
        {str(k): v for k, v in items.items() if isinstance(v, SCALARS)}
        if isinstance(items, dict)
        else {}
    )


def _list(items: Any) -> list[Any]:
    return items if isinstance(items, list) else []


async def _read(request: Request) -> bytes | None:
    """The raw body, or None past MAX_BODY_BYTES (counted as it streams: chunked bodies too)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _store_all(source: str, campaign: str, leads: list[Lead], channel: str) -> tuple[int, int]:
    stored = sum(
        store_capture(
            source=source,
            campaign=campaign,
            record=record,
            delivery_key=key,
            raw=raw,
            channel=channel,
        )
        is not None
        for key, record, raw in leads
    )
    return stored, len(leads) - stored


async def _capture(
    request: Request,
    *,
    source: str,
    campaign: str,
    secret: SecretStr | None,
    verify: Verifier,
    extract: Extractor,
    channel: str = "web_form",
) -> Response:
    settings = get_settings()
    key = secret.get_secret_value() if secret is not None else ""
    if not key:
        return _answer(404, detail="not found")
    body = await _read(request)
    if body is None:
        return _answer(413, detail="body too large")
    verdict = verify(key, body, request, settings)
    if not verdict:
        log.warning("capture %s/%s refused: %s", source, campaign, verdict.reason)
        return _answer(401, detail="unauthorized")
    try:
        parsed = json.loads(body)
        leads = extract(request, body, parsed, key)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return _answer(400, detail=f"malformed JSON: {exc}".splitlines()[0])
    except UnreadablePayload as exc:
        return _answer(400, detail=str(exc))
    if isinstance(leads, Response):
        return leads
    stored, duplicates = await run_in_threadpool(_store_all, source, campaign, leads, channel)
    log.info("capture %s/%s: %d stored, %d duplicates", source, campaign, stored, duplicates)
    return _answer(202, stored=stored, duplicates=duplicates)


def _object(parsed: Any, what: str = "body") -> dict[str, Any]:
    if not isinstance(parsed, dict):
        raise UnreadablePayload(f"{what} is not a JSON object")
    return parsed


# --- verification -------------------------------------------------------------------


def _verify_bearer(secret: str, body: bytes, request: Request, settings: Settings) -> Verdict:
    return signatures.verify_bearer(secret, request.headers.get("authorization"))


def _verify_typeform(secret: str, body: bytes, request: Request, settings: Settings) -> Verdict:
    return signatures.verify_typeform(secret, body, request.headers.get("typeform-signature"))


def _verify_hubspot(secret: str, body: bytes, request: Request, settings: Settings) -> Verdict:
    # HubSpot signs the public URL it called, so build it from public_base_url, never from
    # the Host header (a proxy rewrites that, and a client can forge it). raw_path keeps the
    # escapes as sent; behind a proxy that strips a prefix, public_base_url carries it.
    path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    uri = settings.public_base_url.rstrip("/") + path + (f"?{query}" if query else "")
    return signatures.verify_hubspot_v3(
        secret,
        request.method,
        uri,
        body,
        request.headers.get("x-hubspot-signature-v3"),
        request.headers.get("x-hubspot-request-timestamp"),
        max_age_s=settings.capture_max_age_s,
    )


def _verify_zoom(secret: str, body: bytes, request: Request, settings: Settings) -> Verdict:
    return signatures.verify_zoom(
        secret,
        body,
        request.headers.get("x-zm-signature"),
        request.headers.get("x-zm-request-timestamp"),
        max_age_s=settings.capture_max_age_s,
    )


# --- body -> leads --------------------------------------------------------------------


def _json_leads(request: Request, body: bytes, parsed: Any, secret: str) -> list[Lead]:
    data = _object(parsed)
    several = isinstance(data.get("leads"), list)
    items = data["leads"] if several else [data]
    if len(items) > MAX_LEADS:
        raise UnreadablePayload(f"too many leads: {len(items)} > {MAX_LEADS}")
    base = request.headers.get("idempotency-key") or _sha256(body)
    leads = []
    for i, item in enumerate(items):
        lead = _object(item, f"lead {i}")
        if any(not isinstance(v, SCALARS) for v in lead.values()):
            raise UnreadablePayload(f"lead {i} is not a flat object")
        leads.append((f"{base}:{i}" if several else base, lead, lead))
    return leads


def _typeform_value(answer: dict[str, Any]) -> Any:
    kind = answer.get("type")
    value = answer.get(kind) if isinstance(kind, str) else None
    if kind in ("choice", "choices") and isinstance(value, dict):  # {label} or {labels: [...]}
        labels = [value.get("label"), *_list(value.get("labels")), value.get("other")]
        return "; ".join(str(label) for label in labels if label) or None
    return value


def _typeform_leads(
    request: Request, body: bytes, parsed: Any, secret: str
) -> list[Lead] | Response:
    data = _object(parsed)
    if data.get("event_type", "form_response") != "form_response":
        return _answer(200, ignored=str(data.get("event_type")))
    form = _object(data.get("form_response"), "form_response")
    record = _flat(form.get("hidden"))
    email = None
    for answer in _list(form.get("answers")):
        field = answer.get("field") if isinstance(answer, dict) else None
        name = (field.get("ref") or field.get("id")) if isinstance(field, dict) else None
        value = _typeform_value(answer) if name else None
        if name and isinstance(value, SCALARS):
            record[str(name)] = value
        if name and answer.get("type") == "email":
            email = email or value
    if email:
        record.setdefault("email", email)  # a form whose ref is not "email" still yields one
    return [(str(data.get("event_id") or _sha256(body)), record, data)]


def _hubspot_leads(request: Request, body: bytes, parsed: Any, secret: str) -> list[Lead]:
    data = _object(parsed)
    fields = data.get("fields")
    if not isinstance(fields, list):
        raise UnreadablePayload("no fields list")
    record: dict[str, Any] = {}
    for field in fields:
        if not isinstance(field, dict) or not field.get("name"):
            continue
        name, value = str(field["name"]), field.get("value")
        if field.get("objectTypeId") == "0-2" and name == "name":
            name = "company"  # a company object's name, not the contact's
        if isinstance(value, SCALARS):
            record[name] = f"{record[name]};{value}" if name in record else value  # multi-checkbox
    return [(_sha256(body), record, data)]  # legalConsentOptions stays in the raw payload


def _zoom_leads(request: Request, body: bytes, parsed: Any, secret: str) -> list[Lead] | Response:
    data = _object(parsed)
    event, payload = data.get("event"), _object(data.get("payload") or {}, "payload")
    if event == "endpoint.url_validation":
        token = payload.get("plainToken")
        if not isinstance(token, str) or not token:
            raise UnreadablePayload("no payload.plainToken")
        return JSONResponse(signatures.zoom_url_validation(secret, token), status_code=200)
    if event != "webinar.registration_created":
        return _answer(200, ignored=str(event))
    webinar = _object(payload.get("object"), "payload.object")
    registrant = _object(webinar.get("registrant"), "payload.object.registrant")
    record = {ZOOM_FIELDS.get(k, k): v for k, v in _flat(registrant).items() if k not in ZOOM_SKIP}
    for question in _list(registrant.get("custom_questions")):
        if isinstance(question, dict) and question.get("title"):
            record[str(question["title"])] = question.get("value")
    record.update({"webinar_id": webinar.get("id"), "webinar_topic": webinar.get("topic")})
    rid = registrant.get("id")
    key = f"{webinar.get('id')}:{rid}" if rid else _sha256(body)
    return [(key, record, data)]


# --- the one route -----------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """How one provider's deliveries are checked and read."""

    secret: Callable[[Settings], SecretStr | None]  # unset: the endpoint does not exist (404)
    verify: Verifier
    extract: Extractor
    channel: str = "web_form"  # the campaign channel of a campaign the capture creates


PROVIDERS = {
    "json": Provider(lambda s: s.capture_token, _verify_bearer, _json_leads),
    "typeform": Provider(lambda s: s.typeform_secret, _verify_typeform, _typeform_leads),
    "hubspot": Provider(lambda s: s.hubspot_client_secret, _verify_hubspot, _hubspot_leads),
    "zoom": Provider(lambda s: s.zoom_secret_token, _verify_zoom, _zoom_leads, "webinar"),
}


@router.post("/{provider}/{campaign}")
async def capture(request: Request, provider: str, campaign: CampaignName) -> Response:
    """A delivery from ``provider`` (json, typeform, hubspot or zoom) for ``campaign``."""
    found = PROVIDERS.get(provider)
    if found is None:
        return _answer(404, detail="not found")
    return await _capture(
        request,
        source=provider,
        campaign=campaign,
        secret=found.secret(get_settings()),
        verify=found.verify,
        extract=found.extract,
        channel=found.channel,
    )
