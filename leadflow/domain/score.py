"""ICP fit plus engagement: a 0-100 score, a temperature, and the rules behind them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leadflow.config.scoring import FitRule, ScoringPolicy
from leadflow.domain.types import LeadView, RuleHit


@dataclass(frozen=True)
class ScoreResult:
    fit: int
    engagement: int
    score: int
    temperature: str
    hits: tuple[RuleHit, ...]


def _fires(rule: FitRule, value: object) -> bool:
    if rule.missing is not None:
        return (value in (None, "")) == rule.missing
    if value in (None, ""):
        return False
    if rule.equals is not None:
        return value == rule.equals
    if rule.any_of is not None:
        return value in rule.any_of
    if rule.contains_any is not None:
        text = str(value).lower()
        return any(word.lower() in text for word in rule.contains_any)
    number = value if isinstance(value, (int, float)) else None
    if number is None:
        return False
    return (rule.min is None or number >= rule.min) and (rule.max is None or number <= rule.max)


def fit_hits(lead: LeadView, rules: Iterable[FitRule]) -> list[RuleHit]:
    hits = []
    for rule in rules:
        value = getattr(lead, rule.field)
        if _fires(rule, value):
            hits.append(RuleHit(rule.id, rule.field, value, rule.points))
    return hits


def temperature_for(score: int, policy: ScoringPolicy) -> str:
    if score >= policy.thresholds.hot:
        return "hot"
    if score >= policy.thresholds.warm:
        return "warm"
    return "cold"


def score_lead(lead: LeadView, policy: ScoringPolicy, engagement: int = 0) -> ScoreResult:
    hits = tuple(fit_hits(lead, policy.fit_rules))
    fit = max(0, min(100, sum(hit.points for hit in hits)))
    engaged = max(0, min(policy.engagement.max_total, engagement))
    total = min(100, fit + engaged)
    return ScoreResult(fit, engaged, total, temperature_for(total, policy), hits)


def engagement_points(event_type: str, url: str | None, policy: ScoringPolicy) -> tuple[str, int]:
    """Signal name and points for one human engagement event."""
    points = policy.engagement
    if event_type == "click" and url and points.pricing_url_marker in url:
        return "pricing_click", points.click + points.pricing_visit
    if event_type == "visit" and url and points.pricing_url_marker in url:
        return "pricing_visit", points.pricing_visit
    return event_type, getattr(points, event_type, 0)
