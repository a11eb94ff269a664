"""Signed cookies for the web workspace: the session, its CSRF token, and safe redirects.

The session is a signed value in an HttpOnly, SameSite=Lax cookie (Secure when the public
URL is https): nothing to store server-side, nothing a script on the page can read. Every
visitor, signed in or not, carries a CSRF token in it, and every form posts it back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request, Response

from leadflow.core.settings import get_settings
from leadflow.web.limits import read_capped

COOKIE = "lf_session"
SESSION_SECONDS = 12 * 3600
ANONYMOUS_SECONDS = 3600
MAX_FORM_BYTES = 64 * 1024
DEFAULT_NEXT = "/inbox"


def _secret() -> bytes:
    return get_settings().secret_key.get_secret_value().encode("utf-8")


def _mac(purpose: str, body: str) -> str:
    digest = hmac.new(_secret(), f"{purpose}:{body}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign(purpose: str, payload: dict[str, Any]) -> str:
    """``body.mac``: the payload as URL-safe base64 JSON, MAC'd for one purpose only."""
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    body = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    return f"{body}.{_mac(purpose, body)}"


def unsign(purpose: str, token: str, now: float | None = None) -> dict[str, Any] | None:
    """The payload of a genuine, unexpired token (its ``exp`` in epoch seconds), else None."""
    body, _, mac = token.partition(".")
    if not body or not mac or not body.isascii() or not mac.isascii():
        return None
    if not hmac.compare_digest(_mac(purpose, body), mac):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int | float):
        return None
    return payload if payload["exp"] > (time.time() if now is None else now) else None


@dataclass(frozen=True)
class Session:
    person: str | None  # a person's key; None before sign-in
    csrf: str
    fresh: bool = False  # minted on this request: the answer must set the cookie


def new_session(person: str | None) -> Session:
    return Session(person, secrets.token_urlsafe(24), fresh=True)


def read_session(request: Request) -> Session:
    """The visitor's session, or a new anonymous one (set on the answer by ``keep``)."""
    cached = getattr(request.state, "session", None)
    if isinstance(cached, Session):
        return cached
    payload = unsign("session", request.cookies.get(COOKIE, ""))
    csrf = payload.get("csrf") if payload else None
    found = (
        Session(payload.get("person"), csrf)
        if payload and isinstance(csrf, str)
        else new_session(None)
    )
    request.state.session = found
    return found


def keep(session: Session, response: Response) -> Response:
    """Set the cookie when the session is new; returns the response for chaining."""
    if session.fresh:
        ttl = SESSION_SECONDS if session.person else ANONYMOUS_SECONDS
        value = sign(
            "session",
            {"person": session.person, "csrf": session.csrf, "exp": int(time.time()) + ttl},
        )
        response.set_cookie(
            COOKIE,
            value,
            max_age=ttl,
            httponly=True,
            samesite="lax",
            path="/",
            secure=get_settings().public_base_url.startswith("https://"),
        )
    return response


def forget(response: Response) -> Response:
    response.delete_cookie(COOKIE, path="/")
    return response


async def read_form(request: Request) -> dict[str, str] | None:
    """A url-encoded form (first value of each field), or None past the size cap."""
    body = await read_capped(request, MAX_FORM_BYTES)
    if body is None:
        return None
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def csrf_ok(session: Session, form: dict[str, str]) -> bool:
    sent = form.get("csrf", "")
    return (
        bool(sent)
        and not session.fresh
        and hmac.compare_digest(sent.encode(), session.csrf.encode())
    )


def safe_next(target: str | None) -> str:
    """A path on this site, never another site: ``//evil``, ``/\\evil`` and schemes are refused."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return DEFAULT_NEXT
    if "\\" in target or any(ord(ch) < 0x21 for ch in target) or ":" in target.split("?")[0]:
        return DEFAULT_NEXT
    return target
