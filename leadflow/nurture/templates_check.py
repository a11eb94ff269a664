"""Check email templates at load: both parts exist, parse, and use only known variables."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateSyntaxError, meta

from leadflow.nurture.policy import NurturePolicy
from leadflow.nurture.render import environment
from leadflow.core.errors import ConfigError

NURTURE_VARIABLES = {"lead", "unsubscribe_url", "open_pixel_url", "honeypot_url", "campaign_name", "postal_address",
                     "greeting_name", "links"}
REP_VARIABLES = {"lead", "rep", "reason", "sla_hours", "sla_due", "greeting_name", "actions", "actions_expire"}


def _check_file(templates_dir: Path, filename: str, allowed: set[str], seen: set[str]) -> None:
    """One template and every layout or partial it extends or includes."""
    if filename in seen:
        return
    seen.add(filename)
    path = templates_dir / filename
    if not path.is_file():
        raise ConfigError(str(path), None, None, "template missing (every email needs html and txt)")
    try:
        parsed = environment(str(templates_dir)).parse(path.read_text(encoding="utf-8"))
    except TemplateSyntaxError as exc:
        raise ConfigError(str(path), exc.lineno, None, exc.message or "syntax error") from exc
    unknown = meta.find_undeclared_variables(parsed) - allowed
    if unknown:
        raise ConfigError(str(path), None, ", ".join(sorted(unknown)),
                          f"unknown template variables; allowed: {', '.join(sorted(allowed))}")
    for referenced in meta.find_referenced_templates(parsed):
        if referenced:
            _check_file(templates_dir, referenced, allowed, seen)


def _check(templates_dir: Path, name: str, allowed: set[str]) -> None:
    for part in ("html", "txt"):
        _check_file(templates_dir, f"{name}.{part}.j2", allowed, set())


def check_templates(templates_dir: Path, policy: NurturePolicy) -> None:
    for sequence in policy.sequences:
        for step in sequence.steps:
            _check(templates_dir, step.template, NURTURE_VARIABLES)
    _check(templates_dir, policy.rep_notification_template, REP_VARIABLES)
