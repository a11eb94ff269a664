"""The workspace pages: a rep's inbox, a lead's timeline, marketing's campaigns, ops' flow runs.

Handlers only read the request, ask the person's identity (leadflow.web.auth) and call the
feature services; acting on a lead goes through the same function as the emailed links.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from leadflow.core.clock import utcnow
from leadflow.core.errors import NotYourLead, UnknownLead
from leadflow.pipeline import rep_actions
from leadflow.report import tables
from leadflow.report.campaigns import PERIODS, campaign_report
from leadflow.report.flow_runs import recent_flow_runs
from leadflow.report.html import render as render_report
from leadflow.report.timeline import lead_story
from leadflow.routing.inbox import rep_inbox, was_assigned
from leadflow.routing.ownership import REJECT_REASONS
from leadflow.web.pages import forbidden, message, page, person_of, secure, see_other, to_signin
from leadflow.web.session import csrf_ok, read_form, read_session

router = APIRouter()
DONE = {
    "accept": "Accepted: the lead is yours.",
    "claim": "Claimed from the pool: the lead is yours.",
    "activity": "Follow-up logged.",
    "wrong_match": "Rejected as a wrong match: it goes to someone else.",
    "not_ready": "Rejected as not ready: it goes back to nurture.",
}
ACTIONS = ("accept", "activity", *REJECT_REASONS)


@router.get("/")
def home(request: Request) -> Response:
    person = person_of(request)
    if person is None:
        return see_other("/signin")
    return see_other(
        "/queues" if person.steers else "/inbox" if person.role == "rep" else "/marketing"
    )


@router.get("/inbox")
async def inbox(request: Request, done: str = "") -> Response:
    person = person_of(request)
    if person is None:
        return to_signin(request)
    items = await run_in_threadpool(rep_inbox, person.key)
    return page(
        request,
        "inbox.html",
        items=items,
        now=utcnow(),
        done=DONE.get(done),
        reasons=REJECT_REASONS,
    )


@router.post("/inbox/{assignment_id}")
async def act(request: Request, assignment_id: int, background: BackgroundTasks) -> Response:
    person = person_of(request)
    if person is None:
        return to_signin(request)
    form = await read_form(request)
    if form is None or not csrf_ok(read_session(request), form):
        return message(request, "Form expired", "Reload the page and try again.", 403)
    action = form.get("action", "")
    if action == "reject":
        action = form.get("reason", "")
    if action not in ACTIONS:
        return message(
            request, "Choose what to do", "Pick accept, a reject reason or a follow-up.", 400
        )
    try:
        result = await run_in_threadpool(
            rep_actions.act_as_rep,
            person.key,
            assignment_id,
            action,
            form.get("note", "").strip()[:2000],
        )
    except NotYourLead:
        return forbidden(request, "This lead is assigned to someone else; nothing was changed.")
    except UnknownLead as exc:
        return message(request, "Nothing to do", str(exc), 409)
    if result.reroute:
        background.add_task(rep_actions.reroute, result.lead_id)
    response = see_other(f"/inbox?done={action}")
    response.background = background
    return response


def _may_read(request: Request, lead_id: int) -> Response | None:
    person = person_of(request)
    if person is None:
        return to_signin(request)
    if not person.sees_every_lead and not was_assigned(person.key, lead_id):
        return forbidden(request, "Only leads you were given are shown to you.")
    return None


# The .json route first: the page's {lead_id} would otherwise claim "5.json" and refuse it.
@router.get("/leads/{lead_id}.json")
async def lead_json(request: Request, lead_id: int) -> Response:
    refused = await run_in_threadpool(_may_read, request, lead_id)
    if refused is not None:
        return refused
    try:
        story = await run_in_threadpool(lead_story, lead_id)
    except UnknownLead:
        return secure(Response('{"detail": "not found"}', 404, media_type="application/json"))
    body = {
        "lead": story.fields,
        "timeline": [
            e.raw | {"kind": e.kind, "title": e.title, "who": e.who} for e in story.entries
        ],
    }
    return secure(
        Response(
            json.dumps(body, ensure_ascii=False, default=str, indent=2),
            media_type="application/json",
        )
    )


@router.get("/leads/{lead_id}")
async def lead_page(request: Request, lead_id: int) -> Response:
    refused = await run_in_threadpool(_may_read, request, lead_id)
    if refused is not None:
        return refused
    try:
        story = await run_in_threadpool(lead_story, lead_id)
    except UnknownLead:
        return message(request, "No such lead", f"There is no lead {lead_id}.", 404)
    raw = {
        entry_id: json.dumps(e.raw, indent=2, ensure_ascii=False, default=str, sort_keys=True)
        for entry_id, e in enumerate(story.entries)
    }
    return page(request, "lead.html", story=story, raw=raw)


def _reader(request: Request, allowed: bool | None) -> Response | None:
    """None when the page may be shown; else the sign-in redirect or a 403."""
    if allowed is None:
        return to_signin(request)
    return (
        None if allowed else forbidden(request, "This page is for managers, marketing and admins.")
    )


@router.get("/marketing")
async def marketing(request: Request, period: str = "30d") -> Response:
    person = person_of(request)
    if (refused := _reader(request, person and person.reads_reports)) is not None:
        return refused
    period = period if period in PERIODS else "30d"
    report = await run_in_threadpool(campaign_report, period)
    return page(
        request,
        "marketing.html",
        period=period,
        periods=PERIODS,
        campaigns=tables.campaign_rows(report),
        costs=tables.campaign_cost_rows(report),
        funnel=tables.funnel_rows(report),
    )


@router.get("/marketing/report")
async def full_report(request: Request, period: str = "30d") -> Response:
    person = person_of(request)
    if (refused := _reader(request, person and person.reads_reports)) is not None:
        return refused
    report = await run_in_threadpool(campaign_report, period if period in PERIODS else "30d")
    # The report is one self-contained file with inline styles: the pages' CSP is not for it.
    return Response(
        render_report(report),
        media_type="text/html",
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


@router.get("/ops")
async def ops(request: Request) -> Response:
    person = person_of(request)
    if (refused := _reader(request, person and person.steers)) is not None:
        return refused
    runs = await run_in_threadpool(recent_flow_runs)
    return page(request, "ops.html", runs=runs)
