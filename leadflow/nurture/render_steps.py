"""What a nurture email says: context, signed links and headers, rendered with cached templates.

Output is identical to ``leadflow.nurture.render.render``; only the compiling is done once
per batch (render() compiles the subject on every call, which at 100k emails dominates).
The preview command and the outbox share this, so a preview is exactly what would be sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Template, TemplateNotFound

from leadflow.nurture.render import RenderedEmail, environment, rewrite_links
from leadflow.engagement.tokens import HONEYPOT_POSITION, make_token
from leadflow.nurture.l10n import DEFAULT_LOCALE, greeting, greeting_name
from leadflow.nurture.locale import fallbacks

LEAD_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "full_name",
    "company",
    "title",
    "country",
    "state",
    "domain",
    "score",
    "temperature",
    "locale",
)


# What greeting_name says without a name, per language (subjects written before greetings).
_NAMELESS = {"en": "there", "zh": "您"}


class Renderer:
    """Templates compiled once for the life of the object (one send batch)."""

    def __init__(self, templates_dir: Path):
        self.env = environment(str(templates_dir))
        self._templates: dict[tuple[str, str, str], Template] = {}
        self._subjects: dict[str, Template] = {}

    def _template(self, template: str, part: str, locale: str = DEFAULT_LOCALE) -> Template:
        """<template>.<locale>.<part>.j2 (zh-CN, then zh), else the default <template>.<part>.j2."""
        key = (template, part, locale)
        if key not in self._templates:
            names = [f"{template}.{suffix}.{part}.j2" for suffix in fallbacks(locale)]
            self._templates[key] = self.env.select_template([*names, f"{template}.{part}.j2"])
        return self._templates[key]

    def has_locale(self, template: str, locale: str) -> bool:
        """Whether a template set of its own exists for the locale (not the fallback)."""
        try:
            return self._template(template, "html", locale).name != f"{template}.html.j2"
        except TemplateNotFound:
            return False

    def _subject(self, source: str) -> Template:
        if source not in self._subjects:
            self._subjects[source] = self.env.from_string(source)
        return self._subjects[source]

    def render(
        self,
        template: str,
        subject: str,
        context: Mapping[str, Any],
        tracked_url: Callable[[int, str], str] | None = None,
        keep_prefix: str = "",
        locale: str = DEFAULT_LOCALE,
    ) -> tuple[RenderedEmail, list[str]]:
        lead = context.get("lead", {})
        full = {
            **context,
            "locale": locale,
            "greeting": greeting(lead, locale),
            "greeting_name": greeting_name(lead, locale) or _NAMELESS.get(locale[:2], "there"),
        }
        subject_text = self._subject(subject).render(full)
        html = self._template(template, "html", locale).render(full)
        originals: list[str] = []
        if tracked_url is not None:
            rewritten, originals = rewrite_links(html, tracked_url, keep_prefix)
            html = rewritten if tracked_url is not untracked else html  # untracked: as written
        links = [tracked_url(i, url) for i, url in enumerate(originals)] if tracked_url else []
        text = self._template(template, "txt", locale).render({**full, "links": links})
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


def nurture_context(
    lead: Mapping[str, Any],
    links: Links,
    campaign_name: str | None,
    postal_address: str,
    zone: ZoneInfo | None = None,
    tracking: bool = True,
) -> dict[str, Any]:
    # tracking=False: no open pixel, no honeypot and no rewritten links (consent excludes tracking).
    return {
        "lead": dict(lead),
        "unsubscribe_url": links.unsubscribe,
        "open_pixel_url": links.open_pixel,
        "honeypot_url": links.honeypot,
        "campaign_name": campaign_name or "one of our events",
        "postal_address": postal_address,
        "zone": zone or ZoneInfo("UTC"),
        "tracking": tracking,
    }


def unsubscribe_headers(links: Links, mail_from_address: str) -> dict[str, str]:
    """RFC 2369 + RFC 8058: one-click over https, and a mailto for clients that prefer it."""
    domain = mail_from_address.rsplit("@", 1)[-1]
    mailto = f"mailto:unsubscribe@{domain}?subject={links.outbox_id}"
    return {
        "List-Unsubscribe": f"<{links.unsubscribe}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def render_nurture(
    renderer: Renderer,
    template: str,
    subject: str,
    lead: Mapping[str, Any],
    links: Links,
    campaign_name: str | None,
    postal_address: str,
    locale: str = DEFAULT_LOCALE,
    zone: ZoneInfo | None = None,
    tracking: bool = True,
) -> RenderedEmail:
    context = nurture_context(lead, links, campaign_name, postal_address, zone, tracking)
    if not tracking:  # the links go out as written: the text part lists them untracked
        email, _ = renderer.render(
            template, subject, context, tracked_url=untracked, keep_prefix=links.base, locale=locale
        )
        return email
    email, _ = renderer.render(
        template, subject, context, tracked_url=links.click, keep_prefix=links.base, locale=locale
    )
    return email


def untracked(position: int, url: str) -> str:
    """The link as written: for leads whose consent excludes tracking (HTML left untouched)."""
    return url
