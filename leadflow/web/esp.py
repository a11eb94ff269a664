"""ESP event webhooks: SendGrid (signed Event Webhook) and Mailgun (webhooks API, JSON).

Every POST goes through the same gates, cheapest first, and a refused request writes
nothing: 404 when the provider's key is not configured (the endpoint does not exist here),
415 for anything but JSON, 413 past the size cap, then the signature on the raw bytes (401)
and the body's shape (400). Only then one transaction stores the whole batch (see
leadflow.engagement.esp.store) and the answer is 200 ``{"stored", "duplicates", "suppressed"}``: a
provider's retry of a batch we already hold is answered 200 too, so it stops retrying.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from leadflow.core.clock import utcnow
from leadflow.core.db import session_scope
from leadflow.ingest.signatures import Verdict
from leadflow.engagement.record import notify_engaged
from leadflow.engagement.esp.events import EspEvent
from leadflow.core.errors import UnreadablePayload
from leadflow.engagement.esp.parse import mailgun_body, mailgun_event, sendgrid_events
from leadflow.engagement.esp.signatures import verify_mailgun, verify_sendgrid
from leadflow.engagement.esp.store import Stored, already_stored, claim_nonce, store_events
from leadflow.core.settings import get_settings
from leadflow.web.limits import media_type, read_capped
from leadflow.core.errors import RequestRefused

log = logging.getLogger(__name__)
router = APIRouter(prefix="/esp", tags=["esp"])

# SendGrid posts when a batch reaches 768 KB (or every 30 s); twice that leaves headroom.
MAX_BODY_BYTES = 1_500_000
SENDGRID_SIGNATURE = "x-twilio-email-event-webhook-signature"
SENDGRID_TIMESTAMP = "x-twilio-email-event-webhook-timestamp"
T = TypeVar("T")


def _answer(status: int, **content: Any) -> JSONResponse:
    return JSONResponse(content, status_code=status)


async def _gate(request: Request, key: str | None) -> bytes:
    """The raw body once the endpoint exists, the type is JSON and the size is sane."""
    if not key:
        raise RequestRefused(404, "not found")
    if media_type(request) != "application/json":
        raise RequestRefused(415, "send application/json")
    body = await read_capped(request, MAX_BODY_BYTES)
    if body is None:
        raise RequestRefused(413, "body too large")
    return body


def _verified(verdict: Verdict, provider: str) -> None:
    if not verdict:
        log.warning("%s webhook refused: %s", provider, verdict.reason)
        raise RequestRefused(401, "unauthorized")


def _readable(parse: Callable[[Any], T], data: Any) -> T:
    try:
        return parse(data)
    except UnreadablePayload as exc:
        raise RequestRefused(400, str(exc)) from exc


def _stored(result: Stored, background: BackgroundTasks, provider: str) -> Response:
    for lead_id in sorted(result.engaged_leads):
        background.add_task(notify_engaged, lead_id, f"{provider}-click")
    log.info(
        "%s webhook: %d stored, %d duplicates, %d suppressed",
        provider,
        result.stored,
        result.duplicates,
        result.suppressed,
    )
    return _answer(
        200, stored=result.stored, duplicates=result.duplicates, suppressed=result.suppressed
    )


def _store(events: list[EspEvent]) -> Stored:
    with session_scope() as session:
        return store_events(session, events)


@router.post("/sendgrid")
async def sendgrid(request: Request, background: BackgroundTasks) -> Response:
    try:
        settings = get_settings()
        key = settings.sendgrid_webhook_public_key
        body = await _gate(request, key)
        _verified(
            verify_sendgrid(
                key or "",
                body,
                request.headers.get(SENDGRID_SIGNATURE),
                request.headers.get(SENDGRID_TIMESTAMP),
                max_age_s=settings.esp_max_age_s,
            ),
            "sendgrid",
        )
        events = _readable(sendgrid_events, body)
    except RequestRefused as refused:
        return _answer(refused.status, detail=refused.detail)
    return _stored(await run_in_threadpool(_store, events), background, "sendgrid")


def _store_mailgun(event: EspEvent, token: str, keep_s: float) -> Stored | None:
    """Store one Mailgun event unless its token was used before (None: a replay)."""
    try:
        with session_scope() as session:
            if claim_nonce(session, "mailgun", token, utcnow(), keep_s):
                return store_events(session, [event])
            if already_stored(session, "mailgun", [event.event_id]):
                return Stored(duplicates=1)  # Mailgun retrying a delivery whose answer it lost
            return None
    except IntegrityError:  # the same token in two requests at once: the second is the replay
        return None


@router.post("/mailgun")
async def mailgun(request: Request, background: BackgroundTasks) -> Response:
    try:
        settings = get_settings()
        key = (
            settings.mailgun_signing_key.get_secret_value()
            if settings.mailgun_signing_key
            else None
        )
        signature, data = _readable(mailgun_body, await _gate(request, key))
        # The signature covers only timestamp + token, not the body: a used token is refused below.
        timestamp, token = (str(signature.get(k, "")) for k in ("timestamp", "token"))
        _verified(
            verify_mailgun(
                key or "",
                timestamp,
                token,
                str(signature.get("signature", "")),
                max_age_s=settings.esp_max_age_s,
            ),
            "mailgun",
        )
        event = _readable(mailgun_event, data)
    except RequestRefused as refused:
        return _answer(refused.status, detail=refused.detail)
    result = await run_in_threadpool(
        _store_mailgun, event, token[:200], 2 * settings.esp_max_age_s + 60
    )
    if result is None:
        log.warning("mailgun webhook refused: token replayed")
        return _answer(403, detail="replayed token")
    return _stored(result, background, "mailgun")
