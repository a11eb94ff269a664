"""What a nurture email says: context, signed links and headers, rendered with cached templates.

Output is identical to ``leadflow.nurture.render.render``; only the compiling is done once
per batch (render() compiles the subject on every call, which at 100k emails dominates).
The preview command and the outbox share this, so a preview is exactly what would be sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Template

from leadflow.nurture.render import RenderedEmail, environment, greeting_name, rewrite_links
from leadflow.engagement.tokens import HONEYPOT_POSITION, make_token

LEAD_FIELDS = ("id", "email", "first_name", "last_name", "full_name", "company", "title",
               "country", "state", "domain", "score", "temperature")


class Renderer:
    """Templates compiled once for the life of the object (one send batch)."""

    def __init__(self, templates_dir: Path):
        self.env = environment(str(templates_dir))
        self._templates: dict[str, Template] = {}
        self._subjects: dict[str, Template] = {}

    def _template(self, name: str) -> Template:
        if name not in self._templates:
            self._templates[name] = self.env.get_template(name)
        return self._templates[name]

    def _subject(self, source: str) -> Template:
        if source not in self._subjects:
            self._subjects[source] = self.env.from_string(source)
        return self._subjects[source]

    def render(self, template: str, subject: str, context: Mapping[str, Any],
               tracked_url: Callable[[int, str], str] | None = None,
               keep_prefix: str = "") -> tuple[RenderedEmail, list[str]]:
        full = {**context, "greeting_name": greeting_name(context.get("lead", {}))}
        subject_text = self._subject(subject).render(full)
        html = self._template(f"{template}.html.j2").render(full)
        originals: list[str] = []
        if tracked_url is not None:
            html, originals = rewrite_links(html, tracked_url, keep_prefix)
        links = [tracked_url(i, url) for i, url in enumerate(originals)] if tracked_url else []
        text = self._template(f"{template}.txt.j2").render({**full, "links": links})
        return RenderedEmail(subject_text.strip(), html, text), originals


class Links:
    """Signed click, open and unsubscribe URLs for one outbox row; ids only, never an address."""

    def __init__(self, secret: str, base_url: str, outbox_id: int):
        self.secret, self.base, self.outbox_id = secret, base_url.rstrip("/"), outbox_id
        self.clicks: dict[int, str] = {}  # position -> original URL, stored before sending

    @property
    def unsubscribe(self) -> str:
        return f"{self.base}/u/{make_token(self.secret, 'u', self.outbox_id)}"

    @property
    def open_pixel(self) -> str:
        return f"{self.base}/o/{make_token(self.secret, 'o', self.outbox_id)}.gif"

    @property
    def honeypot(self) -> str:
        """A click link for a hidden anchor no person sees: what follows it is a scanner."""
        return f"{self.base}/c/{make_token(self.secret, 'c', self.outbox_id, HONEYPOT_POSITION)}"

    def click(self, position: int, url: str) -> str:
        self.clicks[position] = url  # asked twice per link (HTML, then text): same answer
        return f"{self.base}/c/{make_token(self.secret, 'c', self.outbox_id, position)}"


def nurture_context(lead: Mapping[str, Any], links: Links, campaign_name: str | None,
                    postal_address: str) -> dict[str, Any]:
    return {"lead": dict(lead), "unsubscribe_url": links.unsubscribe, "open_pixel_url": links.open_pixel,
            "honeypot_url": links.honeypot, "campaign_name": campaign_name or "one of our events",
            "postal_address": postal_address}


def unsubscribe_headers(links: Links, mail_from_address: str) -> dict[str, str]:
    """RFC 2369 + RFC 8058: one-click over https, and a mailto for clients that prefer it."""
    domain = mail_from_address.rsplit("@", 1)[-1]
    mailto = f"mailto:unsubscribe@{domain}?subject={links.outbox_id}"
    return {"List-Unsubscribe": f"<{links.unsubscribe}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def render_nurture(renderer: Renderer, template: str, subject: str, lead: Mapping[str, Any],
                   links: Links, campaign_name: str | None, postal_address: str) -> RenderedEmail:
    context = nurture_context(lead, links, campaign_name, postal_address)
    email, _ = renderer.render(template, subject, context, tracked_url=links.click, keep_prefix=links.base)
    return email
