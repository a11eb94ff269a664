"""Pages for steering leads: the shared pool (reps claim), the queues (managers assign), and
an account's owner (only the owner's manager or an admin changes it).

Every action is the steering service's, named by the signed-in person; a refusal is
recorded there and shown here (403 for not allowed, 409 for a claim lost or over a limit).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from leadflow.core.clock import utcnow
from leadflow.core.errors import ClaimRefused, NotAllowed, UnknownLead, UnknownPerson
from leadflow.routing import steering
from leadflow.routing.listing import pool_rows, queue_items, queue_summary
from leadflow.routing.queue_policy import Role
from leadflow.routing.steer_views import claim_allowance, teams_view
from leadflow.web.auth import Person
from leadflow.web.pages import forbidden, message, page, person_of, see_other, to_signin
from leadflow.web.session import csrf_ok, read_form, read_session

router = APIRouter()


async def _posted(request: Request) -> tuple[Person, dict[str, str]] | Response:
    """The signed-in person and their form, or the answer to give instead."""
    person = person_of(request)
    if person is None:
        return to_signin(request)
    form = await read_form(request)
    if form is None or not csrf_ok(read_session(request), form):
        return message(request, "Form expired", "Reload the page and try again.", 403)
    return person, form


@router.get("/pool")
async def pool(request: Request) -> Response:
    person = person_of(request)
    if person is None:
        return to_signin(request)
    rows = await run_in_threadpool(pool_rows, 100)
    allowance = (
        await run_in_threadpool(claim_allowance, person.key) if person.role is Role.REP else None
    )
    return page(request, "pool.html", rows=rows, allowance=allowance)


@router.post("/pool/{lead_id}")
async def claim(request: Request, lead_id: int) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    person, form = posted
    if person.role is not Role.REP:
        return forbidden(request, "Only reps claim leads from the pool.")
    try:
        await run_in_threadpool(
            steering.claim_lead, lead_id, person.key, form.get("reason", "")[:500]
        )
    except ClaimRefused as exc:
        return message(request, "Not claimed", str(exc), 409)
    except (UnknownLead, UnknownPerson) as exc:
        return message(request, "Not claimed", str(exc), 404)
    return see_other("/inbox?done=claim")


@router.get("/queues")
async def queues(request: Request) -> Response:
    person = person_of(request)
    if person is None:
        return to_signin(request)
    if not person.steers:
        return forbidden(request, "The queues are for managers and admins.")
    summary = await run_in_threadpool(queue_summary)
    mine = [q for q in summary if person.role is Role.ADMIN or q["team"] in person.teams]
    items = [
        i for i in await run_in_threadpool(queue_items) if i["queue"] in {q["queue"] for q in mine}
    ]
    teams = (
        list(person.teams)
        if person.role is not Role.ADMIN
        else sorted({q["team"] for q in summary})
    )
    view = await run_in_threadpool(teams_view, teams)
    return page(request, "queues.html", queues=mine, items=items, view=view, now=utcnow())


@router.post("/queues/assign")
async def assign(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    person, form = posted
    lead, rep = form.get("lead", ""), form.get("rep", "")
    if not lead.isdigit() or not rep:
        return message(request, "Choose a rep", "Pick the rep to give the lead to.", 400)
    try:
        await run_in_threadpool(
            steering.assign_lead, int(lead), rep, person.key, form.get("note", "")[:500]
        )
    except NotAllowed as exc:
        return forbidden(request, f"{exc}. Nothing was changed.")
    except (UnknownLead, UnknownPerson) as exc:
        return message(request, "Not assigned", str(exc), 404)
    return see_other("/queues?done=assigned")


@router.post("/accounts/owner")
async def set_owner(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    person, form = posted
    account, rep = form.get("account", ""), form.get("rep", "")
    try:
        done = await run_in_threadpool(
            steering.set_account_owner, account, rep, person.key, form.get("note", "")[:500]
        )
    except NotAllowed as exc:
        return forbidden(request, f"{exc}. Nothing was changed.")
    except (UnknownLead, UnknownPerson) as exc:
        return message(request, "Owner not changed", str(exc), 404)
    return message(request, "Owner changed", done, 200)
