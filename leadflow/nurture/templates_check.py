"""Check email templates at load: both parts exist, parse, and use only known variables."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateSyntaxError, meta

from leadflow.nurture.policy import NurturePolicy
from leadflow.nurture.render import environment
from leadflow.core.errors import ConfigError

# Every render also has: locale (the reader's BCP 47 tag), greeting (the opening line), zone.
COMMON_VARIABLES = {"locale", "greeting", "greeting_name", "zone"}
NURTURE_VARIABLES = {
    "lead",
    "unsubscribe_url",
    "open_pixel_url",
    "honeypot_url",
    "campaign_name",
    "postal_address",
    "links",
    "tracking",
    "preferences_url",
} | COMMON_VARIABLES
REP_VARIABLES = {
    "lead",
    "rep",
    "reason",
    "sla_hours",
    "sla_due",
    "actions",
    "actions_expire",
    "sla_due_at",
    "actions_expire_at",
} | COMMON_VARIABLES


def _check_file(templates_dir: Path, filename: str, allowed: set[str], seen: set[str]) -> None:
    """One template and every layout or partial it extends or includes."""
    if filename in seen:
        return
    seen.add(filename)
    path = templates_dir / filename
    if not path.is_file():
        raise ConfigError(
            str(path), None, None, "template missing (every email needs html and txt)"
        )
    try:
        parsed = environment(str(templates_dir)).parse(path.read_text(encoding="utf-8"))
    except TemplateSyntaxError as exc:
        raise ConfigError(str(path), exc.lineno, None, exc.message or "syntax error") from exc
    unknown = meta.find_undeclared_variables(parsed) - allowed
    if unknown:
        raise ConfigError(
            str(path),
            None,
            ", ".join(sorted(unknown)),
            f"unknown template variables; allowed: {', '.join(sorted(allowed))}",
        )
    for referenced in meta.find_referenced_templates(parsed):
        if referenced:
            _check_file(templates_dir, referenced, allowed, seen)


def _check(templates_dir: Path, name: str, allowed: set[str], locales: list[str]) -> None:
    """The default pair must exist; a locale's own pair is checked when either part is there."""
    for part in ("html", "txt"):
        _check_file(templates_dir, f"{name}.{part}.j2", allowed, set())
    for locale in locales:
        own = [templates_dir / f"{name}.{locale}.{part}.j2" for part in ("html", "txt")]
        if any(path.is_file() for path in own):
            for part in ("html", "txt"):
                _check_file(templates_dir, f"{name}.{locale}.{part}.j2", allowed, set())


def check_templates(templates_dir: Path, policy: NurturePolicy) -> None:
    locales = policy.locales.supported
    for sequence in policy.sequences:
        for step in sequence.steps:
            for template in {step.template, *(v.template for v in step.variants if v.template)}:
                _check(templates_dir, template, NURTURE_VARIABLES, locales)
    _check(templates_dir, policy.rep_notification_template, REP_VARIABLES, locales)
