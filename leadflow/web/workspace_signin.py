"""Sign-in pages: ask for a link, follow it, sign out. See leadflow.web.signin for the rules."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from leadflow.web import signin
from leadflow.web.pages import message, page, see_other
from leadflow.web.session import csrf_ok, forget, new_session, read_form, read_session, safe_next

router = APIRouter()
SENT = (
    "If that address belongs to someone in the workspace, a sign-in link is on its way. "
    "It works once, for 15 minutes."
)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/signin")
def signin_form(request: Request, next: str = "") -> Response:
    return page(request, "signin.html", next=safe_next(next), sent=False)


@router.post("/signin")
async def ask_for_link(request: Request, background: BackgroundTasks) -> Response:
    form = await read_form(request)
    if form is None:
        return message(request, "Too large", "That form was too large.", 413)
    if not csrf_ok(read_session(request), form):
        return message(request, "Form expired", "Reload the page and try again.", 403)
    email = form.get("email", "").strip().lower()[:320]
    if "@" not in email:
        return page(
            request,
            "signin.html",
            status=400,
            next=safe_next(form.get("next")),
            sent=False,
            error="Enter your work email address.",
        )
    if not signin.PER_CLIENT.allow(_client(request)) or not signin.PER_ADDRESS.allow(email):
        return message(
            request,
            "Too many requests",
            "Too many sign-in links were asked for. Wait a few minutes and try again.",
            429,
        )
    # Sent after the answer: the answer and its timing are the same for unknown addresses.
    background.add_task(signin.send_link, email, safe_next(form.get("next")))
    return page(request, "signin.html", next=safe_next(form.get("next")), sent=True, note=SENT)


@router.get("/signin/{token}")
def follow_link(request: Request, token: str) -> Response:
    link = signin.read_link(token)
    if link is None:
        return message(
            request,
            "This link does not work",
            "It has expired or is not a sign-in link. Ask for a new one.",
            410,
        )
    return page(request, "signin_confirm.html", who=link.person, token=token)


@router.post("/signin/{token}")
async def use_link(request: Request, token: str) -> Response:
    form = await read_form(request)
    if form is None or not csrf_ok(read_session(request), form):
        return message(request, "Form expired", "Open the link from your email again.", 403)
    link = signin.read_link(token)
    if link is None:
        return message(
            request,
            "This link does not work",
            "It has expired or is not a sign-in link. Ask for a new one.",
            410,
        )
    if not await run_in_threadpool(signin.spend, link):
        return message(
            request,
            "This link was used already",
            "Each sign-in link works once. Ask for a new one.",
            410,
        )
    return see_other(link.next, new_session(link.person.key))


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    form = await read_form(request)
    if form is None or not csrf_ok(read_session(request), form):
        return message(request, "Form expired", "Reload the page and try again.", 403)
    return forget(see_other("/signin"))
