"""What every workspace page shares: templates, the signed-in person, answers with safe headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from leadflow.web.auth import Person, person_by_key
from leadflow.web.session import Session, keep, read_session

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
# The sign-in token travels in a URL: no Referer may carry it off; no other site may frame us.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def local_time(value: datetime | None, zone: str) -> str:
    if value is None:
        return "-"
    return value.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M %Z")


templates.env.filters["local_time"] = local_time


def person_of(request: Request) -> Person | None:
    session = read_session(request)
    return person_by_key(session.person) if session.person else None


def secure(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    session = read_session(request)
    context.setdefault("person", person_of(request))
    response = templates.TemplateResponse(
        request, template, {"csrf": session.csrf, **context}, status_code=status
    )
    return secure(keep(session, response))


def message(request: Request, title: str, text: str, status: int) -> Response:
    return page(request, "message.html", status=status, title=title, text=text)


def to_signin(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return secure(RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303))


def see_other(url: str, session: Session | None = None) -> Response:
    response = RedirectResponse(url, status_code=303)
    return secure(keep(session, response) if session else response)


def forbidden(request: Request, why: str) -> Response:
    return message(request, "Not yours", why, 403)


__all__ = ["HTMLResponse", "page", "message", "person_of", "to_signin", "see_other", "forbidden"]
