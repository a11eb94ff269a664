"""Sign-in without passwords: a signed, expiring, single-use link sent by email.

A link names a person and a random nonce. Following it shows a button (mail scanners
fetch every link, so a GET signs nobody in); the POST spends the nonce, once: it is
stored as used (the webhook-nonce table), so a second use of the same link is refused.
The link is a credential, so it is sent straight through the mailer and kept in no table.
Requests are rate limited per address and per client, and the answer never tells whether
an address is known.
"""

from __future__ import annotations

import html
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError

from leadflow.core.clock import utcnow
from leadflow.core.db import session_scope
from leadflow.core.errors import DeliveryError
from leadflow.core.models import WebhookNonce
from leadflow.core.settings import get_settings
from leadflow.nurture.mailer import SmtpMailer, build_raw, new_message_id
from leadflow.nurture.render import RenderedEmail
from leadflow.web.auth import Person, person_by_email, person_by_key
from leadflow.web.session import safe_next, sign, unsign

log = logging.getLogger(__name__)
LINK_SECONDS = 15 * 60
NONCE_PROVIDER = "web-signin"


class RateLimit:
    """At most ``limit`` events per key in any ``seconds`` (one process's memory)."""

    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        at = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= at - self.seconds:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(at)
            return True


PER_ADDRESS = RateLimit(5, 15 * 60)
PER_CLIENT = RateLimit(20, 15 * 60)


@dataclass(frozen=True)
class SignInLink:
    person: Person
    nonce: str
    next: str


def make_link(person: Person, next_path: str, now: float | None = None) -> str:
    at = time.time() if now is None else now
    token = sign(
        "signin",
        {
            "person": person.key,
            "nonce": secrets.token_urlsafe(16),
            "next": safe_next(next_path),
            "exp": int(at) + LINK_SECONDS,
        },
    )
    return f"{get_settings().public_base_url.rstrip('/')}/signin/{quote(token)}"


def read_link(token: str, now: float | None = None) -> SignInLink | None:
    """The link's person if the token is genuine and unexpired (used or not), else None."""
    payload = unsign("signin", token, now)
    person = person_by_key(str(payload.get("person"))) if payload else None
    if payload is None or person is None or not isinstance(payload.get("nonce"), str):
        return None
    return SignInLink(person, payload["nonce"], safe_next(str(payload.get("next") or "")))


def spend(link: SignInLink) -> bool:
    """Mark the link used; False when it already was (a replay)."""
    try:
        with session_scope() as session:
            session.add(WebhookNonce(provider=NONCE_PROVIDER, nonce=link.nonce, seen_at=utcnow()))
    except IntegrityError:
        return False
    return True


def _email(person: Person, url: str) -> RenderedEmail:
    minutes = LINK_SECONDS // 60
    text = (
        f"Hello {person.name},\n\nSign in to the leadflow workspace:\n{url}\n\n"
        f"The link works once, for {minutes} minutes. If you did not ask for it, ignore this email.\n"
    )
    safe_url = html.escape(url, quote=True)
    body = (
        f'<p>Hello {html.escape(person.name)},</p><p><a href="{safe_url}">Sign in to the '
        f"leadflow workspace</a></p><p>The link works once, for {minutes} minutes. If you did "
        "not ask for it, ignore this email.</p>"
    )
    return RenderedEmail("Your leadflow sign-in link", body, text)


def send_link(email: str, next_path: str) -> bool:
    """Email a sign-in link if the address is a person's; True when one was sent."""
    person = person_by_email(email)
    if person is None:
        log.info("sign-in asked for an unknown address")
        return False
    settings = get_settings()
    message = build_raw(
        settings,
        person.email,
        _email(person, make_link(person, next_path)),
        new_message_id(settings),
    )
    try:
        with SmtpMailer(settings) as mailer:
            mailer.send_raw(message)
    except DeliveryError as exc:
        log.warning("sign-in link to %s not sent: %s", person.key, exc)
        return False
    return True
