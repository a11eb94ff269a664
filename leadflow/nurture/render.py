"""Email rendering: sandboxed Jinja2, HTML + text, links rewritten for tracking."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from leadflow.nurture.l10n import FILTERS

_HREF = re.compile(r'href="(https?://[^"]+)"')


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@lru_cache(maxsize=4)
def environment(templates_dir: str) -> SandboxedEnvironment:

    # StrictUndefined: a misspelt variable fails the render instead of sending a gap.
    env = SandboxedEnvironment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)  # local_datetime, local_date, local_number: in the reader's locale
    return env


def greeting_name(lead: Mapping[str, Any]) -> str:
    """A missing first name never prints "Dear ,"."""
    return lead.get("first_name") or lead.get("full_name") or "there"


def render(
    templates_dir: Path,
    template: str,
    subject: str,
    context: Mapping[str, Any],
    tracked_url: Callable[[int, str], str] | None = None,
    keep_prefix: str = "",
) -> tuple[RenderedEmail, list[str]]:
    """Render subject, HTML and text; links in the HTML become tracked links.

    The text part gets the same tracked links as ``links``, so both parts count clicks.
    Returns the email and the original URLs in link order.
    """
    env = environment(str(templates_dir))
    full = {**context, "greeting_name": greeting_name(context.get("lead", {}))}
    subject_text = env.from_string(subject).render(full)
    html = env.get_template(f"{template}.html.j2").render(full)
    originals: list[str] = []
    if tracked_url is not None:
        html, originals = rewrite_links(html, tracked_url, keep_prefix)
    links = [tracked_url(i, url) for i, url in enumerate(originals)] if tracked_url else []
    text = env.get_template(f"{template}.txt.j2").render({**full, "links": links})
    return RenderedEmail(subject_text.strip(), html, text), originals


def rewrite_links(
    html: str, tracked_url: Callable[[int, str], str], keep_prefix: str = ""
) -> tuple[str, list[str]]:
    """Swap every http(s) href for a tracked URL, except our own (unsubscribe) links."""
    originals: list[str] = []

    def swap(match: re.Match[str]) -> str:
        url = match.group(1).replace("&amp;", "&")
        if keep_prefix and url.startswith(keep_prefix):
            return match.group(0)
        originals.append(url)
        return f'href="{tracked_url(len(originals) - 1, url)}"'

    return _HREF.sub(swap, html), originals
