"""Small builders for domain values: a valid default plus only what a test cares about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leadflow.config.nurture import NurturePolicy, Sequence
from leadflow.config.routing import RoutingPolicy
from leadflow.config.scoring import ScoringPolicy
from leadflow.domain.types import CleanLead, LeadView

ROOT = Path(__file__).resolve().parent.parent
SCORING_DIR = ROOT / "scoring"
ROUTING_DIR = ROOT / "routing_rules"
TEMPLATES_DIR = ROOT / "templates" / "email"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def make_clean_lead(**overrides: Any) -> CleanLead:
    values: dict[str, Any] = {
        "source_record_id": 1, "line_no": 2, "email": "ada@example.com",
        "domain": "example.com", "is_free_mail": False,
    }
    values.update(overrides)
    return CleanLead(**values)


def make_lead_view(**overrides: Any) -> LeadView:
    values: dict[str, Any] = {"id": 1, "email": "ada@example.com", "domain": "example.com"}
    values.update(overrides)
    return LeadView(**values)


def make_lead_context(**overrides: Any) -> dict[str, Any]:
    """The lead as templates see it (every key present, as the outbox builds it)."""
    lead: dict[str, Any] = {
        "id": 7, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
        "full_name": "Ada Lovelace", "company": "Analytical Engines", "title": "CTO",
        "country": "GB", "state": None, "domain": "example.com", "score": 45,
        "temperature": "warm",
    }
    lead.update(overrides)
    return lead


def make_scoring_policy(**overrides: Any) -> ScoringPolicy:
    values: dict[str, Any] = {"version": 1, "thresholds": {"hot": 70, "warm": 40}, "fit_rules": []}
    values.update(overrides)
    return ScoringPolicy.model_validate(values)


def rep(key: str, weight: float = 1, active: bool = True) -> dict[str, Any]:
    return {"key": key, "name": key.title(), "email": f"{key}@leadflow.example",
            "weight": weight, "active": active}


def make_routing_policy(**overrides: Any) -> RoutingPolicy:
    """One territory, one team of three reps, one rule; fallback to a catch-all team."""
    values: dict[str, Any] = {
        "version": 1,
        "territories": {"nordics": {"countries": ["NO", "SE"]}},
        "segments": {"small": {"max_employees": 99}, "large": {"min_employees": 100}},
        "teams": [
            {"key": "north", "name": "North", "reps": [rep("anna"), rep("bo"), rep("cai")]},
            {"key": "catch-all", "name": "Catch-all", "reps": [rep("zed")]},
        ],
        "rules": [{"id": "nordics", "when": {"territory": ["nordics"]}, "assign": {"team": "north"}}],
        "fallback": {"team": "catch-all"},
    }
    values.update(overrides)
    return RoutingPolicy.model_validate(values)


def make_sequence(delays: list[float], key: str = "seq") -> Sequence:
    steps = [{"template": f"step_{i}", "subject": f"Step {i}", "delay_days": d}
             for i, d in enumerate(delays)]
    return Sequence.model_validate({"key": key, "name": key, "enter_temperatures": ["warm"],
                                    "steps": steps})


def make_nurture_policy(templates: list[str], rep_template: str = "rep_notification") -> NurturePolicy:
    return NurturePolicy.model_validate({
        "version": 1, "rep_notification_template": rep_template,
        "sequences": [{"key": "s", "name": "S", "enter_temperatures": ["warm"],
                       "steps": [{"template": t, "subject": "Hi", "delay_days": 0} for t in templates]}],
    })
