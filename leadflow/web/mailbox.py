"""The local stack's mailbox: what the SMTP sink received, listed and rendered.

Mounted only by the local stack's web app (`leadflow up`), never by `leadflow serve`.
"""

from __future__ import annotations

import html
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

MAIL_NAME = re.compile(r"[\w-]+\.eml")
URL = re.compile(r"https?://[^\s<>\"']+")
PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title><style>"
    "body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em .8em;text-align:left}}"
    "tr:nth-child(even){{background:#f4f4f4}}.head td{{padding:.1em .8em}}</style>"
    "</head><body>{body}</body></html>"
)


def _read(path: Path) -> EmailMessage:
    raw = path.read_bytes()
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def _index(folder: Path) -> str:
    rows = []
    for path in sorted(folder.glob("*.eml"), reverse=True):  # newest first
        message = _read(path)
        subject = html.escape(str(message["Subject"] or "(no subject)"))
        rows.append(
            f"<tr><td>{html.escape(str(message['Date'] or ''))}</td>"
            f"<td>{html.escape(str(message['To'] or ''))}</td>"
            f"<td><a href='/mailbox/{path.name}'>{subject}</a></td></tr>"
        )
    table = (
        "<table><tr><th>date</th><th>to</th><th>subject</th></tr>" + "".join(rows) + "</table>"
        if rows
        else "<p>No mail yet: run <code>leadflow demo</code> or an ingest.</p>"
    )
    body = f"<h1>Mailbox</h1><p>{len(rows)} messages received by the local SMTP sink.</p>{table}"
    return PAGE.format(title="leadflow mailbox", body=body)


def _linked_text(text: str) -> str:
    escaped = html.escape(text)
    return URL.sub(lambda m: f"<a href='{m.group(0)}'>{m.group(0)}</a>", escaped)


def _message_page(message: EmailMessage) -> str:
    head = "".join(
        f"<tr><th>{name}</th><td>{html.escape(str(message[name] or ''))}</td></tr>"
        for name in ("From", "To", "Subject", "Date")
    )
    html_part = message.get_body(preferencelist=("html",))
    if html_part is not None:
        # Our own templates, shown on a local-only page: rendered as the recipient sees them.
        content = html_part.get_content()
    else:
        text_part = message.get_body(preferencelist=("plain",))
        content = f"<pre>{_linked_text(text_part.get_content() if text_part else '')}</pre>"
    body = (
        f"<p><a href='/mailbox'>&larr; mailbox</a></p><table class='head'>{head}</table><hr>"
        f"{content}"
    )
    return PAGE.format(title=html.escape(str(message["Subject"] or "mail")), body=body)


def mailbox_router(folder: Path) -> APIRouter:
    router = APIRouter()

    @router.get("/mailbox", response_class=HTMLResponse)
    def mailbox() -> str:
        return _index(folder)

    @router.get("/mailbox/{name}", response_class=HTMLResponse)
    def mail(name: str) -> str:
        path = folder / name
        if not MAIL_NAME.fullmatch(name) or not path.is_file():
            raise HTTPException(404, "no such message")
        return _message_page(_read(path))

    return router
