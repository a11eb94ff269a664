"""Signed, expiring accept / reject / activity links from the rep's notification email,
and the CRM activity webhook.

GET shows what the link will do and changes nothing (mail scanners prefetch links); the
form on that page POSTs back, and only the POST acts. Forged tokens get 404 before any
database write.
"""

from __future__ import annotations

import html
import json
import time

from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from leadflow.pipeline import rep_actions
from leadflow.routing.assignment_webhook import verify
from leadflow.core.errors import UnknownLead
from leadflow.core.settings import get_settings
from leadflow.routing.ownership import lead_activity

router = APIRouter()
NOT_FOUND = Response(status_code=404, content="not found", media_type="text/plain")
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<style>body{{font-family:system-ui,Arial,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2937}}
h1{{font-size:1.4rem}}.lead{{background:#f3f4f6;border-radius:.5rem;padding:.75rem 1rem}}
textarea{{box-sizing:border-box;width:100%;min-height:4rem;margin:.5rem 0}}
button{{background:#2563eb;color:#fff;border:0;
border-radius:.4rem;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}}button.reject{{background:#b91c1c}}
.muted{{color:#6b7280}}</style>
</head><body><h1>{title}</h1>{body}</body></html>"""
MAX_ACTIVITY_BODY = 64 * 1024
REJECTS = ("wrong_match", "not_ready")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), body=body), status_code=status)


def _closed(view: rep_actions.LinkView) -> HTMLResponse | None:
    if view.expired:
        return _page(
            "This link has expired",
            "<p>Ask for the lead again, or use <code>leadflow "
            f"{html.escape(view.link.action)}</code>.</p>",
            410,
        )
    wanted = "accepted" if view.link.action == "activity" else "offered"
    if view.status != wanted:
        return _page(
            "Nothing to do",
            f"<p>This lead is already <b>{html.escape(view.status)}</b> "
            f"for {html.escape(view.rep)}.</p>",
            409,
        )
    return None


def _open_view(token: str) -> rep_actions.LinkView | Response:
    """The link's view while it can still act, else the answer to give (404, 409, 410)."""
    view = rep_actions.read_link(token)
    if view is None:
        return NOT_FOUND
    return _closed(view) or view


@router.get("/r/{token}", response_class=HTMLResponse)
def confirm_page(token: str) -> Response:
    view = _open_view(token)
    if isinstance(view, Response):
        return view
    note = (
        '<label for="note">Note (why, what happened)</label><textarea id="note" name="note"></textarea>'
        if view.link.action != "accept"
        else ""
    )
    safe = html.escape(token, quote=True)
    body = (
        f'<p class="lead">Lead #{view.lead_id}: {html.escape(view.lead_label)}</p>'
        f'<form method="post" action="/r/{safe}">{note}'
        f'<button type="submit" class="{"reject" if view.link.action in REJECTS else "go"}">'
        f"{html.escape(view.prompt)}</button></form>"
        f'<p class="muted">Assigned to {html.escape(view.rep)}.</p>'
    )
    return _page(view.prompt, body)


@router.post("/r/{token}", response_class=HTMLResponse)
async def perform(token: str, request: Request, background: BackgroundTasks) -> Response:
    body = await request.body()
    if len(body) > MAX_ACTIVITY_BODY:
        return Response(status_code=413)
    note = parse_qs(body.decode("utf-8", "replace")).get("note", [""])[0][:2000]
    return await run_in_threadpool(_perform, token, note, background)


def _perform(token: str, note: str, background: BackgroundTasks) -> Response:
    view = _open_view(token)
    if isinstance(view, Response):
        return view
    try:
        result = rep_actions.act(view, note.strip())
    except UnknownLead as exc:
        return _page("Nothing to do", f"<p>{html.escape(str(exc))}</p>", 409)
    if result.reroute:
        # Routing and the next rep's email happen after the answer: the rep waits for neither.
        background.add_task(rep_actions.reroute, result.lead_id)
    return _page("Done", f"<p>{html.escape(result.message)}.</p>")


@router.post("/crm/activity")
async def crm_activity(request: Request) -> Response:
    """A CRM reports work on a lead: `{"lead": id or email, "what": "call"}`, signed like our webhooks."""
    secret = get_settings().assignment_webhook_secret
    body = await request.body()
    if secret is None:
        return Response(status_code=404)
    if len(body) > MAX_ACTIVITY_BODY:
        return Response(status_code=413)
    if not verify(
        secret.get_secret_value(),
        request.headers.get("x-leadflow-timestamp", ""),
        body,
        request.headers.get("x-leadflow-signature", ""),
        int(time.time()),
    ):
        return Response(status_code=401)
    try:
        event = json.loads(body)
        lead, what = str(event["lead"]), str(event.get("what") or "CRM activity")[:100]
    except (ValueError, KeyError, TypeError):
        return Response(status_code=400, content="expected JSON with a lead id or email")

    try:
        return Response(content=lead_activity(lead, what, via="crm"), media_type="text/plain")
    except UnknownLead as exc:
        return Response(status_code=409, content=str(exc), media_type="text/plain")
