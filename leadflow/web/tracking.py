"""Tracking endpoints: click redirect, open pixel, page-visit beacon, RFC 8058 one-click unsubscribe.

Forged or tampered tokens are refused before any database read or write. A hit is
classified (leadflow.engagement.bot_filter) and its row handed to the app's group-commit
writer: a click or a visit is answered once its row is committed, an open pixel at once
(its row is committed with the next batch) unless the writer's buffer of such rows is full
or set to write-through (see leadflow.web.event_writer).

The endpoints are ``async``: a verified token whose email is cached costs no thread and no
query; cache misses read the database together, the misses of one moment in one lookup in a
worker thread (leadflow.web.target_loader).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from leadflow.engagement import record as engagement
from leadflow.core.clock import utcnow
from leadflow.engagement.bot_filter import ClickSignal, OpenSignal, classify_click, classify_open
from leadflow.engagement.tokens import HONEYPOT_POSITION, make_token, read_token, with_visit_token
from leadflow.engagement.record import Target
from leadflow.nurture import preferences
from leadflow.core.settings import get_settings
from leadflow.web.limits import media_type, read_capped

log = logging.getLogger(__name__)
router = APIRouter()

# The smallest transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
UNSUBSCRIBE_MAX_BYTES = 8_192  # "List-Unsubscribe=One-Click" is 26 bytes
UNSUBSCRIBE_TYPES = {"", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
MAX_PAGE_URL = 2000
# Hosts of our own web site(s): a click to them carries the visit token (comma-separated).
BEACON_HOSTS_ENV = "LEADFLOW_BEACON_HOSTS"


def _not_found() -> Response:
    return Response(status_code=404, content="not found", media_type="text/plain")


def _pixel() -> Response:
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


def _secret() -> str:
    return get_settings().secret_key.get_secret_value()


def beacon_hosts() -> frozenset[str]:
    return frozenset(
        h.strip().lower() for h in os.environ.get(BEACON_HOSTS_ENV, "").split(",") if h.strip()
    )


async def _target(request: Request, outbox_id: int, position: int | None = None) -> Target | None:
    """Cached, or read with the other misses of the moment (leadflow.web.target_loader)."""
    return engagement.cached(outbox_id, position) or await request.app.state.targets.get(
        outbox_id, position
    )


async def _store(request: Request, row: dict[str, object]) -> bool:
    try:
        await request.app.state.writer.submit(row)
        return True
    except Exception:  # boundary: the visitor still gets the page; the loss is logged
        log.exception("tracking event lost: %s for email %s", row["type"], row["outbound_email_id"])
        return False


# The three hot endpoints are plain Starlette routes (added at the end): FastAPI's parameter
# solving and validation would double their CPU cost, and they take nothing but the path.


async def click(request: Request) -> Response:
    parsed = read_token(_secret(), request.path_params["token"], "c")
    target = await _target(request, *parsed) if parsed else None
    if parsed is None or target is None:
        return _not_found()
    outbox_id, position = parsed
    at, agent = utcnow(), request.headers.get("user-agent")
    burst = request.app.state.recent_clicks.add(outbox_id, position, time.monotonic())
    reason = classify_click(
        ClickSignal(
            agent,
            engagement.seconds_since_send(target, at),
            burst,
            honeypot=position == HONEYPOT_POSITION,
        )
    )
    stored = await _store(
        request,
        engagement.event_row(
            "click", target, at, url=target.url, machine_reason=reason, user_agent=agent
        ),
    )
    if target.url is None:  # the honeypot: nothing to see, and nothing a person ever reaches
        return Response(status_code=204)
    notify = stored and reason is None and engagement.prefect_configured()
    visit = make_token(_secret(), "v", outbox_id)
    return RedirectResponse(
        with_visit_token(target.url, visit, beacon_hosts()),
        status_code=302,
        background=BackgroundTask(engagement.notify_engaged, target.lead_id, "click")
        if notify
        else None,
    )


async def open_pixel(request: Request) -> Response:
    parsed = read_token(_secret(), request.path_params["token"].removesuffix(".gif"), "o")
    if parsed is not None:
        agent = request.headers.get("user-agent")
        reason = classify_open(OpenSignal(agent, request.client.host if request.client else None))
        # No read, and no wait unless the writer's buffer is full (or it writes through): the
        # writer finds the lead and commits the row with its batch.
        row = engagement.open_row(parsed[0], utcnow(), reason, agent)
        try:
            await request.app.state.writer.add(row)
        except Exception:  # boundary: the pixel is answered anyway; the loss is logged
            log.exception("tracking event lost: open for email %s", parsed[0])
    # Always the pixel: a broken image helps nobody, and a miss tells a prober nothing.
    return _pixel()


def _page_url(request: Request) -> str | None:
    page = request.query_params.get("u") or request.headers.get("referer") or ""
    return page[:MAX_PAGE_URL] if urlsplit(page).scheme in ("http", "https") else None


async def visit(request: Request) -> Response:
    """The page-visit beacon: ``<img src="/v/<lf token>.gif?u=<page URL>">`` (or /v.js)."""
    parsed = read_token(_secret(), request.path_params["token"].removesuffix(".gif"), "v")
    target = await _target(request, parsed[0]) if parsed else None
    pixel = _pixel()
    if target is not None:
        agent = request.headers.get("user-agent")
        reason = (
            "scanner_user_agent"
            if classify_open(OpenSignal(agent)) == "scanner_user_agent"
            else None
        )
        row = engagement.event_row(
            "visit",
            target,
            utcnow(),
            url=_page_url(request),
            machine_reason=reason,
            user_agent=agent,
        )
        if await _store(request, row) and reason is None and engagement.prefect_configured():
            pixel.background = BackgroundTask(engagement.notify_engaged, target.lead_id, "visit")
    return pixel


BEACON_JS = """(function(){var t=null,m=/[?&]lf=([A-Za-z0-9_.\\-]+)/.exec(location.search);
try{if(m){t=m[1];localStorage.setItem("lf",t);}else{t=localStorage.getItem("lf");}}catch(e){t=m&&m[1];}
if(!t)return;new Image().src=%s+"/v/"+t+".gif?u="+encodeURIComponent(location.href);})();
"""


@router.get("/v.js")
def beacon_script() -> Response:
    """For our web site's pages: keeps the token a clicked link brought, and reports each page."""
    script = BEACON_JS % json.dumps(get_settings().public_base_url.rstrip("/"))
    return Response(
        script, media_type="application/javascript", headers={"Cache-Control": "max-age=3600"}
    )


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str) -> Response:
    # A GET never changes anything: mail scanners prefetch links. It shows the preference centre.
    if not engagement.token_is_valid(token, "u"):
        return _not_found()
    parsed = read_token(_secret(), token, "u")
    view = preferences.preference_view(parsed[0]) if parsed else None
    return _not_found() if view is None else HTMLResponse(preferences.render_page(view, token))


def _form(body: bytes, kind: str) -> dict[str, list[str]]:
    if kind != "application/x-www-form-urlencoded":
        return {}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


@router.post("/u/{token}")
async def unsubscribe(token: str, request: Request) -> Response:
    if media_type(request) not in UNSUBSCRIBE_TYPES:
        return Response(status_code=415, content="unsupported media type", media_type="text/plain")
    body = await read_capped(request, UNSUBSCRIBE_MAX_BYTES)
    if body is None:
        return Response(status_code=413, content="body too large", media_type="text/plain")
    if not engagement.token_is_valid(token, "u"):
        return _not_found()
    form = _form(body, media_type(request))
    if preferences.FORM_FIELD in form:  # the preference centre's own form: per-topic choices
        outbox_id = read_token(_secret(), token, "u")[0]  # type: ignore[index]  # checked above
        if not await run_in_threadpool(preferences.save_preferences, outbox_id, form):
            return _not_found()
        view = await run_in_threadpool(preferences.preference_view, outbox_id)
        if view is None:
            return _not_found()
        return HTMLResponse(preferences.render_page(view, token, saved=True))
    if not await run_in_threadpool(engagement.unsubscribe, token):  # RFC 8058 one-click
        return _not_found()
    outbox_id = read_token(_secret(), token, "u")[0]  # type: ignore[index]  # checked above
    await run_in_threadpool(preferences.record_one_click, outbox_id)
    return HTMLResponse("<!doctype html><title>Unsubscribed</title><p>You are unsubscribed.</p>")


router.add_route("/c/{token}", click, methods=["GET"])
router.add_route("/o/{token}", open_pixel, methods=["GET"])
router.add_route("/v/{token}", visit, methods=["GET"])
HOT = {"c": click, "o": open_pixel, "v": visit}


def hot_route(scope: Scope) -> Callable[[Request], Awaitable[Response]] | None:
    """The handler of a GET (or HEAD) of ``/c/<token>``, ``/o/<token>`` or ``/v/<token>``, the
    routes above, as the router would pick it; None for any other request."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return None
    path = scope["path"]
    if len(path) < 4 or path[2] != "/" or "/" in path[3:]:
        return None
    return HOT.get(path[1]) if path[0] == "/" else None
